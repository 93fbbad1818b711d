# ld: low.ld
# Touches 8 MiB (one write per 4 KiB page from 16 MiB up), reads it back, and leaves through
# debug-exit: host memory should follow what the guest touches, not --mem.
.include "common.inc"

.set TOUCH_BASE, 0x1000000
.set TOUCH_PAGES, 2048

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    mov rbx, TOUCH_BASE
    mov ecx, TOUCH_PAGES
1:  mov [rbx], rbx
    add rbx, 4096
    dec ecx
    jnz 1b
    mov rbx, TOUCH_BASE
    mov ecx, TOUCH_PAGES
    xor edx, edx
2:  cmp [rbx], rbx
    setne al
    movzx eax, al
    add rdx, rax
    add rbx, 4096
    dec ecx
    jnz 2b
    mov rax, rdx
    CHECK "touched pages read back", 0
    call finish
park:
    cli
    hlt
    jmp park
