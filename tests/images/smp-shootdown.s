# ld: low.ld
# TLB shootdown done by guest code. CPU 0 maps linear 0x8000000000 (PML4 slot 1, tables of its own)
# to frame A; every CPU reads it (its TLB now caches A). CPU 0 then points the PTE at frame B and
# flushes only its own TLB (INVLPG). Every other CPU reads again: it must still see A, through its stale
# entry. Then, unless the command line starts with 'n', CPU 0 sends IPI 0x40 to all but itself; each
# handler does INVLPG and acknowledges; CPU 0 waits for all acknowledgements. Every other CPU reads a
# third time: B after the shootdown, still A without it. CPU 0 prints one line per CPU.
.include "common.inc"
.set VA, 0x8000000000
.set FRAME_A, 0x300000
.set FRAME_B, 0x301000
.set TABLES, 0x302000                       # PDPT, PD, PT: three pages

.macro WRMSR_ msr, value
    mov ecx, \msr
    mov eax, \value
    xor edx, edx
    wrmsr
.endm

# Barrier: every CPU increments \counter and waits for cpu_count arrivals (interrupts on, so IPIs land).
.macro BARRIER counter
    lock inc dword ptr [rip + \counter]
1:  mov eax, [r13 + BI_CPU_COUNT]
    cmp [rip + \counter], eax
    je 2f
    pause
    jmp 1b
2:
.endm

.section .text.entry
.globl _start
_start:
    mov r12, rdi
    mov r13, rsi
    test r12, r12
    jnz wait_setup
    # CPU 0: the frames, the tables, the IDT
    movabs rax, 0xaaaaaaaaaaaaaaaa
    mov [FRAME_A], rax
    movabs rax, 0xbbbbbbbbbbbbbbbb
    mov [FRAME_B], rax
    mov edi, TABLES
    xor eax, eax
    mov ecx, 3 * 4096 / 8
    rep stosq
    mov qword ptr [TABLES], TABLES + 0x1000 + 3           # PDPT[0] -> PD
    mov qword ptr [TABLES + 0x1000], TABLES + 0x2000 + 3  # PD[0] -> PT
    mov qword ptr [TABLES + 0x2000], FRAME_A + 3          # PT[0] -> A (P|RW)
    mov rax, cr3
    and rax, -4096
    mov qword ptr [rax + 8], TABLES + 3                   # PML4[1] -> PDPT
    lea rdi, [rip + idt + 0x40 * 16]
    lea rax, [rip + shootdown_irq]
    mov [rdi], ax
    mov word ptr [rdi + 2], 0x10
    mov word ptr [rdi + 4], 0x8e00                        # present interrupt gate, DPL 0
    shr rax, 16
    mov [rdi + 6], ax
    shr rax, 16
    mov [rdi + 8], eax
    mov byte ptr [rip + setup_done], 1
wait_setup:
    cmp byte ptr [rip + setup_done], 0
    jne 1f
    pause
    jmp wait_setup
1:  lidt [rip + idtr]
    WRMSR_ 0x80f, 0x1ff                   # APIC on
    sti
    movabs rsi, VA
    mov rax, [rsi]                        # phase 1: every CPU caches VA -> A
    lea rdx, [rip + first]
    mov [rdx + r12 * 8], rax
    BARRIER arrived1
    test r12, r12
    jnz 2f
    mov qword ptr [TABLES + 0x2000], FRAME_B + 3   # CPU 0 remaps VA to B ...
    movabs rax, VA
    invlpg [rax]                                   # ... and flushes its own TLB only
2:  BARRIER arrived2
    movabs rsi, VA
    mov rax, [rsi]                        # phase 2: the others still read A (stale)
    lea rdx, [rip + second]
    mov [rdx + r12 * 8], rax
    BARRIER arrived3
    test r12, r12
    jnz 4f
    mov rax, [r13 + BI_CMDLINE_PADDR]
    cmp byte ptr [rax], 'n'
    je 3f
    mov ecx, 0x830                        # IPI 0x40 to all excluding self
    mov eax, (3 << 18) | 0x40
    xor edx, edx
    wrmsr
    mov ecx, [r13 + BI_CPU_COUNT]
    dec ecx
5:  cmp [rip + acks], ecx
    je 3f
    pause
    jmp 5b
3:  mov byte ptr [rip + shootdown_done], 1
4:  cmp byte ptr [rip + shootdown_done], 0
    jne 6f
    pause
    jmp 4b
6:  movabs rsi, VA
    mov rax, [rsi]                        # phase 3: B after the shootdown, A without it
    lea rdx, [rip + third]
    mov [rdx + r12 * 8], rax
    BARRIER arrived4
    test r12, r12
    jnz park
    xor ebx, ebx
7:  PUTS "cpu "
    mov rax, rbx
    call put_dec
    PUTS ": "
    lea rdx, [rip + first]
    mov rax, [rdx + rbx * 8]
    call put_hex
    PUTS " "
    lea rdx, [rip + second]
    mov rax, [rdx + rbx * 8]
    call put_hex
    PUTS " "
    lea rdx, [rip + third]
    mov rax, [rdx + rbx * 8]
    call put_hex
    call newline
    inc ebx
    cmp ebx, [r13 + BI_CPU_COUNT]
    jne 7b
    EXIT 0
park:
    cli
    hlt
    jmp park

shootdown_irq:
    push rax
    push rcx
    push rdx
    movabs rax, VA
    invlpg [rax]
    lock inc dword ptr [rip + acks]
    mov ecx, 0x80b                        # EOI
    xor eax, eax
    xor edx, edx
    wrmsr
    pop rdx
    pop rcx
    pop rax
    iretq

.section .data
.p2align 4
idtr:
    .word 256 * 16 - 1
    .quad idt
setup_done: .byte 0
shootdown_done: .byte 0
.p2align 2
arrived1: .long 0
arrived2: .long 0
arrived3: .long 0
arrived4: .long 0
acks: .long 0
.section .bss
.p2align 4
idt: .skip 256 * 16
first: .skip 64 * 8
second: .skip 64 * 8
third: .skip 64 * 8
