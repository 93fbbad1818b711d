/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt and exception entry, context switch, new-task start.
 *
 * One 16-byte stub per vector: push -1 where the CPU pushes no error code, push the vector
 * number, jump to common_entry, which saves the general registers as struct pt_regs
 * (asm/ptrace.h) and calls do_trap_entry(regs). Everything runs at CPL 0, so there is no
 * swapgs and no stack switch except the IST stacks of #DF and NMI.
 */
#include <asm/ptrace.h>


	.text
	.code64

	.balign 16
	.globl irq_entries_start
irq_entries_start:
	vector = 0
	.rept 256
	.balign 16
	.if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
	pushq	$-1
	.endif
	pushq	$vector
	jmp	common_entry
	vector = vector + 1
	.endr
	.balign 16
	.globl irq_entries_end
irq_entries_end:

	.type common_entry, @function
common_entry:
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	do_trap_entry
	.globl common_entry_return
common_entry_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	addq	$16, %rsp			/* vector, error code */
	iretq
	.size common_entry, . - common_entry

/*
 * struct task_struct *__switch_to_asm(prev, next): save the callee-saved registers on prev's
 * stack, switch stacks, restore next's, and finish in C (__switch_to returns prev).
 */
	.globl __switch_to_asm
	.type __switch_to_asm, @function
__switch_to_asm:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, 0(%rdi)			/* prev->thread.sp */
	movq	0(%rsi), %rsp			/* next->thread.sp */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	jmp	__switch_to
	.size __switch_to_asm, . - __switch_to_asm

/*
 * A new task's first return from __switch_to lands here with RAX = the previous task,
 * RBX = the thread function, R12 = its argument, RBP = 0.
 */
	.globl ret_from_fork
	.type ret_from_fork, @function
ret_from_fork:
	movq	%rax, %rdi
	call	schedule_tail
	movq	%r12, %rdi
	call	*%rbx
	movl	%eax, %edi
	call	do_task_dead
1:	hlt
	jmp	1b
	.size ret_from_fork, . - ret_from_fork
