# ld: low.ld
# Halts every CPU. With "sti" on the command line the CPUs halt with interrupts enabled and nothing can
# wake them (a deadlock, status 4); otherwise with interrupts off (status 0).
.include "common.inc"

.section .text.entry
.globl _start
_start:
    mov rsi, [rsi + BI_CMDLINE_PADDR]
    cmp dword ptr [rsi], 0x00697473   # "sti\0"
    je 1f
    cli
    hlt
    PUTS "woke up from cli; hlt\n"
    EXIT 1
1:  sti
    hlt
    PUTS "woke up from sti; hlt\n"
    EXIT 1
