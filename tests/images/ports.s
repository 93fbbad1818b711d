# ld: low.ld
# Unclaimed I/O ports read all-ones at every size and ignore writes; COM1's registers answer like a
# 16550 (scratch register, divisor latch, line status).
.include "common.inc"

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    mov al, 0x12
    out 0x80, al                 # POST code port: nobody listens
    in al, 0x80
    movzx eax, al
    CHECK "unclaimed in8", 0xff
    mov dx, 0x1234
    in ax, dx
    movzx eax, ax
    CHECK "unclaimed in16", 0xffff
    mov dx, 0xcfc
    mov eax, 0
    out dx, eax
    in eax, dx
    CHECK "unclaimed in32", 0xffffffff
    mov dx, COM1 + 7             # scratch
    mov al, 0xa5
    out dx, al
    in al, dx
    movzx eax, al
    CHECK "com1 scratch", 0xa5
    mov dx, COM1 + 3             # LCR: set DLAB, write the divisor, read it back
    mov al, 0x83
    out dx, al
    mov dx, COM1
    mov al, 3                    # 38400 baud
    out dx, al
    in al, dx
    movzx eax, al
    CHECK "com1 divisor latch", 3
    mov dx, COM1 + 3
    mov al, 0x03                 # 8N1, DLAB off
    out dx, al
    mov dx, COM1_LSR
    in al, dx
    movzx eax, al
    CHECK "com1 line status", 0x60
    call finish
park:
    cli
    hlt
    jmp park
