// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line lock bodies: the ticket spinlock (with owner tracking and a recursion check)
 * and the preemptible mutex stand-in.
 */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/smp.h>

void do_raw_spin_lock(spinlock_t *lock)
{
	/* a CPU taking a lock it already holds would spin forever */
	BUG_ON(READ_ONCE(lock->owner_cpu) == raw_smp_processor_id() &&
	       arch_spin_is_locked(&lock->raw_lock));
	arch_spin_lock(&lock->raw_lock);
	lock->owner_cpu = raw_smp_processor_id();
}

void do_raw_spin_unlock(spinlock_t *lock)
{
	lock->owner_cpu = -1;
	arch_spin_unlock(&lock->raw_lock);
}

void mutex_lock(struct mutex *lock)
{
	struct task_struct *me = current;

	for (;;) {
		struct task_struct *expected = NULL;

		if (__atomic_compare_exchange_n(&lock->owner, &expected, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		cpu_relax();
	}
}

void mutex_unlock(struct mutex *lock)
{
	WARN_ON_ONCE(lock->owner != current);
	__atomic_store_n(&lock->owner, NULL, __ATOMIC_RELEASE);
}
