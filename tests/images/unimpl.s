# ld: low.ld
# An instruction tlbemu does not implement (VZEROUPPER: CPUID reports no AVX) raises #UD in the guest;
# with no IDT that ends in a triple fault, and `--trace insn` names the bytes.
.include "common.inc"

.section .text.entry
.globl _start
_start:
    PUTS "before vzeroupper\n"
unimplemented:
    vzeroupper
    PUTS "not reached\n"
    EXIT 1
