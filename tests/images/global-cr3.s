# ld: low.ld
# Global pages and MOV to CR3 (SDM vol. 3A, 4.10.4.1). With CR4.PGE on, linear VA (PML4 slot 1, tables
# of its own) is mapped global and VA + 4 KiB non-global, both to frame A; both are read (cached), then
# both PTEs are pointed at frame B without invalidation and CR3 is reloaded. The non-global page must
# read B; the global page may read A (its entry survived) or B (the processor dropped it): the image
# prints which. INVLPG must then give B, and a CR4.PGE toggle must drop a global entry too.
.include "common.inc"
.set VA, 0x8000000000
.set FRAME_A, 0x300000
.set FRAME_B, 0x301000
.set TABLES, 0x302000                       # PDPT, PD, PT: three pages
.set PTE_GLOBAL, 0x103                      # P | RW | G
.set PTE_LOCAL, 0x003                       # P | RW

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    PUTS "global-cr3: start\n"
    movabs rax, 0xaaaaaaaaaaaaaaaa
    mov [FRAME_A], rax
    mov [FRAME_A + 8], rax
    movabs rax, 0xbbbbbbbbbbbbbbbb
    mov [FRAME_B], rax
    mov [FRAME_B + 8], rax
    mov edi, TABLES
    xor eax, eax
    mov ecx, 3 * 4096 / 8
    rep stosq
    mov qword ptr [TABLES], TABLES + 0x1000 + 3          # PDPT[0] -> PD
    mov qword ptr [TABLES + 0x1000], TABLES + 0x2000 + 3 # PD[0] -> PT
    mov qword ptr [TABLES + 0x2000], FRAME_A + PTE_GLOBAL
    mov qword ptr [TABLES + 0x2008], FRAME_A + PTE_LOCAL
    mov rax, cr3
    and rax, -4096
    mov qword ptr [rax + 8], TABLES + 3                  # PML4[1] -> PDPT
    mov rax, cr4
    or rax, 0x80                                         # CR4.PGE (flushes everything)
    mov cr4, rax

    movabs rsi, VA
    mov rax, [rsi]                                       # caches VA -> A (global)
    CHECK "global page reads A", 0xaaaaaaaaaaaaaaaa
    mov rax, [rsi + 0x1000]                              # caches VA + 4 KiB -> A
    CHECK "non-global page reads A", 0xaaaaaaaaaaaaaaaa
    mov qword ptr [TABLES + 0x2000], FRAME_B + PTE_GLOBAL
    mov qword ptr [TABLES + 0x2008], FRAME_B + PTE_LOCAL
    mov rax, cr3
    mov cr3, rax
    mov rax, [rsi + 0x1000]
    CHECK "non-global entry after mov cr3", 0xbbbbbbbbbbbbbbbb
    mov rax, [rsi]
    movabs rbx, 0xaaaaaaaaaaaaaaaa
    cmp rax, rbx
    je 1f
    movabs rbx, 0xbbbbbbbbbbbbbbbb
    cmp rax, rbx
    je 3f
    CHECK "global entry after mov cr3 reads A or B", 0xbbbbbbbbbbbbbbbb
    jmp 2f
1:  PUTS "global entry after mov cr3: kept\n"
    jmp 2f
3:  PUTS "global entry after mov cr3: flushed\n"
2:  invlpg [rsi]
    mov rax, [rsi]
    CHECK "global entry after invlpg", 0xbbbbbbbbbbbbbbbb
    mov qword ptr [TABLES + 0x2000], FRAME_A + PTE_GLOBAL
    mov rax, cr4
    and rax, ~0x80
    mov cr4, rax
    or rax, 0x80
    mov cr4, rax
    mov rax, [rsi]
    CHECK "global entry after CR4.PGE toggle", 0xaaaaaaaaaaaaaaaa
    call finish
park:
    cli
    hlt
    jmp park
