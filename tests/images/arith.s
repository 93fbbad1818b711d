# ld: low.ld
# Arithmetic and flags (CHECK_FLAGS comes right after the instruction: CHECK itself changes RFLAGS): computes values with the integer instructions gcc emits, checks them in the
# guest, prints one PASS/FAIL line per check and leaves through debug-exit (status 1 = all passed).
.include "common.inc"

.set ARITH_FLAGS, 0x8d5        # OF SF ZF AF PF CF

.section .text.entry
.globl _start
_start:
    test rdi, rdi               # CPUs other than 0 park
    jnz park
    PUTS "arith: start\n"

    mov eax, 0x7fffffff
    add eax, 1                  # signed overflow: OF SF AF PF
    CHECK_FLAGS "add32 flags", ARITH_FLAGS, 0x894
    CHECK "add32 result", 0x80000000

    mov rax, -1
    add rax, 1                  # carry out, zero result: CF ZF AF PF
    CHECK_FLAGS "add64 flags", ARITH_FLAGS, 0x55
    CHECK "add64 wrap", 0

    mov eax, 5
    sub eax, 7                  # borrow: CF SF AF (0xfffffffe has odd low-byte parity -> PF clear)
    CHECK_FLAGS "sub32 flags", ARITH_FLAGS, 0x91
    CHECK "sub32 zero-extends", 0xfffffffe

    mov rax, 0x123456789abcdef0
    mov rbx, 0x0fedcba987654321
    xor rax, rbx
    CHECK "xor64", 0x1dd99dd11dd99dd1

    mov rax, 1
    shl rax, 63
    CHECK "shl 63", 0x8000000000000000
    sar rax, 60
    CHECK "sar 60", 0xfffffffffffffff8
    shr rax, 1
    CHECK "shr 1", 0x7ffffffffffffffc

    mov rax, 0x1122334455667788
    rol rax, 16
    CHECK "rol 16", 0x3344556677881122

    mov rax, 1000000007
    mov rcx, 998244353
    imul rax, rcx
    CHECK "imul r64", 998244359987710471

    mov rax, 0xfffffffffffffffe
    mov rcx, 3
    mul rcx                      # RDX:RAX = (2^64 - 2) * 3
    CHECK "mul low", 0xfffffffffffffffa
    mov rax, rdx
    CHECK "mul high", 2

    mov rax, -100
    cqo
    mov rcx, 7
    idiv rcx
    CHECK "idiv quotient", -14
    mov rax, rdx
    CHECK "idiv remainder", -2

    mov rax, 1000
    xor edx, edx
    mov rcx, 33
    div rcx
    CHECK "div quotient", 30
    mov rax, rdx
    CHECK "div remainder", 10

    mov rax, -5
    neg rax
    CHECK "neg", 5
    not rax
    CHECK "not", -6

    mov eax, 0x80
    movsx rax, al
    CHECK "movsx r64, r8", -128
    mov eax, 0xfff0
    movzx rax, ax
    CHECK "movzx r64, r16", 0xfff0
    mov eax, 0x80000000
    cdqe
    CHECK "cdqe", 0xffffffff80000000

    mov eax, 10
    cmp eax, 20
    setl al
    movzx eax, al
    CHECK "setl", 1
    mov ecx, 3
    mov eax, 4
    cmp ecx, 2
    cmova eax, ecx
    CHECK "cmova", 3

    lea rax, [rip + table]
    mov rcx, 2
    mov rax, [rax + rcx*8]
    CHECK "indexed load", 0xcafef00d

    mov rax, 0x00f0
    bsf rcx, rax
    mov rax, rcx
    CHECK "bsf", 4

    mov eax, 0x12345678
    bswap eax
    CHECK "bswap", 0x78563412

    xor eax, eax
    mov ecx, 100
1:  add rax, rcx                 # 100 + 99 + ... + 1
    loop 1b
    CHECK "loop sum", 5050

    stc
    mov eax, 1
    adc eax, 1
    CHECK "adc", 3
    mov eax, 10
    stc
    sbb eax, 3
    CHECK "sbb", 6

    mov rax, 0x55
    test al, 0x40
    CHECK_FLAGS "test nz", 0x40, 0
    call finish

park:
    cli
    hlt
    jmp park

.section .rodata
.p2align 3
table: .quad 1, 2, 0xcafef00d, 4
