# ld: low.ld
# String instructions: rep movsb/movsq, rep stosb/stosq, repe cmpsb, repne scasb, lodsb, and a
# backwards copy with DF=1. Checks in the guest, PASS/FAIL lines, debug-exit (status 1 = all passed).
.include "common.inc"

.set hello_len, 12              # strlen("hello, world"); defined before use so it is an immediate

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    PUTS "strings: start\n"
    cld

    # rep stosq: fill 512 qwords (one page) with a pattern
    lea rdi, [rip + buf_a]
    movabs rax, 0x0123456789abcdef
    mov ecx, 512
    rep stosq
    CHECK "stosq rcx", 0x0123456789abcdef
    mov rax, rcx
    CHECK "stosq count left", 0
    lea rax, [rip + buf_a + 4096]
    sub rax, rdi
    CHECK "stosq rdi advanced", 0
    mov rax, [rip + buf_a + 4088]
    CHECK "stosq last qword", 0x0123456789abcdef

    # rep movsq: copy the page to buf_b
    lea rsi, [rip + buf_a]
    lea rdi, [rip + buf_b]
    mov ecx, 512
    rep movsq
    mov rax, [rip + buf_b + 2048]
    CHECK "movsq copy", 0x0123456789abcdef

    # rep stosb over 100 bytes in the middle of buf_b, then check the borders
    lea rdi, [rip + buf_b + 10]
    mov al, 0x5a
    mov ecx, 100
    rep stosb
    movzx eax, byte ptr [rip + buf_b + 9]
    CHECK "stosb before", 0xcd
    movzx eax, byte ptr [rip + buf_b + 10]
    CHECK "stosb first", 0x5a
    movzx eax, byte ptr [rip + buf_b + 109]
    CHECK "stosb last", 0x5a
    movzx eax, byte ptr [rip + buf_b + 110]
    CHECK "stosb after", 0x23

    # rep movsb of a string, then repe cmpsb finds no difference
    lea rsi, [rip + hello]
    lea rdi, [rip + buf_c]
    mov ecx, hello_len
    rep movsb
    lea rsi, [rip + hello]
    lea rdi, [rip + buf_c]
    mov ecx, hello_len
    repe cmpsb
    CHECK_FLAGS "cmpsb equal: ZF", 0x40, 0x40
    mov rax, rcx
    CHECK "cmpsb equal: rcx", 0

    # repe cmpsb stops after the first difference (position 7 of "hello, world")
    mov byte ptr [rip + buf_c + 7], 'W'
    lea rsi, [rip + hello]
    lea rdi, [rip + buf_c]
    mov ecx, hello_len
    repe cmpsb
    CHECK_FLAGS "cmpsb mismatch: ZF", 0x40, 0
    mov rax, hello_len
    sub rax, rcx
    CHECK "cmpsb mismatch position", 8

    # repne scasb: strlen
    lea rdi, [rip + hello]
    xor eax, eax
    mov rcx, -1
    repne scasb
    not rcx
    dec rcx
    mov rax, rcx
    CHECK "scasb strlen", 12

    # lodsb
    lea rsi, [rip + hello + 4]
    lodsb
    movzx eax, al
    CHECK "lodsb", 'o'
    lea rax, [rip + hello + 5]
    sub rax, rsi
    CHECK "lodsb rsi", 0

    # backwards overlapping copy with DF=1: shift "abcdefgh" right by 2 within buf_c
    lea rsi, [rip + letters]
    lea rdi, [rip + buf_c]
    mov ecx, 8
    rep movsb
    std
    lea rsi, [rip + buf_c + 7]
    lea rdi, [rip + buf_c + 9]
    mov ecx, 8
    rep movsb
    cld
    mov rax, [rip + buf_c + 2]
    CHECK "std movsb", 0x6867666564636261

    # rep with rcx = 0 does nothing
    lea rdi, [rip + buf_c]
    xor ecx, ecx
    mov al, 0xff
    rep stosb
    movzx eax, byte ptr [rip + buf_c]
    CHECK "rep count 0", 'a'

    call finish

park:
    cli
    hlt
    jmp park

.section .rodata
hello: .asciz "hello, world"
letters: .ascii "abcdefgh"

.section .bss
.p2align 12
buf_a: .skip 4096
buf_b: .skip 4096
buf_c: .skip 64
