/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_HARDIRQ_H
#define _LINUX_HARDIRQ_H

#include <linux/preempt.h>
#include <asm/hardirq.h>

/* interrupt handlers run with HARDIRQ_OFFSET in the preemption count: never preemptible */
#define irq_enter()	__preempt_count_add(HARDIRQ_OFFSET)
#define irq_exit()	__preempt_count_sub(HARDIRQ_OFFSET)

#endif /* _LINUX_HARDIRQ_H */
