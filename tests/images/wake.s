# ld: low.ld
# Sleeps in `sti; hlt` until an external interrupt (vector 0x20) arrives from the interrupt controller
# the host plugged in; the handler counts it. Prints the count and leaves through debug-exit. Other
# CPUs count down a while before they park, so CPU 0 also sleeps through slices while they run.
.include "common.inc"

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    lea rdx, [rip + idt + 0x20 * 16]
    lea rax, [rip + irq]
    mov [rdx], ax
    mov word ptr [rdx + 2], 0x10
    mov word ptr [rdx + 4], 0x8e00
    shr rax, 16
    mov [rdx + 6], ax
    shr rax, 16
    mov [rdx + 8], eax
    lidt [rip + idtr]
    PUTS "sleeping\n"
    sti
1:  hlt
    cmp qword ptr [rip + irqs], 2
    jb 1b
    cli
    PUTS "woken by "
    mov rax, [rip + irqs]
    call put_dec
    PUTS " interrupts\n"
    EXIT 0
park:
    mov ecx, 100000
1:  dec ecx
    jnz 1b
2:  cli
    hlt
    jmp 2b

irq:
    inc qword ptr [rip + irqs]
    iretq

.section .data
.p2align 4
idtr:
    .word 256 * 16 - 1
    .quad idt
irqs: .quad 0

.section .bss
.p2align 12
idt: .skip 4096
