/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_BUG_H
#define _ASM_X86_BUG_H

#define ASM_UD2		".byte 0x0f, 0x0b"
#define LEN_UD2		2

#ifndef __ASSEMBLY__
/*
 * The "+r" (current_stack_pointer) operand makes the compiler set up the function's frame
 * (push %rbp; mov %rsp,%rbp) before the trap, as Linux's ASM_CALL_CONSTRAINT does for asm that
 * calls: the #UD handler walks the frame-pointer chain from the trapping function, and a
 * shrink-wrapped path would otherwise reach the ud2 with the caller's %rbp.
 */
register unsigned long current_stack_pointer __asm__("rsp");
#define ASM_CALL_CONSTRAINT "+r" (current_stack_pointer)

/*
 * Emit the trapping instruction and, in __bug_table, one 12-byte entry pointing back at it.
 * File and line are those of the macro's expansion site.
 */
#define _BUG_FLAGS(ins, flags)						\
do {									\
	__asm__ __volatile__("991:\t" ins "\n"				\
		"\t.pushsection __bug_table,\"aw\"\n"			\
		"992:\t.long 991b - 992b\n"				\
		"\t.long %c1 - 992b\n"					\
		"\t.word %c2\n"						\
		"\t.word %c3\n"						\
		"\t.org 992b + %c4\n"					\
		"\t.popsection"						\
		: ASM_CALL_CONSTRAINT					\
		: "i" (__FILE__), "i" (__LINE__), "i" (flags),		\
		  "i" (sizeof(struct bug_entry)));			\
} while (0)

#define BUG()								\
do {									\
	_BUG_FLAGS(ASM_UD2, 0);						\
	unreachable();							\
} while (0)

#define __WARN_FLAGS(flags)	_BUG_FLAGS(ASM_UD2, BUGFLAG_WARNING | (flags))
#endif

#endif /* _ASM_X86_BUG_H */
