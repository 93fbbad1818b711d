# ld: low.ld
# Interrupts through an x2APIC (when the host plugs one in): CPU 0 runs the LAPIC timer in periodic
# mode (vector 0x20) and sleeps in `sti; hlt` until three ticks have arrived, then sends IPI 0x21 to
# CPU 1, which sleeps until it arrives. CPU 0 prints both counts and leaves through debug-exit.
.include "common.inc"

.macro WRMSR_ msr, value
    mov ecx, \msr
    mov eax, \value
    xor edx, edx
    wrmsr
.endm

.section .text.entry
.globl _start
_start:
    mov r12, rdi
    test rdi, rdi
    jnz 1f
    # CPU 0 builds the IDT: gates 0x20 (timer) and 0x21 (IPI)
    mov edi, 0x20
    lea rsi, [rip + timer_irq]
    call set_gate
    mov edi, 0x21
    lea rsi, [rip + ipi_irq]
    call set_gate
    mov byte ptr [rip + idt_ready], 1
1:  cmp byte ptr [rip + idt_ready], 0
    jne 2f
    pause
    jmp 1b
2:  lidt [rip + idtr]
    WRMSR_ 0x80f, 0x1ff           # SVR: APIC enabled, spurious vector 0xff
    test r12, r12
    jnz secondary

    PUTS "timer: periodic, vector 0x20\n"
    WRMSR_ 0x83e, 0xb             # divide by 1
    WRMSR_ 0x832, 0x20020         # LVT timer: periodic, vector 0x20
    WRMSR_ 0x838, 50000           # initial count
    sti
3:  hlt
    cmp qword ptr [rip + ticks], 3
    jb 3b
    cli
    WRMSR_ 0x832, 0x10020         # masked
    PUTS "ticks: "
    mov rax, [rip + ticks]
    call put_dec
    call newline
    # IPI to CPU 1 (x2APIC ICR: destination in the high half)
4:  cmp byte ptr [rip + cpu1_sleeping], 0
    je 4b
    mov ecx, 0x830
    mov eax, 0x21
    mov edx, 1
    wrmsr
5:  pause
    cmp qword ptr [rip + ipis], 0
    je 5b
    PUTS "ipis: "
    mov rax, [rip + ipis]
    call put_dec
    call newline
    EXIT 0

secondary:
    mov byte ptr [rip + cpu1_sleeping], 1
    sti
1:  hlt
    cmp qword ptr [rip + ipis], 0
    je 1b
    cli
2:  hlt
    jmp 2b

timer_irq:
    push rax
    push rcx
    push rdx
    inc qword ptr [rip + ticks]
    WRMSR_ 0x80b, 0               # EOI
    pop rdx
    pop rcx
    pop rax
    iretq

ipi_irq:
    push rax
    push rcx
    push rdx
    inc qword ptr [rip + ipis]
    WRMSR_ 0x80b, 0
    pop rdx
    pop rcx
    pop rax
    iretq

# EDI = vector, RSI = handler: a present DPL-0 64-bit interrupt gate with selector 0x10.
set_gate:
    push rax
    push rdx
    lea rdx, [rip + idt]
    shl rdi, 4
    add rdx, rdi
    mov eax, esi
    and eax, 0xffff
    or eax, 0x10 << 16
    mov [rdx], eax
    mov eax, esi
    and eax, 0xffff0000
    or eax, 0x8e00
    mov [rdx + 4], eax
    mov rax, rsi
    shr rax, 32
    mov [rdx + 8], eax
    mov dword ptr [rdx + 12], 0
    pop rdx
    pop rax
    ret

.section .data
.p2align 4
idtr:
    .word 256 * 16 - 1
    .quad idt
ticks: .quad 0
ipis: .quad 0
idt_ready: .byte 0
cpu1_sleeping: .byte 0

.section .bss
.p2align 12
idt: .skip 4096
