# ld: high.ld
# Exceptions handled by the guest's own IDT (linked at 0xffffffff81000000, so the gates hold kernel
# addresses): #UD from ud2, #PF for a not-present read, a write to read-only .rodata and a fetch from
# a no-execute data page (the loader's PT_LOAD permissions), #DE, #BP (a trap: resumes after int3),
# #GP for a non-canonical address. The handler records vector, error code, RIP and CR2, then resumes
# at `resume_rip` when set. PASS/FAIL lines, debug-exit (status 1 = all passed).
.include "common.inc"

# Sets resume_rip to the label after the faulting instruction.
.macro EXPECT_FAULT label
    push rax
    lea rax, [rip + \label]
    mov [rip + resume_rip], rax
    pop rax
.endm

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    PUTS "exception: start\n"
    mov edi, 0
    lea rsi, [rip + stub0]
    call set_gate
    mov edi, 3
    lea rsi, [rip + stub3]
    call set_gate
    mov edi, 6
    lea rsi, [rip + stub6]
    call set_gate
    mov edi, 13
    lea rsi, [rip + stub13]
    call set_gate
    mov edi, 14
    lea rsi, [rip + stub14]
    call set_gate
    lidt [rip + idtr]

    # #UD
    EXPECT_FAULT 1f
ud_site:
    ud2
1:  mov rax, [rip + last_vector]
    CHECK "ud2 vector", 6
    lea rbx, [rip + ud_site]
    mov rax, [rip + last_rip]
    sub rax, rbx
    CHECK "ud2 rip", 0

    # #PF: read of an address no page maps
    EXPECT_FAULT 1f
    movabs rbx, 0x100000000000
    mov rax, [rbx]
1:  mov rax, [rip + last_vector]
    CHECK "pf read vector", 14
    mov rax, [rip + last_error]
    CHECK "pf read error code", 0
    mov rax, [rip + last_cr2]
    CHECK "pf read cr2", 0x100000000000

    # #PF: write to .rodata (PT_LOAD without PF_W, CR0.WP=1)
    EXPECT_FAULT 1f
    mov byte ptr [rip + ro_byte], 1
1:  mov rax, [rip + last_error]
    CHECK "pf write-protect error code", 3
    lea rbx, [rip + ro_byte]
    mov rax, [rip + last_cr2]
    sub rax, rbx
    CHECK "pf write-protect cr2", 0

    # #PF: fetch from .data (PT_LOAD without PF_X -> NX)
    EXPECT_FAULT 1f
    lea rax, [rip + data_code]
    jmp rax
1:  mov rax, [rip + last_error]
    CHECK "pf no-execute error code", 0x11
    lea rbx, [rip + data_code]
    mov rax, [rip + last_cr2]
    sub rax, rbx
    CHECK "pf no-execute cr2", 0

    # #DE
    EXPECT_FAULT 1f
    mov eax, 1
    xor ecx, ecx
    div ecx
1:  mov rax, [rip + last_vector]
    CHECK "divide error vector", 0

    # #BP is a trap: the saved RIP is the next instruction
    int3
bp_next:
    mov rax, [rip + last_vector]
    CHECK "int3 vector", 3
    lea rbx, [rip + bp_next]
    mov rax, [rip + last_rip]
    sub rax, rbx
    CHECK "int3 rip", 0

    # #GP(0): non-canonical address
    EXPECT_FAULT 1f
    movabs rbx, 0x8000000000000000
    mov rax, [rbx]
1:  mov rax, [rip + last_vector]
    CHECK "non-canonical vector", 13
    mov rax, [rip + last_error]
    CHECK "non-canonical error code", 0

    mov rax, [rip + exception_count]
    CHECK "exceptions taken", 7
    call finish

park:
    cli
    hlt
    jmp park

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

.macro STUB vec, has_err
stub\vec:
    .if \has_err == 0
    push 0
    .endif
    push \vec
    jmp common
.endm
    STUB 0, 0
    STUB 3, 0
    STUB 6, 0
    STUB 13, 1
    STUB 14, 1

# Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS.
common:
    push rax
    mov rax, [rsp + 8]
    mov [rip + last_vector], rax
    mov rax, [rsp + 16]
    mov [rip + last_error], rax
    mov rax, [rsp + 24]
    mov [rip + last_rip], rax
    mov rax, cr2
    mov [rip + last_cr2], rax
    inc qword ptr [rip + exception_count]
    mov rax, [rip + resume_rip]
    test rax, rax
    jz 1f
    mov [rsp + 24], rax
    mov qword ptr [rip + resume_rip], 0
1:  pop rax
    add rsp, 16
    iretq

.section .rodata
ro_byte: .byte 0x42

.section .data
.p2align 4
idtr:
    .word 256 * 16 - 1
    .quad idt
.p2align 3
resume_rip: .quad 0
last_vector: .quad -1
last_error: .quad -1
last_rip: .quad 0
last_cr2: .quad 0
exception_count: .quad 0
data_code:
    ret

.section .bss
.p2align 12
idt: .skip 4096
