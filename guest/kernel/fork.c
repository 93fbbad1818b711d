// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks: the boot CPU's idle task (init_task, "swapper/0"), kernel threads with a stack of
 * their own, and process address spaces (an mm with its own pgd holding the kernel half).
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <asm/pgalloc.h>

void arch_setup_new_thread(struct task_struct *p, int (*fn)(void *), void *arg);
void __noreturn machine_exit(int code);

struct task_struct init_task = {
	.state = TASK_RUNNING,
	.pid = 0,
	.comm = "swapper/0",
	.cpu = 0,
	.on_cpu = 1,
	.migrate_to = -1,
	.mm = &init_mm,
	.active_mm = &init_mm,
};

#define MAX_THREADS 4
static struct task_struct thread_tasks[MAX_THREADS];
static char thread_stacks[MAX_THREADS][THREAD_SIZE] __aligned(THREAD_SIZE)
	__section(".bss..page_aligned");
static int nr_threads;

#define MAX_MMS 4
static struct mm_struct mms[MAX_MMS];
static int nr_mms;

struct mm_struct *mm_alloc(const char *name)
{
	struct mm_struct *mm;

	if (nr_mms >= MAX_MMS)
		return NULL;
	mm = &mms[nr_mms++];
	spin_lock_init(&mm->page_table_lock);
	INIT_LIST_HEAD(&mm->pgd_list);
	mm->name = name;
	mm->pgd = pgd_alloc(mm);
	return mm->pgd ? mm : NULL;
}

struct task_struct *kthread_create_on_cpu(int (*fn)(void *), void *arg, int cpu,
					  const char *comm, int pid, struct mm_struct *mm)
{
	struct task_struct *p;

	if (nr_threads >= MAX_THREADS)
		return NULL;
	p = &thread_tasks[nr_threads];
	p->stack = thread_stacks[nr_threads];
	nr_threads++;

	p->state = TASK_RUNNING;
	p->pid = pid;
	strlcpy(p->comm, comm, sizeof(p->comm));
	p->cpu = cpu;
	p->on_cpu = 0;
	p->migrate_to = -1;
	p->mm = mm ? mm : &init_mm;
	p->active_mm = p->mm;
	INIT_LIST_HEAD(&p->run_list);
	arch_setup_new_thread(p, fn, arg);
	return p;
}

/* a thread function returned: nothing else runs in this kernel, so stop the machine */
void __noreturn do_task_dead(int code)
{
	pr_info("%s[%d]: exited with %d\n", current->comm, current->pid, code);
	machine_exit(code);
}
