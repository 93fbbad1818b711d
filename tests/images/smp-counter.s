# ld: low.ld
# SMP counter: every CPU adds 1 to a shared counter ITERATIONS times, in the way the command line's
# first byte selects: 'x' lock xadd, 't' a ticket spinlock around a plain load/add/store, 'u' the plain
# load/add/store alone (what `counter++` compiles to: three instructions, so another CPU's slice can
# fall between the load and the store). CPU 0 waits for everyone, prints the total and the expected
# value, and exits through debug-exit 0 (exact) or 1 (updates lost).
.include "common.inc"
.set ITERATIONS, 3000

.section .text.entry
.globl _start
_start:
    mov r12, rdi                          # CPU index
    mov r13, rsi                          # boot info
    mov rax, [r13 + BI_CMDLINE_PADDR]
    movzx r14d, byte ptr [rax]            # mode
    mov ecx, ITERATIONS
    cmp r14b, 'x'
    je xadd_loop
    cmp r14b, 't'
    je ticket_loop

plain_loop:
    mov rax, [rip + counter]
    add rax, 1
    mov [rip + counter], rax
    dec ecx
    jnz plain_loop
    jmp done

xadd_loop:
    mov eax, 1
    lock xadd [rip + counter], rax
    dec ecx
    jnz xadd_loop
    jmp done

ticket_loop:
    mov eax, 1
    lock xadd [rip + next_ticket], eax    # take a ticket
1:  cmp [rip + now_serving], eax
    je 2f
    pause                                 # ends the slice: the owner gets to run
    jmp 1b
2:  mov rax, [rip + counter]              # critical section: a plain read-modify-write
    add rax, 1
    mov [rip + counter], rax
    inc dword ptr [rip + now_serving]     # release: only the owner writes it
    dec ecx
    jnz ticket_loop

done:
    lock inc dword ptr [rip + finished]
    test r12, r12
    jnz park
    mov ecx, [r13 + BI_CPU_COUNT]
3:  cmp [rip + finished], ecx
    je 4f
    pause
    jmp 3b
4:  PUTS "mode "
    mov eax, r14d
    call putc
    PUTS ": counter "
    mov rax, [rip + counter]
    call put_dec
    PUTS " expected "
    mov eax, [r13 + BI_CPU_COUNT]
    imul rax, rax, ITERATIONS
    mov rbx, rax
    call put_dec
    call newline
    cmp [rip + counter], rbx
    jne 5f
    EXIT 0
5:  EXIT 1
park:
    cli
    hlt
    jmp park

.section .data
.p2align 6
counter: .quad 0
.p2align 6
next_ticket: .long 0
now_serving: .long 0
finished: .long 0
