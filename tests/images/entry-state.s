# ld: low.ld
# The entry state of the boot contract (DESIGN.md), as CPU 0 finds it at _start: every general register,
# RFLAGS, the control registers and EFER, GDTR, IDTR, the segment selectors, the FS/GS bases and the
# loader fields of the boot-info block. Saved before anything runs, printed one per line, then
# debug-exit 0. Loaders that implement the contract (tlbemu's, and the PVH entry under QEMU) print the same.
.include "common.inc"

.section .text.entry
.globl _start
_start:
    mov [rip + saved + 0 * 8], rax
    mov [rip + saved + 1 * 8], rbx
    mov [rip + saved + 2 * 8], rcx
    mov [rip + saved + 3 * 8], rdx
    mov [rip + saved + 4 * 8], rsi
    mov [rip + saved + 5 * 8], rdi
    mov [rip + saved + 6 * 8], rbp
    mov [rip + saved + 7 * 8], rsp
    mov [rip + saved + 8 * 8], r8
    mov [rip + saved + 9 * 8], r9
    mov [rip + saved + 10 * 8], r10
    mov [rip + saved + 11 * 8], r11
    mov [rip + saved + 12 * 8], r12
    mov [rip + saved + 13 * 8], r13
    mov [rip + saved + 14 * 8], r14
    mov [rip + saved + 15 * 8], r15
    pushfq
    pop qword ptr [rip + saved + 16 * 8]
    test rdi, rdi
    jnz park
    lea rbx, [rip + saved]
    lea r12, [rip + names]
    xor r13d, r13d
1:  mov rsi, r12
    call puts
    PUTS ": "
    mov rax, [rbx + r13 * 8]
    call put_hex
    call newline
2:  inc r12                                  # next name
    cmp byte ptr [r12 - 1], 0
    jne 2b
    inc r13
    cmp r13, 17
    jne 1b

    PUTS "cr0: "
    mov rax, cr0
    call put_hex
    PUTS "\ncr3: "
    mov rax, cr3
    call put_hex
    PUTS "\ncr4: "
    mov rax, cr4
    call put_hex
    PUTS "\nefer: "
    mov ecx, 0xc0000080
    call rdmsr64
    PUTS "\nfs.base: "
    mov ecx, 0xc0000100
    call rdmsr64
    PUTS "\ngs.base: "
    mov ecx, 0xc0000101
    call rdmsr64
    PUTS "\ngdtr: "
    sgdt [rip + dtr]
    mov rax, [rip + dtr + 2]
    call put_hex
    PUTS " limit "
    movzx eax, word ptr [rip + dtr]
    call put_hex
    PUTS "\nidtr: "
    sidt [rip + dtr]
    mov rax, [rip + dtr + 2]
    call put_hex
    PUTS " limit "
    movzx eax, word ptr [rip + dtr]
    call put_hex
    PUTS "\ncs ds es ss fs gs:"
    mov ax, cs
    call put_sel
    mov ax, ds
    call put_sel
    mov ax, es
    call put_sel
    mov ax, ss
    call put_sel
    mov ax, fs
    call put_sel
    mov ax, gs
    call put_sel
    mov rsi, [rip + saved + 4 * 8]           # boot-info block
    PUTS "\nboot-info at "
    mov rax, rsi
    call put_hex
    PUTS ": e820 "
    mov rax, [rsi + BI_E820_PADDR]
    call put_hex
    PUTS ", cmdline "
    mov rax, [rsi + BI_CMDLINE_PADDR]
    call put_hex
    PUTS ", page tables "
    mov rax, [rsi + BI_PGTABLE_PADDR]
    call put_hex
    PUTS " + "
    mov rax, [rsi + BI_PGTABLE_LEN]
    call put_hex
    call newline
    EXIT 0
park:
    cli
    hlt
    jmp park

# ECX = MSR -> printed as 0x...
rdmsr64:
    rdmsr
    shl rdx, 32
    mov eax, eax
    or rax, rdx
    call put_hex
    ret

# AX = selector -> " 0x.."
put_sel:
    push rax
    mov al, ' '
    call putc
    pop rax
    movzx eax, ax
    call put_hex
    ret

.section .rodata
names:
    .asciz "rax"
    .asciz "rbx"
    .asciz "rcx"
    .asciz "rdx"
    .asciz "rsi"
    .asciz "rdi"
    .asciz "rbp"
    .asciz "rsp"
    .asciz "r8"
    .asciz "r9"
    .asciz "r10"
    .asciz "r11"
    .asciz "r12"
    .asciz "r13"
    .asciz "r14"
    .asciz "r15"
    .asciz "rflags"

.section .bss
.p2align 3
saved: .skip 17 * 8
dtr: .skip 16
