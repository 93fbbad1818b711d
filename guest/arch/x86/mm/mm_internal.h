/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __X86_MM_INTERNAL_H
#define __X86_MM_INTERNAL_H

#include <linux/types.h>
#include <asm/pgtable_types.h>

void *alloc_low_pages(unsigned int num);
static inline void *alloc_low_page(void)
{
	return alloc_low_pages(1);
}

unsigned long kernel_physical_mapping_init(unsigned long start, unsigned long end,
					   unsigned long page_size_mask);
#ifdef TLBEMU_INIT_THREADING
unsigned long kernel_physical_mapping_change(unsigned long start, unsigned long end,
					     unsigned long page_size_mask);
#endif
unsigned long init_memory_mapping(unsigned long start, unsigned long end);

extern int after_bootmem;
extern unsigned long mmu_cr4_features;

/* page-table pages handed out / given back by the mapping code (summary, ptdump) */
extern unsigned long pgtable_pages_allocated;
extern unsigned long pgtable_pages_freed;

/*
 * TEST-ONLY knobs of the tlbemu workloads (tlbemu/workload.c); both are false in a normal run.
 *
 * tlbemu_remap_rewrite: the mapping code keeps entries that are already present (phys_pte_init()
 * skips them, phys_pmd_init()/phys_pud_init() keep large pages the mask allows), so mapping a
 * range twice writes nothing. With this set, those three places fall through to the store the
 * code would make for an empty entry - which, over an unchanged mapping, is the identical value.
 * It exercises the helpers' contract: v1's check reports it, v2's accepts it.
 */
extern bool tlbemu_remap_rewrite;
extern unsigned long tlbemu_remap_rewrites;

#endif /* __X86_MM_INTERNAL_H */
