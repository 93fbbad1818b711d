/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_BUG_H
#define _ASM_X86_BUG_H

#define ASM_UD2		".byte 0x0f, 0x0b"
#define LEN_UD2		2

#ifndef __ASSEMBLY__
/*
 * Emit the trapping instruction and, in __bug_table, one 12-byte entry pointing back at it.
 * File and line are those of the macro's expansion site.
 */
#define _BUG_FLAGS(ins, flags)						\
do {									\
	__asm__ __volatile__("991:\t" ins "\n"				\
		"\t.pushsection __bug_table,\"aw\"\n"			\
		"992:\t.long 991b - 992b\n"				\
		"\t.long %c0 - 992b\n"					\
		"\t.word %c1\n"						\
		"\t.word %c2\n"						\
		"\t.org 992b + %c3\n"					\
		"\t.popsection"						\
		: : "i" (__FILE__), "i" (__LINE__), "i" (flags),	\
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
