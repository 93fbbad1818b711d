/*
 * PVH entry for tlbemu images, so that the same ELF file boots in qemu-system-x86_64 -kernel IMAGE.
 * QEMU enters at the physical address in the XEN_ELFNOTE_PHYS32_ENTRY note, in 32-bit protected mode
 * with paging off, flat 32-bit segments, EBX = physical address of struct hvm_start_info, and ESP
 * undefined (Xen docs/misc/pvh.pandoc). This trampoline recreates the tlbemu boot contract
 * (DESIGN.md) for CPU 0 at the addresses the tlbemu loader uses (emulator/loader/boot.ts):
 *   - loader GDT at 0x1000 (0x08 code32, 0x10 code64, 0x18 data, 0x20/0x28/0x30 user), IDTR limit 0;
 *   - page tables from 0x45000: the first 4 GiB identity-mapped with 2 MiB pages (P|RW), then every
 *     PT_LOAD mapped with 4 KiB pages (RW if writable, NX unless executable); a 2 MiB identity page
 *     that holds part of a segment is split into 4 KiB pages first, as the loader does;
 *   - boot-info block (version 1) at 0x2000, e820 table at 0x3000, command line at 0x4000, RSP =
 *     0x6000 (CPU 0 stack), RDI = 0, RSI = 0x2000, other GPRs 0, RFLAGS = 0x2;
 *   - CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE, EFER = SCE|LME|LMA|NXE;
 *   - e820: [0, 4 KiB) RAM and [4 KiB, 1 MiB) reserved (the loader area and the PC hole, where the
 *     firmware and the PVH loader keep their data), QEMU map from 1 MiB up, and every persistent-memory
 *     range of the ACPI NFIT (SPA ranges of the PM GUID, i.e. QEMU -device nvdimm) as type 7, sorted;
 *   - the 8259 PICs masked (the tlbemu machine has none) and, when CPUID.01H:ECX.x2APIC[bit 21] is
 *     set, the local APIC switched to x2APIC mode (IA32_APIC_BASE bits 11|10), the tlbemu start state.
 * Only CPU 0 runs: the others would need INIT/SIPI. Under tlbemu the note is ignored and the image
 * starts at _start, so nothing here runs.
 *
 * An image adopts it by assembling this file, keeping .note.Xen in a PT_NOTE program header (and in a
 * loaded segment), defining pvh_entry_phys as the physical address of pvh_start32 and, for the
 * per-segment mapping, pvh_{text,rodata,data}_{start,end} as the virtual bounds of its three PT_LOAD
 * segments (r-x, r--, rw-). Without those symbols (weak, 0) the trampoline maps the kernel window
 * 0xffffffff80000000 + [0, 1 GiB) onto [0, 1 GiB) with 2 MiB pages instead. Every section must have
 * the same virtual-to-physical offset (true of AT(ADDR - constant) scripts). The image starts at
 * pvh_image_entry when the script defines it (an ABSOLUTE() copy of ENTRY), else at _start; scripts
 * define these symbols with ABSOLUTE() so that symbolizers never name image code after them.
 *
 * C comments only: the guest build runs this file through cpp.
 */

.set XEN_ELFNOTE_PHYS32_ENTRY, 18

/* struct hvm_start_info (Xen public/arch-x86/hvm/start_info.h) */
.set HVM_START_MAGIC, 0x336ec578
.set SI_MAGIC, 0
.set SI_VERSION, 4
.set SI_CMDLINE, 24
.set SI_RSDP, 32
.set SI_MEMMAP, 40
.set SI_MEMMAP_ENTRIES, 48

/* the tlbemu loader layout (emulator/loader/boot.ts) */
.set LDR_GDT, 0x1000
.set LDR_BOOTINFO, 0x2000
.set LDR_E820, 0x3000
.set LDR_CMDLINE, 0x4000
.set LDR_STACK_TOP, 0x6000
.set LDR_PGTABLE, 0x45000
.set LDR_PGTABLE_END, 0x9f000
.set LDR_AREA_START, 0x1000
.set LDR_AREA_END, 0x100000
.set E820_MAX, 128
.set CMDLINE_MAX, 4095
.set PMEM_MAX, 16

/* boot-info block (DESIGN.md, version 1) */
.set BI_MAGIC, 0
.set BI_VERSION, 8
.set BI_CPU_COUNT, 12
.set BI_PAGING_LEVELS, 16
.set BI_E820_COUNT, 20
.set BI_E820_PADDR, 24
.set BI_CMDLINE_PADDR, 32
.set BI_CMDLINE_LEN, 40
.set BI_RESERVED, 44
.set BI_PGTABLE_PADDR, 48
.set BI_PGTABLE_LEN, 56

/* staging area in .bss.pvh: what the PVH loader handed over, copied before the low 1 MiB is reused */
.set ST_E820_COUNT, 0
.set ST_PMEM_COUNT, 4
.set ST_CMDLINE_LEN, 8
.set ST_STACK_TOP, 16 + 256
.set ST_PMEM, ST_STACK_TOP
.set ST_E820, ST_PMEM + PMEM_MAX * 16
.set ST_CMDLINE, ST_E820 + E820_MAX * 24
.set ST_SIZE, ST_CMDLINE + CMDLINE_MAX + 1

.set PTE_P, 1
.set PTE_RW, 2
.set PTE_PS, 0x80

.section .note.Xen, "a", @note
    .balign 4
    .long 4, 8, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad pvh_entry_phys                     /* QEMU reads a 64-bit value from a 64-bit ELF */

.intel_syntax noprefix

/* reg = physical address of sym, from a PC-relative displacement (EBP = physical pvh_start32) */
.macro PHYS32 reg, sym
9:  mov \reg, offset \sym - 9b
    lea \reg, [ebp + \reg + (9b - pvh_start32)]
.endm

/* COM1 <- the NUL-terminated string at ESI (no stack needed) */
.macro PUTS32
8:  mov al, [esi]
    test al, al
    jz 7f
    mov dx, 0x3f8
    out dx, al
    inc esi
    jmp 8b
7:
.endm

.section .text.pvh, "ax", @progbits
.code32
.globl pvh_start32
pvh_start32:
    cli
    cld
    mov esi, ebx
    mov ebp, offset pvh_entry_phys
    cmp dword ptr [esi + SI_MAGIC], HVM_START_MAGIC
    jne pvh_bad_magic
    PHYS32 edi, pvh_stage
    lea esp, [edi + ST_STACK_TOP]

    /* command line (at most CMDLINE_MAX bytes) */
    xor ecx, ecx
    cmp dword ptr [esi + SI_CMDLINE + 4], 0
    jne 2f
    mov ebx, [esi + SI_CMDLINE]
    test ebx, ebx
    jz 2f
1:  cmp ecx, CMDLINE_MAX
    jae 2f
    mov al, [ebx + ecx]
    test al, al
    jz 2f
    mov [edi + ST_CMDLINE + ecx], al
    inc ecx
    jmp 1b
2:  mov [edi + ST_CMDLINE_LEN], ecx

    /* memory map: hvm_memmap_table_entry has the e820 layout (u64 addr, u64 size, u32 type, u32 0) */
    xor edx, edx
    cmp dword ptr [esi + SI_VERSION], 1
    jb 4f
    cmp dword ptr [esi + SI_MEMMAP + 4], 0
    jne 4f
    mov ebx, [esi + SI_MEMMAP]
    mov edx, [esi + SI_MEMMAP_ENTRIES]
    cmp edx, E820_MAX
    jbe 3f
    mov edx, E820_MAX
3:  imul ecx, edx, 24
    jmp 5f
6:  sub ecx, 4
    mov eax, [ebx + ecx]
    mov [edi + ST_E820 + ecx], eax
5:  test ecx, ecx
    jnz 6b
4:  mov [edi + ST_E820_COUNT], edx

    /* persistent memory from the ACPI NFIT */
    call pvh_find_rsdp
    test ebx, ebx
    jz 1f
    call pvh_scan_sdt
1:
    /* from here on the low 1 MiB is ours: loader stack, GDT, IDTR, page tables */
    mov esp, LDR_STACK_TOP
    mov dword ptr [LDR_GDT + 0x00], 0
    mov dword ptr [LDR_GDT + 0x04], 0
    mov dword ptr [LDR_GDT + 0x08], 0x0000ffff      /* 0x08 code32 DPL0 */
    mov dword ptr [LDR_GDT + 0x0c], 0x00cf9b00
    mov dword ptr [LDR_GDT + 0x10], 0x0000ffff      /* 0x10 code64 DPL0 */
    mov dword ptr [LDR_GDT + 0x14], 0x00af9b00
    mov dword ptr [LDR_GDT + 0x18], 0x0000ffff      /* 0x18 data DPL0 */
    mov dword ptr [LDR_GDT + 0x1c], 0x00cf9300
    mov dword ptr [LDR_GDT + 0x20], 0x0000ffff      /* 0x20 code32 DPL3 */
    mov dword ptr [LDR_GDT + 0x24], 0x00cffb00
    mov dword ptr [LDR_GDT + 0x28], 0x0000ffff      /* 0x28 data DPL3 */
    mov dword ptr [LDR_GDT + 0x2c], 0x00cff300
    mov dword ptr [LDR_GDT + 0x30], 0x0000ffff      /* 0x30 code64 DPL3 */
    mov dword ptr [LDR_GDT + 0x34], 0x00affb00
    push LDR_GDT
    push (7 * 8 - 1) << 16
    lgdt [esp + 2]
    mov dword ptr [esp], 0
    mov dword ptr [esp + 4], 0
    lidt [esp + 2]                                  /* limit 0: no IDT until the image loads one */
    add esp, 8

    /* PML4, PDPT and four PDs: [0, 4 GiB) with 2 MiB pages */
    mov edi, LDR_PGTABLE
    xor eax, eax
    mov ecx, 6 * 1024
    rep stosd
    mov dword ptr [LDR_PGTABLE], LDR_PGTABLE + 0x1000 + PTE_P + PTE_RW
    mov edi, LDR_PGTABLE + 0x1000
    mov eax, LDR_PGTABLE + 0x2000 + PTE_P + PTE_RW
    mov ecx, 4
1:  mov [edi], eax
    add eax, 0x1000
    add edi, 8
    dec ecx
    jnz 1b
    mov edi, LDR_PGTABLE + 0x2000
    mov eax, PTE_P + PTE_RW + PTE_PS
    xor edx, edx
    mov ecx, 2048
2:  mov [edi], eax
    mov [edi + 4], edx
    add eax, 0x200000
    adc edx, 0
    add edi, 8
    dec ecx
    jnz 2b

    /* no 8259 interrupts: mask both PICs (unclaimed ports where there is none) */
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    /* x2APIC mode when the CPU has it (SDM vol. 3, 11.12.1: IA32_APIC_BASE.EXTD, bit 10, with EN) */
    mov eax, 1
    cpuid
    test ecx, 1 << 21
    jz 3f
    mov ecx, 0x1b
    rdmsr
    or eax, 0xc00
    wrmsr
3:
    /* long mode: CR4 = PAE, CR3, EFER = SCE|LME|NXE, then CR0 with PG */
    mov eax, 0x20
    mov cr4, eax
    mov eax, LDR_PGTABLE
    mov cr3, eax
    mov ecx, 0xc0000080
    mov eax, 0x901
    xor edx, edx
    wrmsr
    mov eax, 0x80010033
    mov cr0, eax
    lea eax, [ebp + (pvh_long - pvh_start32)]
    push 0x10
    push eax
    retf

/* EBX = physical address of the ACPI RSDP, or 0: hvm_start_info.rsdp_paddr, else the BIOS area scan */
pvh_find_rsdp:
    xor ebx, ebx
    cmp dword ptr [esi + SI_VERSION], 1
    jb 1f
    cmp dword ptr [esi + SI_RSDP + 4], 0
    jne 1f
    mov ebx, [esi + SI_RSDP]
    test ebx, ebx
    jnz 3f
1:  mov ebx, 0xe0000
2:  cmp dword ptr [ebx], 0x20445352             /* "RSD " */
    jne 4f
    cmp dword ptr [ebx + 4], 0x20525450         /* "PTR " */
    je 3f
4:  add ebx, 16
    cmp ebx, 0x100000
    jb 2b
    xor ebx, ebx
3:  ret

/* EBX = RSDP: walks the XSDT (revision >= 2) or the RSDT for NFIT tables */
pvh_scan_sdt:
    mov eax, [ebx + 16]                         /* RsdtAddress */
    mov edx, 4
    cmp byte ptr [ebx + 15], 2
    jb 1f
    cmp dword ptr [ebx + 28], 0
    jne 1f
    cmp dword ptr [ebx + 24], 0
    je 1f
    mov eax, [ebx + 24]                         /* XsdtAddress (below 4 GiB) */
    mov edx, 8
1:  test eax, eax
    jz 5f
    mov ecx, [eax + 4]                          /* table length */
    add ecx, eax
    lea ebx, [eax + 36]                         /* first entry */
2:  lea eax, [ebx + edx]
    cmp eax, ecx
    ja 5f
    cmp edx, 8
    jne 3f
    cmp dword ptr [ebx + 4], 0
    jne 4f
3:  mov eax, [ebx]
    test eax, eax
    jz 4f
    cmp dword ptr [eax], 0x5449464e             /* "NFIT" */
    jne 4f
    call pvh_scan_nfit
4:  add ebx, edx
    jmp 2b
5:  ret

/*
 * EAX = NFIT (ACPI 6.x, 5.2.25): every System Physical Address Range structure (type 0, 56+ bytes)
 * whose range type is the persistent-memory GUID 66F0D379-B4F3-4074-AC43-0D3318B78CDB becomes a
 * staged pmem range (base at +32, length at +40). EDI = staging area.
 */
pvh_scan_nfit:
    push ebx
    push ecx
    push edx
    push esi
    mov ecx, [eax + 4]
    add ecx, eax                                /* end of the table */
    lea ebx, [eax + 40]                         /* header (36) + reserved (4) */
1:  lea eax, [ebx + 4]
    cmp eax, ecx
    ja 4f
    movzx edx, word ptr [ebx + 2]
    cmp edx, 4
    jb 4f
    cmp word ptr [ebx], 0
    jne 3f
    cmp edx, 56
    jb 3f
    cmp dword ptr [ebx + 16], 0x66f0d379
    jne 3f
    cmp dword ptr [ebx + 20], 0x4074b4f3
    jne 3f
    cmp dword ptr [ebx + 24], 0x330d43ac
    jne 3f
    cmp dword ptr [ebx + 28], 0xdb8cb718
    jne 3f
    mov eax, [edi + ST_PMEM_COUNT]
    cmp eax, PMEM_MAX
    jae 3f
    shl eax, 4
    lea eax, [edi + ST_PMEM + eax]
    mov esi, [ebx + 32]
    mov [eax], esi
    mov esi, [ebx + 36]
    mov [eax + 4], esi
    mov esi, [ebx + 40]
    mov [eax + 8], esi
    mov esi, [ebx + 44]
    mov [eax + 12], esi
    inc dword ptr [edi + ST_PMEM_COUNT]
3:  add ebx, edx
    jmp 1b
4:  pop esi
    pop edx
    pop ecx
    pop ebx
    ret

pvh_bad_magic:
    PHYS32 esi, pvh_msg_magic
    PUTS32
    mov al, 0x7f
    out 0xf4, al
1:  hlt
    jmp 1b

.code64
pvh_long:
    mov eax, 0x18
    mov ds, eax
    mov es, eax
    mov ss, eax
    xor eax, eax
    mov fs, eax
    mov gs, eax
    mov esp, LDR_STACK_TOP
    mov r14d, LDR_PGTABLE + 6 * 0x1000          /* next free page-table page */

    /* the PT_LOAD segments with 4 KiB pages; R15 = virtual - physical */
    lea rax, [rip + pvh_start32]
    mov r15, [rip + pvh_link_start32]
    sub r15, rax
    lea rbx, [rip + pvh_segments]
    xor r13d, r13d                              /* pages mapped */
1:  lea rax, [rip + pvh_segments_end]
    cmp rbx, rax
    jae 3f
    mov rdi, [rbx]
    and rdi, -4096
2:  cmp rdi, [rbx + 8]
    jae 4f
    mov rsi, rdi
    sub rsi, r15
    or rsi, [rbx + 16]
    call pvh_map4k
    inc r13
    add rdi, 4096
    jmp 2b
4:  add rbx, 24
    jmp 1b
3:  test r13, r13
    jnz 5f
    /* no segment bounds: the kernel window onto [0, 1 GiB) through PD0 of the identity map */
    call pvh_alloc
    or rax, PTE_P + PTE_RW
    mov [LDR_PGTABLE + 511 * 8], rax
    and rax, -4096
    mov qword ptr [rax + 510 * 8], LDR_PGTABLE + 0x2000 + PTE_P + PTE_RW
5:  mov eax, LDR_PGTABLE
    mov cr3, rax                                /* drop what the split pages replaced */

    call pvh_build_e820
    /* command line */
    lea rsi, [rip + pvh_stage + ST_CMDLINE]
    mov edi, LDR_CMDLINE
    mov ecx, [rip + pvh_stage + ST_CMDLINE_LEN]
    mov r12d, ecx
    rep movsb
    mov byte ptr [rdi], 0
    /* boot-info block */
    mov edi, LDR_BOOTINFO
    movabs rax, 0x31304d4555424c54              /* "TLBEMU01" */
    mov [rdi + BI_MAGIC], rax
    mov dword ptr [rdi + BI_VERSION], 1
    mov dword ptr [rdi + BI_CPU_COUNT], 1
    mov dword ptr [rdi + BI_PAGING_LEVELS], 4
    mov [rdi + BI_E820_COUNT], ebx
    mov qword ptr [rdi + BI_E820_PADDR], LDR_E820
    mov qword ptr [rdi + BI_CMDLINE_PADDR], LDR_CMDLINE
    mov [rdi + BI_CMDLINE_LEN], r12d
    mov dword ptr [rdi + BI_RESERVED], 0
    mov qword ptr [rdi + BI_PGTABLE_PADDR], LDR_PGTABLE
    lea rax, [r14 - LDR_PGTABLE]
    mov [rdi + BI_PGTABLE_LEN], rax

    /* the contract entry state: FS/GS bases 0, GPRs 0 but RSI/RSP, RFLAGS = 0x2 (set last) */
    mov ecx, 0xc0000100
    xor eax, eax
    xor edx, edx
    wrmsr
    inc ecx
    wrmsr
    inc ecx
    wrmsr
    mov rax, [rip + pvh_entry_points]
    test rax, rax
    jnz 1f
    mov rax, [rip + pvh_entry_points + 8]
    test rax, rax
    lea rsi, [rip + pvh_msg_entry]
    jz pvh_fail64
1:  push rax
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor ebp, ebp
    xor edi, edi
    mov esi, LDR_BOOTINFO
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    push 0x2
    popfq
    ret                                         /* to the entry, RSP = LDR_STACK_TOP */

/*
 * Maps the 4 KiB page at RDI to the PTE value RSI, creating tables (P|RW) as needed and splitting a
 * 2 MiB identity page on the way into 512 identity 4 KiB pages (P|RW). Keeps RBX, RDI, RSI.
 */
pvh_map4k:
    mov r8d, LDR_PGTABLE
    mov ecx, 39
1:  mov rax, rdi
    shr rax, cl
    and eax, 511
    lea rdx, [r8 + rax * 8]
    mov rax, [rdx]
    test al, PTE_P
    jnz 2f
    call pvh_alloc
    or rax, PTE_P + PTE_RW
    mov [rdx], rax
    jmp 3f
2:  test al, PTE_PS
    jz 3f
    mov r9, rax
    and r9, -0x200000
    shl r9, 12
    shr r9, 12
    call pvh_alloc
    xor r10d, r10d
4:  lea r11, [r9 + PTE_P + PTE_RW]
    mov [rax + r10 * 8], r11
    add r9, 4096
    inc r10d
    cmp r10d, 512
    jb 4b
    or rax, PTE_P + PTE_RW
    mov [rdx], rax
3:  mov r8, rax
    and r8, -4096
    shl r8, 12
    shr r8, 12
    sub ecx, 9
    cmp ecx, 12
    ja 1b
    mov rax, rdi
    shr rax, 12
    and eax, 511
    mov [r8 + rax * 8], rsi
    ret

/* RAX = a zeroed page of the loader page-table pool (R14 = next free) */
pvh_alloc:
    cmp r14, LDR_PGTABLE_END - 0x1000
    ja pvh_pool_exhausted
    push rdi
    push rcx
    mov rdi, r14
    xor eax, eax
    mov ecx, 512
    rep stosq
    pop rcx
    pop rdi
    mov rax, r14
    add r14, 0x1000
    ret

pvh_pool_exhausted:
    lea rsi, [rip + pvh_msg_pool]
/* RSI = message: COM1, then debug-exit 0x7f */
pvh_fail64:
1:  mov al, [rsi]
    test al, al
    jz 2f
    mov dx, 0x3f8
    out dx, al
    inc rsi
    jmp 1b
2:  mov al, 0x7f
    out 0xf4, al
3:  hlt
    jmp 3b

/* e820 table at LDR_E820 from the staged map and pmem ranges, sorted by base; EBX = entry count */
pvh_build_e820:
    mov edi, LDR_E820
    xor ebx, ebx
    lea rsi, [rip + pvh_stage]
    /* [0, 4 KiB) RAM when the firmware says so, then the reserved loader area and PC hole */
    mov ecx, [rsi + ST_E820_COUNT]
    lea rdx, [rsi + ST_E820]
1:  test ecx, ecx
    jz 2f
    cmp qword ptr [rdx], 0
    jne 3f
    cmp qword ptr [rdx + 8], LDR_AREA_START
    jb 3f
    cmp dword ptr [rdx + 16], 1
    jne 3f
    mov qword ptr [rdi], 0
    mov qword ptr [rdi + 8], LDR_AREA_START
    mov qword ptr [rdi + 16], 1
    add rdi, 24
    inc ebx
    jmp 2f
3:  add rdx, 24
    dec ecx
    jmp 1b
2:  mov qword ptr [rdi], LDR_AREA_START
    mov qword ptr [rdi + 8], LDR_AREA_END - LDR_AREA_START
    mov qword ptr [rdi + 16], 2
    add rdi, 24
    inc ebx
    /* the firmware ranges above 1 MiB (empty ones dropped, the first MiB cut off) */
    mov ecx, [rsi + ST_E820_COUNT]
    lea rdx, [rsi + ST_E820]
4:  test ecx, ecx
    jz 6f
    cmp ebx, E820_MAX
    jae 6f
    mov rax, [rdx]
    mov r8, [rdx + 8]
    add r8, rax                                 /* end */
    cmp r8, LDR_AREA_END
    jbe 5f
    cmp rax, LDR_AREA_END
    jae 7f
    mov eax, LDR_AREA_END
7:  mov [rdi], rax
    sub r8, rax
    mov [rdi + 8], r8
    mov eax, [rdx + 16]
    mov [rdi + 16], rax
    add rdi, 24
    inc ebx
5:  add rdx, 24
    dec ecx
    jmp 4b
6:  /* persistent memory */
    mov ecx, [rsi + ST_PMEM_COUNT]
    lea rdx, [rsi + ST_PMEM]
8:  test ecx, ecx
    jz 9f
    cmp ebx, E820_MAX
    jae 9f
    mov rax, [rdx]
    mov [rdi], rax
    mov rax, [rdx + 8]
    mov [rdi + 8], rax
    mov qword ptr [rdi + 16], 7
    add rdi, 24
    inc ebx
    add rdx, 16
    dec ecx
    jmp 8b
9:  /* insertion sort by base */
    mov r8d, 1
1:  cmp r8d, ebx
    jae 4f
    imul eax, r8d, 24
    mov r9, [rax + LDR_E820]
    mov r10, [rax + LDR_E820 + 8]
    mov r11, [rax + LDR_E820 + 16]
    mov edx, r8d
2:  test edx, edx
    jz 3f
    imul eax, edx, 24
    cmp [rax + LDR_E820 - 24], r9
    jbe 3f
    mov rcx, [rax + LDR_E820 - 24]
    mov [rax + LDR_E820], rcx
    mov rcx, [rax + LDR_E820 - 16]
    mov [rax + LDR_E820 + 8], rcx
    mov rcx, [rax + LDR_E820 - 8]
    mov [rax + LDR_E820 + 16], rcx
    dec edx
    jmp 2b
3:  imul eax, edx, 24
    mov [rax + LDR_E820], r9
    mov [rax + LDR_E820 + 8], r10
    mov [rax + LDR_E820 + 16], r11
    inc r8d
    jmp 1b
4:  ret

.section .rodata.pvh, "a", @progbits
.balign 8
pvh_link_start32:
    .quad pvh_start32
/* (start, end, leaf flags) of the PT_LOAD segments, from the linker script */
pvh_segments:
    .quad pvh_text_start, pvh_text_end, PTE_P
    .quad pvh_rodata_start, pvh_rodata_end, PTE_P | (1 << 63)
    .quad pvh_data_start, pvh_data_end, PTE_P | PTE_RW | (1 << 63)
pvh_segments_end:
/* where the image starts: pvh_image_entry from the linker script, else _start */
pvh_entry_points:
    .quad pvh_image_entry, _start
pvh_msg_magic:
    .asciz "pvh: EBX does not point at an hvm_start_info (bad magic)\n"
pvh_msg_pool:
    .asciz "pvh: the page-table pool [0x45000, 0x9f000) is exhausted\n"
pvh_msg_entry:
    .asciz "pvh: no entry point (neither pvh_image_entry nor _start is defined)\n"

.weak pvh_text_start, pvh_text_end, pvh_rodata_start, pvh_rodata_end, pvh_data_start, pvh_data_end
.weak pvh_image_entry, _start

.section .bss.pvh, "aw", @nobits
.balign 16
pvh_stage:
    .skip ST_SIZE
