# ld: low.ld
# Spins forever: the run only ends at --max-insns or --timeout (status 4).
.include "common.inc"

.section .text.entry
.globl _start
_start:
    PUTS "spinning\n"
spin:
    inc rax
    jmp spin
