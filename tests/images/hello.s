# ld: high.ld
# Serial output: a greeting, formatted numbers, and what the boot-info block says (CPU count, paging
# levels, command line, e820 map). Every CPU reports in through a spinlock; the last CPU to halt
# ends the run with all CPUs halted and interrupts off (status 0).
.include "common.inc"

.section .text.entry
.globl _start
_start:
    mov r12, rdi                 # CPU index
    mov r13, rsi                 # boot-info block (physical = virtual in the identity map)
    test rdi, rdi
    jnz secondary
    PUTS "Hello from tlbemu!\n"
    PUTS "decimal: "
    mov rax, 1234567890123
    call put_dec
    call newline
    PUTS "hex: "
    movabs rax, 0xdeadbeefcafe
    call put_hex
    call newline
    PUTS "zero: "
    xor eax, eax
    call put_dec
    call newline
    PUTS "max: "
    mov rax, -1
    call put_dec
    call newline

    movabs rax, 0x31304d4555424c54
    cmp rax, [r13 + BI_MAGIC]
    je 1f
    PUTS "bad boot-info magic\n"
    jmp halt
1:  PUTS "boot-info version "
    mov eax, [r13 + BI_VERSION]
    call put_dec
    PUTS ", cpus "
    mov eax, [r13 + BI_CPU_COUNT]
    call put_dec
    PUTS ", paging levels "
    mov eax, [r13 + BI_PAGING_LEVELS]
    call put_dec
    call newline
    PUTS "cmdline: \""
    mov rsi, [r13 + BI_CMDLINE_PADDR]
    call puts
    PUTS "\" ("
    mov eax, [r13 + BI_CMDLINE_LEN]
    call put_dec
    PUTS " bytes)\n"
    # e820: base, end, type per entry
    mov rbx, [r13 + BI_E820_PADDR]
    mov ecx, [r13 + BI_E820_COUNT]
2:  PUTS "e820: "
    mov rax, [rbx]
    call put_hex
    PUTS " - "
    add rax, [rbx + 8]
    call put_hex
    PUTS " type "
    mov eax, [rbx + 16]
    call put_dec
    call newline
    add rbx, 24
    dec ecx
    jnz 2b
    PUTS "stack top: "
    mov rax, rsp
    call put_hex
    call newline
    jmp report

secondary:
    # wait until CPU 0 has printed its part
1:  pause
    cmp byte ptr [rip + bsp_done], 0
    je 1b

report:
    # take the lock, say hello, count in, release
1:  mov al, 1
    xchg al, [rip + lock]
    test al, al
    jz 2f
    pause
    jmp 1b
2:  PUTS "cpu "
    mov rax, r12
    call put_dec
    PUTS " online, rdi matches, stack "
    mov rax, rsp
    call put_hex
    call newline
    mov byte ptr [rip + bsp_done], 1
    mov byte ptr [rip + lock], 0
halt:
    cli
    hlt
    jmp halt

.section .data
lock: .byte 0
bsp_done: .byte 0
