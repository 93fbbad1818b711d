# The single-CPU benchmark image: one image, the workload chosen on the command line, so that tlbemu,
# Unicorn and QEMU (through the PVH entry) run the same bytes. Parameters (decimal, `key=value`):
#   mode=0 walk: touch one byte per page over `pages` pages, `passes` times; MOV CR3 after each pass
#               when flush=1 (every access is then a TLB miss and a full page walk)
#   mode=1 hit:  8 accesses to 8 different 4 KiB pages per iteration, `iters` iterations (TLB hits)
#   mode=2 alu:  an ALU/branch loop without memory, 6 instructions per iteration, `iters` iterations
#   mode=3 las:  load/add/store over a 4 KiB buffer, 6 instructions per word, `iters` passes of 512 words
#   leaf=4|2|1   leaf size of the touched pages: 4 KiB (identity-mapped from 16 MiB), 2 MiB or 1 GiB
#                (aliases of one frame at linear 0x8000000000 up: not identity-mapped)
#   store=1      stores instead of loads (walk and hit, 4 KiB leaves only)
#   reps=N       how many times the measured region runs (each one between the two markers)
# The image builds its own page tables (4-level, or 5-level when the boot-info block says so; the
# loader then has CR4.LA57 on), prints the TSC delta of each repetition and leaves through debug-exit 0
# (status 1); debug-exit 2 (status 5) for a bad parameter.
.include "bench.inc"

.set TABLES, 0x400000                # page-table pool, 4 MiB .. 8 MiB
.set TABLES_END, 0x800000
.set DATA, 0x1000000                 # 16 MiB: the 4 KiB data pages, identity-mapped
.set MAX_PAGES_4K, 16384             # up to 80 MiB
.set ALIAS_VA, 0x8000000000          # PML4 slot 1
.set FRAME_2M, 0x1000000
.set PTE_P_RW, 3
.set PTE_LARGE, 0x83                 # P|RW|PS

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    mov r15, rsi
    lea rsp, [rip + stack_top]
    call save_cmdline
    call read_params
    call build_tables
    mov rax, [rip + root]
    mov cr3, rax
    call pretouch
    mov r14, [rip + p_reps]
    xor r13d, r13d                   # repetition index
rep_loop:
    RDTSC64
    mov r12, rax
    mov al, 1
    out MARK_PORT, al
.globl bench_region_begin
bench_region_begin:
    call qword ptr [rip + mode_fn]
.globl bench_region_end
bench_region_end:
    mov al, 2
    out MARK_PORT, al
    RDTSC64
    sub rax, r12
    lea rdx, [rip + deltas]
    mov [rdx + r13 * 8], rax
    inc r13
    cmp r13, r14
    jb rep_loop
.globl bench_done
bench_done:
    xor ebx, ebx
1:  PUTS "bench: rep "
    mov rax, rbx
    call put_dec
    PUTS " tsc "
    lea rdx, [rip + deltas]
    mov rax, [rdx + rbx * 8]
    call put_dec
    PUTS "\n"
    inc rbx
    cmp rbx, r14
    jb 1b
    PUTS "bench: done\n"
    EXIT 0
bad_param:
    PUTS "bench: bad parameter\n"
    EXIT 2
park:
    cli
    hlt
    jmp park

# ---------------------------------------------------------------------------------------- setup

read_params:
    mov eax, 0
    PARAM "mode"
    cmp rax, 3
    ja bad_param
    lea rdx, [rip + mode_table]
    mov rax, [rdx + rax * 8]
    mov [rip + mode_fn], rax
    mov eax, 4
    PARAM "leaf"
    cmp rax, 4
    je 1f
    cmp rax, 2
    je 1f
    cmp rax, 1
    jne bad_param
1:  mov [rip + p_leaf], rax
    mov eax, 4096
    PARAM "pages"
    cmp rax, 8                       # the hit loop touches 8 pages
    jb bad_param
    cmp rax, MAX_PAGES_4K
    ja bad_param
    mov [rip + p_pages], rax
    mov eax, 200
    PARAM "passes"
    test rax, rax
    jz bad_param
    mov [rip + p_passes], rax
    mov eax, 1
    PARAM "flush"
    mov [rip + p_flush], rax
    mov eax, 1000000
    PARAM "iters"
    test rax, rax
    jz bad_param
    mov [rip + p_iters], rax
    mov eax, 0
    PARAM "store"
    mov [rip + p_store], rax
    test rax, rax
    jz 2f
    cmp qword ptr [rip + p_leaf], 4  # stores through aliases would clobber low memory
    jne bad_param
2:  mov eax, 2
    PARAM "reps"
    test rax, rax
    jz bad_param
    cmp rax, 64
    ja bad_param
    mov [rip + p_reps], rax
    # stride and base of the walk
    mov rax, [rip + p_leaf]
    cmp rax, 4
    jne 3f
    mov qword ptr [rip + w_base], DATA
    mov qword ptr [rip + w_stride], 4096
    ret
3:  movabs rdx, ALIAS_VA
    mov [rip + w_base], rdx
    mov edx, 0x200000
    cmp rax, 2
    je 4f
    mov edx, 0x40000000
4:  mov [rip + w_stride], rdx
    ret

# RAX = a zeroed page from the pool.
alloc_page:
    push rcx
    push rdi
    mov rax, [rip + pool_next]
    test rax, rax
    jnz 1f
    mov eax, TABLES
1:  lea rcx, [rax + 4096]
    cmp rcx, TABLES_END
    ja bad_param
    mov [rip + pool_next], rcx
    mov rdi, rax
    push rax
    xor eax, eax
    mov ecx, 512
    rep stosq
    pop rax
    pop rdi
    pop rcx
    ret

# The first GiB identity-mapped with 2 MiB pages (code, data, stacks, boot info, command line), then
# the touched pages; root = PML4, or a PML5 above it with 5-level paging.
build_tables:
    call alloc_page
    mov rbx, rax                     # PML4
    call alloc_page
    mov rsi, rax                     # PDPT 0
    call alloc_page
    mov rdi, rax                     # PD 0
    lea rax, [rsi + PTE_P_RW]
    mov [rbx], rax
    lea rax, [rdi + PTE_P_RW]
    mov [rsi], rax
    xor ecx, ecx
1:  mov rax, rcx
    shl rax, 21
    or rax, PTE_LARGE
    mov [rdi + rcx * 8], rax
    inc ecx
    cmp ecx, 512
    jb 1b
    mov rax, [rip + p_leaf]
    cmp rax, 4
    je leaf_4k
    cmp rax, 2
    je leaf_2m
    # 1 GiB leaves: PML4[1 + k / 512] -> PDPT, every entry a 1 GiB leaf on frame 0
    mov r8, [rip + p_pages]
    add r8, 511
    shr r8, 9                        # PDPTs needed
    xor r9d, r9d
2:  call alloc_page
    lea rdx, [rax + PTE_P_RW]
    mov [rbx + 8 + r9 * 8], rdx
    xor ecx, ecx
3:  mov qword ptr [rax + rcx * 8], PTE_LARGE
    inc ecx
    cmp ecx, 512
    jb 3b
    inc r9
    cmp r9, r8
    jb 2b
    jmp tables_root
leaf_2m:
    # PML4[1] -> PDPT, PDPT[k / 512] -> PD, every entry a 2 MiB leaf on FRAME_2M
    call alloc_page
    mov r10, rax
    lea rdx, [rax + PTE_P_RW]
    mov [rbx + 8], rdx
    mov r8, [rip + p_pages]
    add r8, 511
    shr r8, 9
    xor r9d, r9d
2:  call alloc_page
    lea rdx, [rax + PTE_P_RW]
    mov [r10 + r9 * 8], rdx
    xor ecx, ecx
3:  mov qword ptr [rax + rcx * 8], FRAME_2M + PTE_LARGE
    inc ecx
    cmp ecx, 512
    jb 3b
    inc r9
    cmp r9, r8
    jb 2b
    jmp tables_root
leaf_4k:
    # PD 0 entries 8.. (16 MiB up) -> page tables of identity 4 KiB pages
    mov r8, [rip + p_pages]
    add r8, 511
    shr r8, 9
    xor r9d, r9d
    mov edx, DATA + PTE_P_RW
2:  call alloc_page
    lea r10, [rax + PTE_P_RW]
    mov [rdi + 64 + r9 * 8], r10
    xor ecx, ecx
3:  mov [rax + rcx * 8], rdx
    add rdx, 4096
    inc ecx
    cmp ecx, 512
    jb 3b
    inc r9
    cmp r9, r8
    jb 2b
tables_root:
    mov [rip + root], rbx
    cmp dword ptr [r15 + BI_PAGING_LEVELS], 5
    jne 4f
    call alloc_page
    lea rdx, [rbx + PTE_P_RW]
    mov [rax], rdx
    mov [rip + root], rax
4:  ret

# Writes every touched page once (outside the measured region), so that no engine pays for its first
# touch of a frame inside it.
pretouch:
    mov rsi, [rip + w_base]
    mov rcx, [rip + p_pages]
    mov rdx, [rip + w_stride]
1:  mov al, [rsi]
    mov [rsi], al
    add rsi, rdx
    dec rcx
    jnz 1b
    ret

# ---------------------------------------------------------------------------------------- modes
# Each mode preserves RBX, R12..R15.

mode_walk:
    mov r8, [rip + p_passes]
    mov r9, [rip + p_flush]
    mov r10, [rip + p_pages]
    mov rdx, [rip + w_stride]
    cmp qword ptr [rip + p_store], 0
    jne walk_store
1:  mov rsi, [rip + w_base]
    mov rcx, r10
2:  mov al, [rsi]
    add rsi, rdx
    dec rcx
    jnz 2b
    test r9, r9
    jz 3f
    mov rax, cr3
    mov cr3, rax
3:  dec r8
    jnz 1b
    ret
walk_store:
    xor eax, eax
1:  mov rsi, [rip + w_base]
    mov rcx, r10
2:  mov [rsi], al
    add rsi, rdx
    dec rcx
    jnz 2b
    test r9, r9
    jz 3f
    mov rax, cr3
    mov cr3, rax
3:  dec r8
    jnz 1b
    ret

mode_hit:
    mov rcx, [rip + p_iters]
    mov esi, DATA
    cmp qword ptr [rip + p_store], 0
    jne hit_store
    .p2align 4
1:  mov al, [rsi]
    mov al, [rsi + 0x1000]
    mov al, [rsi + 0x2000]
    mov al, [rsi + 0x3000]
    mov al, [rsi + 0x4000]
    mov al, [rsi + 0x5000]
    mov al, [rsi + 0x6000]
    mov al, [rsi + 0x7000]
    dec rcx
    jnz 1b
    ret
hit_store:
    xor eax, eax
    .p2align 4
1:  mov [rsi], al
    mov [rsi + 0x1000], al
    mov [rsi + 0x2000], al
    mov [rsi + 0x3000], al
    mov [rsi + 0x4000], al
    mov [rsi + 0x5000], al
    mov [rsi + 0x6000], al
    mov [rsi + 0x7000], al
    dec rcx
    jnz 1b
    ret

mode_alu:
    mov rcx, [rip + p_iters]
    mov eax, 1
    mov edx, 7
    .p2align 4
1:  add rax, rcx
    xor rdx, rax
    rol rdx, 5
    sub rax, rdx
    dec rcx
    jnz 1b
    mov [rip + sink], rax
    ret

mode_las:
    mov rcx, [rip + p_iters]
1:  mov esi, DATA
    mov edx, 512
2:  mov rax, [rsi]
    add rax, rcx
    mov [rsi], rax
    add rsi, 8
    dec edx
    jnz 2b
    dec rcx
    jnz 1b
    ret

.section .rodata
.p2align 3
mode_table: .quad mode_walk, mode_hit, mode_alu, mode_las

.section .data
.p2align 3
pool_next: .quad 0

.section .bss
.p2align 3
mode_fn: .skip 8
root: .skip 8
p_leaf: .skip 8
p_pages: .skip 8
p_passes: .skip 8
p_flush: .skip 8
p_iters: .skip 8
p_store: .skip 8
p_reps: .skip 8
w_base: .skip 8
w_stride: .skip 8
sink: .skip 8
deltas: .skip 64 * 8
.p2align 12
stack: .skip 16384
stack_top:
