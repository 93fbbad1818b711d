/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry point of every CPU (tlbemu boot contract): 64-bit mode, CPL 0, the loader's GDT and page
 * tables, interrupts off, RDI = CPU index, RSI = physical address of the boot-info block.
 * Each CPU moves to a boot stack of its own in .bss, clears RBP (the frame-pointer chain ends
 * here), and enters C: the bootstrap CPU starts the kernel, the others wait to be released.
 * .bss is not cleared: the loader zero-fills what lies past each PT_LOAD's file size, and the
 * secondaries are already polling a flag in it.
 */
#include <asm/segment.h>

#define BOOT_STACK_SIZE	16384

	.section .head.text, "ax"
	.code64
	.globl startup_64
	.type startup_64, @function
startup_64:
	cld
	cmpq	$CONFIG_NR_CPUS, %rdi
	jae	.Lpark
	movq	%rdi, %rax
	incq	%rax
	shlq	$14, %rax			/* (cpu + 1) * BOOT_STACK_SIZE */
	leaq	boot_stacks(%rip), %rsp
	addq	%rax, %rsp
	xorl	%ebp, %ebp
	testq	%rdi, %rdi
	jnz	.Lsecondary
	call	x86_64_start_kernel		/* (cpu 0, boot info) - does not return */
	jmp	.Lpark
.Lsecondary:
	call	start_secondary_early		/* (cpu) - does not return */
.Lpark:
	cli
	hlt
	jmp	.Lpark
	.size startup_64, . - startup_64

	.section .bss..page_aligned, "aw", @nobits
	.balign 4096
	.globl boot_stacks
boot_stacks:
	.skip	CONFIG_NR_CPUS * BOOT_STACK_SIZE
	.size boot_stacks, . - boot_stacks
