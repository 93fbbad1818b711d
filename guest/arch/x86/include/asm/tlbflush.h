/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLB flushing, as in Linux 4.19's arch/x86/include/asm/tlbflush.h.
 *
 * __flush_tlb_all() flushes *this* CPU's TLB, global entries included. It is only meaningful
 * when the caller cannot migrate to another CPU halfway, hence VM_WARN_ON_ONCE(preemptible())
 * (CONFIG_DEBUG_VM), which must report ./arch/x86/include/asm/tlbflush.h:460 (see #line below).
 * It is a static function of this header, as in 4.19 where the compiler kept it out of line
 * ("__flush_tlb_all+0x1b/0x3a" in the report), so each object file that uses it has its own
 * copy: a local symbol __flush_tlb_all with its own __bug_table entry.
 *
 * flush_tlb_all() (arch/x86/mm/tlb.c) is the all-CPU version: an IPI to every other CPU and a
 * local call, each running __flush_tlb_all() with interrupts off.
 */
#ifndef _ASM_X86_TLBFLUSH_H
#define _ASM_X86_TLBFLUSH_H

#include <linux/types.h>
#include <linux/preempt.h>
#include <linux/bug.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/percpu.h>

struct mm_struct;

struct tlb_state {
	struct mm_struct *loaded_mm;
	u16 loaded_mm_asid;
	u16 next_asid;
	bool is_lazy;
	/* shadow of CR4: writes go through cr4_set_bits()/cr4_clear_bits() */
	unsigned long cr4;
};
DECLARE_PER_CPU(struct tlb_state, cpu_tlbstate);

/* per-CPU flush statistics (vmstat NR_TLB_* in Linux) */
enum tlb_event {
	NR_TLB_REMOTE_FLUSH,		/* flush_tlb_all() initiated */
	NR_TLB_REMOTE_FLUSH_RECEIVED,	/* do_flush_tlb_all() ran */
	NR_TLB_LOCAL_FLUSH_ALL,		/* __flush_tlb_all() ran */
	NR_TLB_FLUSH_INVPCID,		/* ... through INVPCID type 2 */
	NR_TLB_FLUSH_CR4_PGE,		/* ... through the CR4.PGE toggle */
	NR_TLB_FLUSH_CR3,		/* ... through a CR3 reload (no PGE) */
	NR_TLB_EVENTS
};
DECLARE_PER_CPU(unsigned long [NR_TLB_EVENTS], tlb_events);
#define count_vm_tlb_event(ev)	this_cpu_inc(tlb_events[ev])

static inline void cr4_init_shadow(void)
{
	this_cpu_write(cpu_tlbstate.cr4, __read_cr4());
}

static inline unsigned long cr4_read_shadow(void)
{
	return this_cpu_read(cpu_tlbstate.cr4);
}

static inline void __cr4_set(unsigned long cr4)
{
	this_cpu_write(cpu_tlbstate.cr4, cr4);
	native_write_cr4(cr4);
}

static inline void cr4_set_bits(unsigned long mask)
{
	unsigned long cr4, flags;

	local_irq_save(flags);
	cr4 = this_cpu_read(cpu_tlbstate.cr4);
	if ((cr4 | mask) != cr4)
		__cr4_set(cr4 | mask);
	local_irq_restore(flags);
}

static inline void cr4_clear_bits(unsigned long mask)
{
	unsigned long cr4, flags;

	local_irq_save(flags);
	cr4 = this_cpu_read(cpu_tlbstate.cr4);
	if ((cr4 & ~mask) != cr4)
		__cr4_set(cr4 & ~mask);
	local_irq_restore(flags);
}

#define INVPCID_TYPE_INDIV_ADDR		0
#define INVPCID_TYPE_SINGLE_CTXT	1
#define INVPCID_TYPE_ALL_INCL_GLOBAL	2
#define INVPCID_TYPE_ALL_NON_GLOBAL	3

static inline void __invpcid(unsigned long pcid, unsigned long addr, unsigned long type)
{
	struct { u64 d[2]; } desc = { { pcid, addr } };

	__asm__ __volatile__("invpcid %[desc], %[type]"
			     : : [desc] "m" (desc), [type] "r" (type) : "memory");
}

/* everything, global entries included, all PCIDs */
static inline void invpcid_flush_all(void)
{
	__invpcid(0, 0, INVPCID_TYPE_ALL_INCL_GLOBAL);
}

static inline void __native_flush_tlb(void)
{
	/* reading CR3 and writing it back must happen on one CPU */
	WARN_ON_ONCE(preemptible());
	count_vm_tlb_event(NR_TLB_FLUSH_CR3);
	native_write_cr3(__native_read_cr3());
}

static inline void __native_flush_tlb_global(void)
{
	unsigned long cr4, flags;

	if (static_cpu_has(X86_FEATURE_INVPCID)) {
		/* INVPCID type 2 flushes global entries too, with CR4.PCIDE 0 or 1 */
		count_vm_tlb_event(NR_TLB_FLUSH_INVPCID);
		invpcid_flush_all();
		return;
	}

	/*
	 * Read-modify-write of CR4 from the per-CPU shadow: protect it from interrupts.
	 * Clearing PGE drops every TLB entry, global ones included (SDM 4.10.4.1).
	 */
	raw_local_irq_save(flags);
	count_vm_tlb_event(NR_TLB_FLUSH_CR4_PGE);
	cr4 = this_cpu_read(cpu_tlbstate.cr4);
	native_write_cr4(cr4 ^ X86_CR4_PGE);	/* PGE changes: all entries go */
	native_write_cr4(cr4);			/* and back on */
	raw_local_irq_restore(flags);
}

#define __flush_tlb()		__native_flush_tlb()
#define __flush_tlb_global()	__native_flush_tlb_global()

static inline void __flush_tlb_one_kernel(unsigned long addr)
{
	__invlpg(addr);
}

/*
 * Flush everything on this CPU.
 */
static noinline __maybe_unused void __flush_tlb_all(void)
{
	/* a local flush from preemptible code may land on the wrong CPU */
#line 460
	VM_WARN_ON_ONCE(preemptible());

	count_vm_tlb_event(NR_TLB_LOCAL_FLUSH_ALL);
	if (boot_cpu_has(X86_FEATURE_PGE)) {
		__flush_tlb_global();
	} else {
		/* no global pages without PGE: a CR3 reload drops everything */
		__flush_tlb();
	}
}

#define TLB_FLUSH_ALL	-1UL

void flush_tlb_all(void);
void flush_tlb_kernel_range(unsigned long start, unsigned long end);

#endif /* _ASM_X86_TLBFLUSH_H */
