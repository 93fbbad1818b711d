# ld: low.ld
# Touches one qword in each 2 MiB page of [16 MiB, 240 MiB) twice: more translations than a small bounded
# TLB holds, so `--tlb-entries` runs show evictions (and re-walks on the second pass).
.include "common.inc"

.set FIRST, 0x1000000
.set LAST, 0xf000000

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    mov r8d, 2
1:  mov rbx, FIRST
2:  mov [rbx], rbx
    add rbx, 0x200000
    cmp rbx, LAST
    jb 2b
    dec r8d
    jnz 1b
    mov rbx, FIRST
    xor edx, edx
3:  cmp [rbx], rbx
    setne al
    movzx eax, al
    add rdx, rax
    add rbx, 0x200000
    cmp rbx, LAST
    jb 3b
    mov rax, rdx
    CHECK "pages read back", 0
    call finish
park:
    cli
    hlt
    jmp park
