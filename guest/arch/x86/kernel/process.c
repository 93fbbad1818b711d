// SPDX-License-Identifier: GPL-2.0
/*
 * Context-switch tail, new-thread stacks, idle.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/irqflags.h>

struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next)
{
	this_cpu_write(current_task, next);
	return prev;
}

/*
 * The initial stack of a new kernel thread, as __switch_to_asm pops it: r15 r14 r13 r12 rbx rbp,
 * then the address __switch_to returns to (ret_from_fork). RBX = fn, R12 = arg, RBP = 0 ends the
 * frame-pointer chain. The padding keeps RSP 16-byte aligned at ret_from_fork's calls.
 */
void arch_setup_new_thread(struct task_struct *p, int (*fn)(void *), void *arg)
{
	unsigned long *sp = (unsigned long *)((char *)p->stack + THREAD_SIZE);

	*--sp = 0;				/* padding */
	*--sp = 0;				/* padding */
	*--sp = (unsigned long)ret_from_fork;
	*--sp = 0;				/* rbp */
	*--sp = (unsigned long)fn;		/* rbx */
	*--sp = (unsigned long)arg;		/* r12 */
	*--sp = 0;				/* r13 */
	*--sp = 0;				/* r14 */
	*--sp = 0;				/* r15 */
	p->thread.sp = (unsigned long)sp;
}

void arch_cpu_idle(void)
{
	safe_halt();	/* sti; hlt: an interrupt ends the halt with IF = 1 */
}
