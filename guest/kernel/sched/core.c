// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduler (see linux/sched.h): per-CPU run queues, round-robin, switches only at
 * preemption points when need_resched is set.
 *
 * Migration is explicit: sched_request_migration(p, cpu, skip) asks that p move to cpu at the
 * (skip + 1)-th preemption point it passes (preempt_enable() reaching zero, schedule()). The
 * CPU it leaves switches to its idle task; once p is off that CPU, p is queued on the target
 * and a reschedule IPI wakes the target's idle loop, which switches to p. Deterministic: the
 * points are fixed places in the code, not timer ticks.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/mm_types.h>
#include <asm/mmu_context.h>
#include <asm/tlbflush.h>

DEFINE_PER_CPU(struct rq, runqueues);

#define this_rq()	this_cpu_ptr(&runqueues)
#define cpu_rq(cpu)	per_cpu_ptr(&runqueues, cpu)

void arch_cpu_idle(void);
struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next);

unsigned long sched_migrations;

bool need_resched(void)
{
	return test_preempt_need_resched();
}

void init_idle(struct task_struct *idle, int cpu)
{
	struct rq *rq = cpu_rq(cpu);

	idle->state = TASK_RUNNING;
	idle->pid = 0;
	snprintf(idle->comm, sizeof(idle->comm), "swapper/%d", cpu);
	idle->cpu = cpu;
	idle->on_cpu = 1;
	idle->migrate_to = -1;
	idle->mm = &init_mm;
	idle->active_mm = &init_mm;
	INIT_LIST_HEAD(&idle->run_list);
	spin_lock_init(&rq->lock);
	INIT_LIST_HEAD(&rq->queue);
	rq->curr = idle;
	rq->idle = idle;
}

void __init sched_init(void)
{
	init_idle(&init_task, 0);
	this_cpu_write(cpu_tlbstate.loaded_mm, &init_mm);
}

void wake_up_new_task(struct task_struct *p, int cpu)
{
	struct rq *rq = cpu_rq(cpu);
	unsigned long flags;

	local_irq_save(flags);
	raw_spin_lock(&rq->lock);
	p->cpu = cpu;
	list_add_tail(&p->run_list, &rq->queue);
	raw_spin_unlock(&rq->lock);
	local_irq_restore(flags);
	if (cpu == smp_processor_id())
		set_preempt_need_resched();
	else
		smp_send_reschedule(cpu);
}

void sched_request_migration(struct task_struct *p, int cpu, int skip)
{
	p->migrate_skip = skip;
	p->migrate_to = cpu;
	if (p == current)
		set_preempt_need_resched();
}

static struct task_struct *pick_next_task(struct rq *rq)
{
	struct task_struct *next;

	if (list_empty(&rq->queue))
		return rq->idle;
	next = list_first_entry(&rq->queue, struct task_struct, run_list);
	list_del(&next->run_list);
	return next;
}

static void context_switch_mm(struct task_struct *prev, struct task_struct *next)
{
	struct mm_struct *mm = next->mm ? next->mm : prev->active_mm;

	next->active_mm = mm;
	switch_mm_irqs_off(prev->active_mm, mm, next);
}

/* after the switch, on the CPU prev left: release the run queue, hand prev over if moving */
static void finish_task_switch(struct task_struct *prev)
{
	struct rq *rq = this_rq();
	int target = prev->migrate_to;

	__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
	raw_spin_unlock(&rq->lock);
	local_irq_enable();

	if (target >= 0 && prev != rq->idle) {
		struct rq *trq = cpu_rq(target);

		prev->migrate_to = -1;
		prev->cpu = target;
		prev->nr_migrations++;
		sched_migrations++;
		local_irq_disable();
		raw_spin_lock(&trq->lock);
		list_add_tail(&prev->run_list, &trq->queue);
		raw_spin_unlock(&trq->lock);
		local_irq_enable();
		smp_send_reschedule(target);
	}
}

void schedule_tail(struct task_struct *prev)
{
	finish_task_switch(prev);
	preempt_enable();
}

static void __schedule(void)
{
	struct task_struct *prev = current, *next;
	struct rq *rq = this_rq();

	local_irq_disable();
	raw_spin_lock(&rq->lock);
	clear_preempt_need_resched();

	if (prev != rq->idle && prev->state == TASK_RUNNING && prev->migrate_to < 0)
		list_add_tail(&prev->run_list, &rq->queue);
	next = pick_next_task(rq);

	if (next == prev) {
		raw_spin_unlock(&rq->lock);
		local_irq_enable();
		return;
	}

	rq->curr = next;
	rq->nr_switches++;
	prev->nvcsw++;
	next->on_cpu = 1;
	next->cpu = smp_processor_id();
	context_switch_mm(prev, next);
	prev = __switch_to_asm(prev, next);
	/* here again on some CPU, as the task that was switched away from earlier */
	finish_task_switch(prev);
}

void schedule(void)
{
	preempt_disable();
	__schedule();
	preempt_enable_no_resched();
}

/* CONFIG_PREEMPT: called when preempt_enable() brought the count to 0 with need_resched set */
void preempt_schedule(void)
{
	struct task_struct *p = current;

	if (!preemptible())
		return;
	if (p->migrate_to >= 0 && p->migrate_skip > 0) {
		p->migrate_skip--;
		return;		/* NEED_RESCHED stays set: the next point tries again */
	}
	do {
		preempt_disable();
		__schedule();
		preempt_enable_no_resched();
	} while (need_resched());
}

void scheduler_ipi(void)
{
	set_preempt_need_resched();
}

void __noreturn cpu_startup_entry(void)
{
	for (;;) {
		local_irq_disable();
		if (need_resched()) {
			local_irq_enable();
			schedule();
			continue;
		}
		arch_cpu_idle();	/* sti; hlt */
	}
}
