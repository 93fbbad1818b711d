/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sleeping lock stand-in: unlike a spinlock it leaves preemption enabled, so code under it
 * (mem_hotplug_begin(), device_hotplug_lock) stays preemptible as in Linux. A contended lock
 * spins with pause; the workload never contends it.
 */
#ifndef _LINUX_MUTEX_H
#define _LINUX_MUTEX_H

#include <linux/types.h>

struct task_struct;

struct mutex {
	struct task_struct *owner;
	const char *name;
};

#define DEFINE_MUTEX(n)		struct mutex n = { .owner = 0, .name = #n }

void mutex_lock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

#endif /* _LINUX_MUTEX_H */
