/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ticket spinlocks: "lock xadd" takes a ticket from the tail half, the owner spins (with pause)
 * until the head half reaches it, unlock advances the head. Taking a lock disables preemption,
 * as in Linux; releasing it is a preemption point.
 */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H

#include <linux/types.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <asm/processor.h>

typedef struct {
	union {
		u32 head_tail;
		struct {
			u16 head;
			u16 tail;
		} tickets;
	};
} arch_spinlock_t;

typedef struct spinlock {
	arch_spinlock_t raw_lock;
	int owner_cpu;
} spinlock_t;

typedef spinlock_t raw_spinlock_t;

#define TICKET_TAIL_INC		0x10000u

#define __SPIN_LOCK_UNLOCKED(name)	{ .raw_lock = { { 0 } }, .owner_cpu = -1 }
#define DEFINE_SPINLOCK(name)		spinlock_t name = __SPIN_LOCK_UNLOCKED(name)
#define DEFINE_RAW_SPINLOCK(name)	DEFINE_SPINLOCK(name)

static inline void spin_lock_init(spinlock_t *lock)
{
	lock->raw_lock.head_tail = 0;
	lock->owner_cpu = -1;
}

static __always_inline void arch_spin_lock(arch_spinlock_t *lock)
{
	u32 old = TICKET_TAIL_INC;
	u16 ticket;

	__asm__ __volatile__("lock xaddl %0, %1"
			     : "+r" (old), "+m" (lock->head_tail) : : "memory", "cc");
	ticket = (u16)(old >> 16);
	while (READ_ONCE(lock->tickets.head) != ticket)
		cpu_relax();
	barrier();
}

static __always_inline void arch_spin_unlock(arch_spinlock_t *lock)
{
	barrier();
	/* only the owner writes head: a plain increment is a release store on x86 */
	__asm__ __volatile__("addw $1, %0" : "+m" (lock->tickets.head) : : "memory", "cc");
}

static __always_inline bool arch_spin_is_locked(arch_spinlock_t *lock)
{
	u32 v = READ_ONCE(lock->head_tail);

	return (u16)v != (u16)(v >> 16);
}

void do_raw_spin_lock(spinlock_t *lock);
void do_raw_spin_unlock(spinlock_t *lock);

#define spin_lock(lock)			do { preempt_disable(); do_raw_spin_lock(lock); } while (0)
#define spin_unlock(lock)		do { do_raw_spin_unlock(lock); preempt_enable(); } while (0)
#define spin_lock_irqsave(lock, flags)					\
	do { local_irq_save(flags); preempt_disable(); do_raw_spin_lock(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags)				\
	do { do_raw_spin_unlock(lock); local_irq_restore(flags); preempt_enable(); } while (0)
#define spin_lock_irq(lock)						\
	do { local_irq_disable(); preempt_disable(); do_raw_spin_lock(lock); } while (0)
#define spin_unlock_irq(lock)						\
	do { do_raw_spin_unlock(lock); local_irq_enable(); preempt_enable(); } while (0)

/* raw: the caller already runs with preemption disabled (scheduler, IPI code) */
#define raw_spin_lock(lock)		do_raw_spin_lock(lock)
#define raw_spin_unlock(lock)		do_raw_spin_unlock(lock)

#endif /* _LINUX_SPINLOCK_H */
