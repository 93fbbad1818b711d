// SPDX-License-Identifier: GPL-2.0
/*
 * Cross-CPU function calls. Each CPU owns one call_single_data per target CPU (cfd_data); a
 * caller locks it, queues it on the target's call_single_queue and sends the call-function
 * IPI; the target runs the function from its interrupt handler (interrupts off) and unlocks
 * it. on_each_cpu() adds a local call with interrupts off: this is how flush_tlb_all() reaches
 * every CPU.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/irqflags.h>

struct call_function_data {
	call_single_data_t csd[NR_CPUS];
};

struct call_single_queue {
	spinlock_t lock;
	struct list_head list;
};

static DEFINE_PER_CPU(struct call_function_data, cfd_data);
static DEFINE_PER_CPU(struct call_single_queue, call_single_queue);

void __init call_function_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct call_single_queue *q = per_cpu_ptr(&call_single_queue, cpu);

		spin_lock_init(&q->lock);
		INIT_LIST_HEAD(&q->list);
	}
}

static void csd_lock_wait(call_single_data_t *csd)
{
	while (__atomic_load_n(&csd->flags, __ATOMIC_ACQUIRE) & CSD_FLAG_LOCK)
		cpu_relax();
}

static void csd_lock(call_single_data_t *csd)
{
	csd_lock_wait(csd);
	csd->flags |= CSD_FLAG_LOCK;
	barrier();
}

static void csd_unlock(call_single_data_t *csd)
{
	__atomic_store_n(&csd->flags, 0, __ATOMIC_RELEASE);
}

/* preemption disabled by the caller; interrupts must be on (else two CPUs could deadlock) */
void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func, void *info,
			    bool wait)
{
	struct call_function_data *cfd = this_cpu_ptr(&cfd_data);
	int this_cpu = smp_processor_id();
	int cpu;

	WARN_ON_ONCE(cpu_online(this_cpu) && irqs_disabled() && !oops_in_progress);

	for_each_online_cpu(cpu) {
		call_single_data_t *csd = &cfd->csd[cpu];
		struct call_single_queue *q;
		unsigned long flags;

		if (cpu == this_cpu || !cpumask_test_cpu(cpu, mask))
			continue;
		csd_lock(csd);
		if (wait)
			csd->flags |= CSD_FLAG_SYNCHRONOUS;
		csd->func = func;
		csd->info = info;

		q = per_cpu_ptr(&call_single_queue, cpu);
		local_irq_save(flags);
		raw_spin_lock(&q->lock);
		list_add_tail(&csd->list, &q->list);
		raw_spin_unlock(&q->lock);
		local_irq_restore(flags);
		arch_send_call_function_ipi(cpu);
	}

	if (wait) {
		for_each_online_cpu(cpu) {
			if (cpu == this_cpu || !cpumask_test_cpu(cpu, mask))
				continue;
			csd_lock_wait(&cfd->csd[cpu]);
		}
	}
}

int smp_call_function(smp_call_func_t func, void *info, int wait)
{
	preempt_disable();
	smp_call_function_many(cpu_online_mask, func, info, wait);
	preempt_enable();
	return 0;
}

/* run func on every online CPU; the local call runs with interrupts off */
noinline __noclone int on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	unsigned long flags;

	preempt_disable();
	smp_call_function_many(cpu_online_mask, func, info, wait);
	local_irq_save(flags);
	func(info);
	local_irq_restore(flags);
	preempt_enable();
	return 0;
}

/* IPI handler side: run everything queued for this CPU */
void generic_smp_call_function_single_interrupt(void)
{
	struct call_single_queue *q = this_cpu_ptr(&call_single_queue);

	for (;;) {
		call_single_data_t *csd;
		smp_call_func_t func;
		void *info;

		raw_spin_lock(&q->lock);
		if (list_empty(&q->list)) {
			raw_spin_unlock(&q->lock);
			return;
		}
		csd = list_first_entry(&q->list, call_single_data_t, list);
		list_del(&csd->list);
		raw_spin_unlock(&q->lock);

		func = csd->func;
		info = csd->info;
		if (csd->flags & CSD_FLAG_SYNCHRONOUS) {
			func(info);
			csd_unlock(csd);
		} else {
			csd_unlock(csd);
			func(info);
		}
	}
}
