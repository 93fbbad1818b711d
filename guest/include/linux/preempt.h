/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PREEMPT_H
#define _LINUX_PREEMPT_H

#include <linux/irqflags.h>
#include <asm/preempt.h>

#define PREEMPT_OFFSET		1
#define SOFTIRQ_OFFSET		(1 << 8)
#define HARDIRQ_OFFSET		(1 << 16)
#define NMI_OFFSET		(1 << 20)
#define HARDIRQ_MASK		(0xf << 16)
#define SOFTIRQ_MASK		(0xff << 8)

#define in_irq()		(preempt_count() & HARDIRQ_MASK)
#define in_interrupt()		(preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_OFFSET))

void preempt_schedule(void);

#define preempt_count_inc()	__preempt_count_add(1)
#define preempt_count_dec()	__preempt_count_sub(1)

#define preempt_disable()						\
do {									\
	preempt_count_inc();						\
	barrier();							\
} while (0)

#define preempt_enable_no_resched()					\
do {									\
	barrier();							\
	preempt_count_dec();						\
} while (0)

/* CONFIG_PREEMPT: the count reaching zero with a reschedule pending is a preemption point */
#define preempt_enable()						\
do {									\
	barrier();							\
	if (unlikely(__preempt_count_dec_and_test()))			\
		preempt_schedule();					\
} while (0)

#define preemptible()	(preempt_count() == 0 && !irqs_disabled())

#endif /* _LINUX_PREEMPT_H */
