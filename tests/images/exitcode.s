# ld: low.ld
# Debug-exit status: leaves through isa-debug-exit with the number given as "exit=N" on the command
# line (default 16), so the run ends with status (N << 1) | 1.
.include "common.inc"

.section .text.entry
.globl _start
_start:
    test rdi, rdi
    jnz park
    mov rsi, [rsi + BI_CMDLINE_PADDR]
    mov ebx, 16                  # default
    cmp dword ptr [rsi], 0x74697865   # "exit"
    jne 2f
    cmp byte ptr [rsi + 4], '='
    jne 2f
    add rsi, 5
    xor ebx, ebx
1:  movzx eax, byte ptr [rsi]
    sub eax, '0'
    cmp eax, 9
    ja 2f
    imul ebx, ebx, 10
    add ebx, eax
    inc rsi
    jmp 1b
2:  PUTS "exiting with "
    mov eax, ebx
    call put_dec
    call newline
    mov eax, ebx
    out DEBUG_EXIT_PORT, al
    PUTS "still running after debug-exit\n"
park:
    cli
    hlt
    jmp park
