/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 keeps the preemption count in the per-CPU variable __preempt_count, with bit 31
 * (PREEMPT_NEED_RESCHED) stored inverted: "count == 0 and a reschedule is needed" is a raw
 * value of 0, which a single "decl %gs:__preempt_count" detects through ZF.
 */
#ifndef _ASM_X86_PREEMPT_H
#define _ASM_X86_PREEMPT_H

#include <linux/types.h>
#include <asm/percpu.h>

DECLARE_PER_CPU(int, __preempt_count);

#define PREEMPT_NEED_RESCHED	0x80000000
#define PREEMPT_ENABLED		(0 + PREEMPT_NEED_RESCHED)

static __always_inline int preempt_count(void)
{
	return this_cpu_read(__preempt_count) & ~PREEMPT_NEED_RESCHED;
}

static __always_inline void preempt_count_set(int pc)
{
	int old, val;

	old = this_cpu_read(__preempt_count);
	val = (pc & ~PREEMPT_NEED_RESCHED) | (old & PREEMPT_NEED_RESCHED);
	this_cpu_write(__preempt_count, val);
}

static __always_inline void set_preempt_need_resched(void)
{
	this_cpu_and(__preempt_count, ~PREEMPT_NEED_RESCHED);
}

static __always_inline void clear_preempt_need_resched(void)
{
	this_cpu_or(__preempt_count, PREEMPT_NEED_RESCHED);
}

static __always_inline bool test_preempt_need_resched(void)
{
	return !(this_cpu_read(__preempt_count) & PREEMPT_NEED_RESCHED);
}

static __always_inline void __preempt_count_add(int val)
{
	this_cpu_add(__preempt_count, val);
}

static __always_inline void __preempt_count_sub(int val)
{
	this_cpu_add(__preempt_count, -val);
}

/* true when the count dropped to zero and NEED_RESCHED (inverted) is set */
static __always_inline bool __preempt_count_dec_and_test(void)
{
	bool zero;

	__asm__ __volatile__("decl %%gs:%c1\n\tsete %0"
			     : "=qm" (zero) : "i" (&__preempt_count) : "memory", "cc");
	return zero;
}

#endif /* _ASM_X86_PREEMPT_H */
