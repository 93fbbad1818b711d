# ld: low.ld
# Triple fault: ud2 with no IDT loaded (the loader leaves IDTR.limit = 0), so #UD cannot be delivered
# (#GP), neither can the #GP (#DF), nor the #DF: the CPU stops and the run ends with status 6.
.include "common.inc"

.section .text.entry
.globl _start
_start:
    PUTS "about to triple fault\n"
crash_here:
    ud2
    PUTS "not reached\n"
    EXIT 1
