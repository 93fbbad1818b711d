// SPDX-License-Identifier: GPL-2.0
/*
 * flush_tlb_all(): every CPU flushes its whole TLB, global entries included. The initiator
 * sends the call-function IPI to all other online CPUs and runs the same function locally;
 * each runs __flush_tlb_all() with interrupts off (IPI handler, or on_each_cpu()'s
 * local_irq_save()), so the preemption check there never fires.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <asm/page.h>
#include <asm/tlbflush.h>

DEFINE_PER_CPU(struct tlb_state, cpu_tlbstate);
DEFINE_PER_CPU(unsigned long [NR_TLB_EVENTS], tlb_events);

static void do_flush_tlb_all(void *info)
{
	(void)info;
	count_vm_tlb_event(NR_TLB_REMOTE_FLUSH_RECEIVED);
	__flush_tlb_all();
}

noinline __noclone void flush_tlb_all(void)
{
	count_vm_tlb_event(NR_TLB_REMOTE_FLUSH);
	on_each_cpu(do_flush_tlb_all, NULL, 1);
}

static void do_kernel_range_flush(void *info)
{
	unsigned long *range = info;
	unsigned long addr;

	for (addr = range[0]; addr < range[1]; addr += PAGE_SIZE)
		__flush_tlb_one_kernel(addr);
}

/* INVLPG each page on every CPU, or everything when the range is large */
void flush_tlb_kernel_range(unsigned long start, unsigned long end)
{
	unsigned long range[2] = { start & PAGE_MASK, end };

	if (end - start > 33 * PAGE_SIZE) {
		flush_tlb_all();
		return;
	}
	on_each_cpu(do_kernel_range_flush, range, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* address-space switches (no PCID: a CR3 write drops the non-global entries)                 */

#include <linux/mm_types.h>
#include <linux/sched.h>
#include <asm/mmu_context.h>

void load_cr3(void *pgd)
{
	native_write_cr3(__pa(pgd));
}

void switch_mm_irqs_off(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk)
{
	(void)prev;
	(void)tsk;
	if (this_cpu_read(cpu_tlbstate.loaded_mm) == next)
		return;
	load_cr3(next->pgd);
	this_cpu_write(cpu_tlbstate.loaded_mm, next);
}
