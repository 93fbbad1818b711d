/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PTRACE_H
#define _ASM_X86_PTRACE_H

/*
 * Register frame built by entry_64.S: general registers as Linux saves them, then the vector
 * number (pushed by the per-vector stub), the error code (-1 when the vector has none), then
 * the frame the CPU pushed.
 */
#define PTREGS_R15	0
#define PTREGS_VECTOR	(15 * 8)
#define PTREGS_SIZE	(22 * 8)

#ifndef __ASSEMBLY__
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long vector;
	unsigned long orig_ax;	/* error code, or -1 */
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

static inline int user_mode(struct pt_regs *regs)
{
	return regs->cs & 3;
}
#endif

#endif /* _ASM_X86_PTRACE_H */
