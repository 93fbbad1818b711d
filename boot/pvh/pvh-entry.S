# PVH entry for tlbemu images, so that the same ELF file boots in qemu-system-x86_64 (-kernel IMAGE).
# QEMU enters at the physical address in the XEN_ELFNOTE_PHYS32_ENTRY note, in 32-bit protected mode
# with paging off, a flat 32-bit CS and EBX = physical address of struct hvm_start_info. This
# trampoline recreates tlbemu's boot contract (DESIGN.md) for one CPU and jumps to the image's _start:
#   - loader GDT: 0x10 64-bit code, 0x18 data (0x20/0x28/0x30 user segments, as the tlbemu loader);
#   - page tables: the first 4 GiB identity-mapped with 2 MiB pages, plus 0xffffffff80000000 + [0, 1 GiB)
#     -> [0, 1 GiB) (where kernel-style images link; the tlbemu loader maps each PT_LOAD with 4 KiB
#     pages instead — images must not depend on either detail);
#   - CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE, EFER = SCE|LME|LMA|NXE, RFLAGS = 0x2;
#   - RDI = 0 (CPU index), RSI = a boot-info block (version 1) built from hvm_start_info: its memory map
#     entries have the e820 layout already (u64 base, u64 length, u32 type, u32 reserved), the command
#     line is copied by reference.
# The code is position-independent (it runs at its physical address while being linked wherever the
# image links its text); it only assumes that this section's virtual-to-physical offset is constant.
#
# An image adopts it by assembling this file, keeping .note.Xen in a PT_NOTE program header, and
# defining `pvh_entry_phys` in its linker script as the physical address of pvh_start32.

.set XEN_ELFNOTE_PHYS32_ENTRY, 18
.set HVM_START_MAGIC, 0x336ec578
.set SI_MAGIC, 0
.set SI_VERSION, 4
.set SI_CMDLINE, 24
.set SI_MEMMAP, 40
.set SI_MEMMAP_ENTRIES, 48

.section .note.Xen, "a", @note
    .balign 4
    .long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .long pvh_entry_phys

.intel_syntax noprefix
.section .text.pvh, "ax", @progbits
.code32
.globl pvh_start32
pvh_start32:
    cli
    cld
    mov esi, ebx
    call 1f
1:  pop ebp                                  # ebp = physical address of 1b
    lea esp, [ebp + (pvh_stack_top - 1b)]
    cmp dword ptr [esi + SI_MAGIC], HVM_START_MAGIC
    jne pvh_fail32
    # GDT with its runtime (physical) base
    lea eax, [ebp + (pvh_gdt - 1b)]
    mov [ebp + (pvh_gdt_desc + 2 - 1b)], eax
    lgdt [ebp + (pvh_gdt_desc - 1b)]
    # PML4[0] -> PDPT_lo, PML4[511] -> PDPT_hi
    lea edi, [ebp + (pvh_pml4 - 1b)]
    lea eax, [ebp + (pvh_pdpt_lo - 1b)]
    or eax, 3
    mov [edi], eax
    lea eax, [ebp + (pvh_pdpt_hi - 1b)]
    or eax, 3
    mov [edi + 511 * 8], eax
    # PDPT_lo[0..3] -> PD0..PD3; PDPT_hi[510] -> PD0 (0xffffffff80000000 -> physical 0)
    lea edi, [ebp + (pvh_pdpt_lo - 1b)]
    lea eax, [ebp + (pvh_pd - 1b)]
    or eax, 3
    mov ecx, 4
2:  mov [edi], eax
    add eax, 4096
    add edi, 8
    dec ecx
    jnz 2b
    lea eax, [ebp + (pvh_pd - 1b)]
    or eax, 3
    mov [ebp + (pvh_pdpt_hi + 510 * 8 - 1b)], eax
    # PD0..PD3: 2048 entries of 2 MiB, P|RW|PS, physical 0..4 GiB
    lea edi, [ebp + (pvh_pd - 1b)]
    mov eax, 0x83
    xor edx, edx
    mov ecx, 2048
3:  mov [edi], eax
    mov [edi + 4], edx
    add eax, 0x200000
    adc edx, 0
    add edi, 8
    dec ecx
    jnz 3b
    # long mode: PAE, CR3, EFER.LME|NXE|SCE, then paging
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    lea eax, [ebp + (pvh_pml4 - 1b)]
    mov cr3, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, 0x901
    wrmsr
    mov eax, 0x80010033
    mov cr0, eax
    lea eax, [ebp + (pvh_long - 1b)]
    push 0x10
    push eax
    retf

pvh_fail32:
    mov al, 0x7f
    out 0xf4, al
4:  hlt
    jmp 4b

.code64
pvh_long:
    mov eax, 0x18
    mov ds, eax
    mov es, eax
    mov ss, eax
    xor eax, eax
    mov fs, eax
    mov gs, eax
    mov esi, esi                             # hvm_start_info (zero-extended)
    lea rdi, [rip + pvh_bootinfo]
    movabs rax, 0x31304d4555424c54           # "TLBEMU01"
    mov [rdi], rax
    mov dword ptr [rdi + 8], 1               # version
    mov dword ptr [rdi + 12], 1              # cpu_count
    mov dword ptr [rdi + 16], 4              # paging_levels
    xor eax, eax
    xor edx, edx
    cmp dword ptr [rsi + SI_VERSION], 1
    jb 5f
    mov eax, [rsi + SI_MEMMAP_ENTRIES]
    mov rdx, [rsi + SI_MEMMAP]
5:  mov [rdi + 20], eax                      # e820_count
    mov [rdi + 24], rdx                      # e820_paddr
    mov rdx, [rsi + SI_CMDLINE]
    mov [rdi + 32], rdx                      # cmdline_paddr
    xor ecx, ecx
    test rdx, rdx
    jz 7f
6:  cmp byte ptr [rdx + rcx], 0
    je 7f
    inc ecx
    jmp 6b
7:  mov [rdi + 40], ecx                      # cmdline_len
    mov dword ptr [rdi + 44], 0
    lea rax, [rip + pvh_pml4]
    mov [rdi + 48], rax                      # loader_pgtable_paddr
    mov qword ptr [rdi + 56], 7 * 4096       # loader_pgtable_len
    mov rsi, rdi
    xor edi, edi
    lea rsp, [rip + pvh_stack_top]
    push 0x2
    popfq
    movabs rax, offset _start
    jmp rax

    .balign 8
pvh_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff                 # 0x08 code32
    .quad 0x00af9b000000ffff                 # 0x10 code64
    .quad 0x00cf93000000ffff                 # 0x18 data
    .quad 0x00cffb000000ffff                 # 0x20 user code32
    .quad 0x00cff3000000ffff                 # 0x28 user data
    .quad 0x00affb000000ffff                 # 0x30 user code64
pvh_gdt_end:
    .balign 8
    .word 0
pvh_gdt_desc:
    .word pvh_gdt_end - pvh_gdt - 1
    .long 0                                  # base, patched at run time
    .balign 64
pvh_bootinfo:
    .fill 64, 1, 0
    .balign 4096
pvh_pml4:    .fill 4096, 1, 0
pvh_pdpt_lo: .fill 4096, 1, 0
pvh_pdpt_hi: .fill 4096, 1, 0
pvh_pd:      .fill 4 * 4096, 1, 0
pvh_stack:   .fill 4096, 1, 0
pvh_stack_top:
