# All-CPU TLB shootdowns by IPI, as flush_tlb_all() does them: CPU 0 repoints a 4 KiB mapping, flushes
# its own TLB, sends IPI 0x40 to all other CPUs and waits until every one has acknowledged; each handler
# flushes its whole TLB (CR4.PGE toggle, as __flush_tlb_all() without INVPCID), reads the mapping back
# (refilling its TLB) and acknowledges. Parameters: n=N shootdowns per repetition, reps=R. Between the
# markers: R repetitions of N shootdowns. At the end every CPU must have read the frame of the last
# remap (debug-exit 0, status 1), else debug-exit 1 (status 3). tlbemu only: the PVH entry starts one
# CPU, and Unicorn has no APIC.
.include "bench.inc"

.set VA, 0x8000000000
.set FRAME_A, 0x300000
.set FRAME_B, 0x301000
.set TABLES, 0x302000                       # PDPT, PD, PT
.set VECTOR, 0x40

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
    mov r15, rsi
    test r12, r12
    jnz secondary
    lea rsp, [rip + stack_top]
    call save_cmdline
    mov eax, 1000
    PARAM "n"
    mov [rip + p_n], rax
    mov eax, 2
    PARAM "reps"
    cmp rax, 64
    ja bad_param
    test rax, rax
    jz bad_param
    mov [rip + p_reps], rax
    mov qword ptr [FRAME_A], 0xa
    mov qword ptr [FRAME_B], 0xb
    mov edi, TABLES
    xor eax, eax
    mov ecx, 3 * 4096 / 8
    rep stosq
    mov qword ptr [TABLES], TABLES + 0x1000 + 3
    mov qword ptr [TABLES + 0x1000], TABLES + 0x2000 + 3
    mov qword ptr [TABLES + 0x2000], FRAME_A + 3
    mov rax, cr3
    and rax, -4096
    mov qword ptr [rax + 8], TABLES + 3         # PML4[1] (4-level paging only)
    lea rdi, [rip + idt + VECTOR * 16]
    lea rax, [rip + shootdown_irq]
    mov [rdi], ax
    mov word ptr [rdi + 2], 0x10
    mov word ptr [rdi + 4], 0x8e00
    shr rax, 16
    mov [rdi + 6], ax
    shr rax, 16
    mov [rdi + 8], eax
    lidt [rip + idtr]
    mov byte ptr [rip + setup_done], 1
    mov ebx, [r15 + BI_CPU_COUNT]
    dec ebx                                      # other CPUs
1:  cmp [rip + ready], ebx
    je 2f
    pause
    jmp 1b
2:  mov r14, [rip + p_reps]
    xor r13d, r13d
    xor r9d, r9d                                 # acknowledgements expected so far
    mov r10d, FRAME_A
rep_loop:
    RDTSC64
    mov r11, rax
    mov al, 1
    out MARK_PORT, al
.globl bench_region_begin
bench_region_begin:
    mov r8, [rip + p_n]
3:  xor r10d, FRAME_A ^ FRAME_B                 # the other frame
    lea rax, [r10 + 3]
    mov [TABLES + 0x2000], rax
    movabs rax, VA
    invlpg [rax]
    test ebx, ebx
    jz 5f
    mov ecx, 0x830                               # ICR: fixed, all excluding self
    mov eax, (3 << 18) | VECTOR
    xor edx, edx
    wrmsr
    add r9d, ebx
4:  cmp [rip + acks], r9d
    je 5f
    pause
    jmp 4b
5:  dec r8
    jnz 3b
.globl bench_region_end
bench_region_end:
    mov al, 2
    out MARK_PORT, al
    RDTSC64
    sub rax, r11
    lea rdx, [rip + deltas]
    mov [rdx + r13 * 8], rax
    inc r13
    cmp r13, r14
    jb rep_loop
    # every other CPU read the last frame's value
    mov rax, [r10]
    xor ecx, ecx
    lea rdx, [rip + seen]
6:  inc ecx
    cmp ecx, [r15 + BI_CPU_COUNT]
    jae 7f
    cmp [rdx + rcx * 8], rax
    je 6b
    PUTS "bench: a CPU missed a shootdown\n"
    EXIT 1
7:  xor ebx, ebx
8:  PUTS "bench: rep "
    mov rax, rbx
    call put_dec
    PUTS " tsc "
    lea rdx, [rip + deltas]
    mov rax, [rdx + rbx * 8]
    call put_dec
    PUTS "\n"
    inc rbx
    cmp rbx, r14
    jb 8b
    PUTS "bench: done\n"
    EXIT 0
bad_param:
    PUTS "bench: bad parameter\n"
    EXIT 2

secondary:
1:  cmp byte ptr [rip + setup_done], 0
    jne 2f
    pause
    jmp 1b
2:  lidt [rip + idtr]
    WRMSR_ 0x80f, 0x1ff                          # x2APIC software-enabled
    lock inc dword ptr [rip + ready]
3:  sti
    hlt
    jmp 3b

shootdown_irq:
    push rax
    push rcx
    push rdx
    mov rax, cr4                                 # flush everything, global entries too
    mov rdx, rax
    xor rdx, 0x80
    mov cr4, rdx
    mov cr4, rax
    movabs rax, VA
    mov rax, [rax]                               # refill
    lea rdx, [rip + seen]
    mov [rdx + r12 * 8], rax
    lock inc dword ptr [rip + acks]
    mov ecx, 0x80b                               # EOI
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
.p2align 2
ready: .long 0
acks: .long 0

.section .bss
.p2align 4
idt: .skip 256 * 16
p_n: .skip 8
p_reps: .skip 8
deltas: .skip 64 * 8
seen: .skip 64 * 8
.p2align 12
stack: .skip 8192
stack_top:
