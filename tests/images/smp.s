# ld: low.ld
# Several CPUs: each takes a ticket with lock xadd, records its index in arrival order, and waits at a
# barrier; CPU 0 then prints the count and the arrival order (which depends on the scheduler's slices,
# hence on --quantum and --seed) and leaves through debug-exit.
.include "common.inc"

.section .text.entry
.globl _start
_start:
    mov r13, rsi
    # spend a CPU-dependent number of iterations so that slices interleave
    mov ecx, edi
    imul ecx, ecx, 37
    add ecx, 1
1:  pause
    dec ecx
    jnz 1b
    mov eax, 1
    lock xadd [rip + tickets], eax
    lea rbx, [rip + order]
    mov [rbx + rax], dil
    test rdi, rdi
    jnz park
    # CPU 0 waits for everyone
    mov ecx, [r13 + BI_CPU_COUNT]
2:  pause
    cmp [rip + tickets], ecx
    jne 2b
    PUTS "cpus arrived: "
    mov eax, [rip + tickets]
    call put_dec
    PUTS ", order:"
    xor ebx, ebx
3:  mov al, ' '
    call putc
    lea rdx, [rip + order]
    movzx eax, byte ptr [rdx + rbx]
    call put_dec
    inc ebx
    cmp ebx, ecx
    jne 3b
    call newline
    EXIT 0
park:
    cli
    hlt
    jmp park

.section .data
tickets: .long 0
order: .skip 64
