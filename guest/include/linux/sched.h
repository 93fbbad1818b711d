/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small scheduler: one run queue per CPU, round-robin, no time slicing. The tick never sets
 * need_resched; a reschedule happens only when code asks for it (explicit migration, a
 * reschedule IPI to an idle CPU), at the next preemption point (preempt_enable() reaching 0,
 * schedule()). Runs are therefore deterministic.
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <asm/current.h>

#define TASK_COMM_LEN		16
#define TASK_RUNNING		0
#define TASK_DEAD		64

#define THREAD_SIZE		16384

struct mm_struct;

struct thread_struct {
	unsigned long sp;	/* saved kernel stack pointer, first field: entry_64.S */
};

struct task_struct {
	struct thread_struct	thread;
	volatile long		state;
	int			pid;
	char			comm[TASK_COMM_LEN];
	int			cpu;		/* CPU it runs on, or last ran on */
	int			on_cpu;		/* 1 while its stack is in use on a CPU */
	int			migrate_to;	/* -1, or where to move at the next schedule */
	int			migrate_skip;	/* preemption points to let pass before moving */
	struct mm_struct	*mm;
	struct mm_struct	*active_mm;
	void			*stack;
	struct list_head	run_list;
	unsigned long		nvcsw;		/* context switches away from it */
	unsigned long		nr_migrations;
};

#define TASK_THREAD_SP_OFFSET	0

struct rq {
	raw_spinlock_t		lock;
	struct list_head	queue;
	struct task_struct	*curr;
	struct task_struct	*idle;
	unsigned long		nr_switches;
};

DECLARE_PER_CPU(struct rq, runqueues);

extern struct task_struct init_task;

void sched_init(void);
void init_idle(struct task_struct *idle, int cpu);
void schedule(void);
void scheduler_ipi(void);
bool need_resched(void);
void wake_up_new_task(struct task_struct *p, int cpu);
void sched_request_migration(struct task_struct *p, int cpu, int skip);
void __noreturn cpu_startup_entry(void);
struct task_struct *kthread_create_on_cpu(int (*fn)(void *), void *arg, int cpu,
					  const char *comm, int pid, struct mm_struct *mm);

/* arch */
struct task_struct *__switch_to_asm(struct task_struct *prev, struct task_struct *next);
void ret_from_fork(void);
void schedule_tail(struct task_struct *prev);

#endif /* _LINUX_SCHED_H */
