// SPDX-License-Identifier: GPL-2.0
/*
 * Direct-map setup, as arch/x86/mm/init.c of Linux 4.19: probe_page_size_mask(),
 * split_mem_range(), init_memory_mapping(), and the boot-time init_mem_mapping() that maps all
 * RAM through the same code (interrupts off) before switching CR3 to init_top_pgt.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <asm/e820.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/mmu_context.h>
#include "mm_internal.h"

int after_bootmem;
unsigned long mmu_cr4_features;
pteval_t __supported_pte_mask = ~0UL;
pteval_t __default_kernel_pte_mask = ~0UL;
unsigned long max_pfn, max_low_pfn;
void *high_memory;
unsigned long pgtable_pages_allocated;
unsigned long pgtable_pages_freed;

static int direct_gbpages = 1;	/* CONFIG_X86_DIRECT_GBPAGES; "nogbpages" clears it */
static unsigned long page_size_mask;

/*
 * Page-table pages: from the page allocator once it runs (after_bootmem), else from boot memory
 * that the current tables already map (below max_pfn_mapped), zeroed through the direct map.
 */
void *alloc_low_pages(unsigned int num)
{
	phys_addr_t pa;

	if (num != 1)
		panic("alloc_low_pages: %u pages requested, only single pages are supported", num);

	pgtable_pages_allocated++;
	if (after_bootmem)
		return (void *)__get_free_pages(GFP_ATOMIC | __GFP_ZERO, 0);

	pa = memblock_alloc_page();
	if (!pa || (pa >> PAGE_SHIFT) >= max_pfn_mapped)
		panic("alloc_low_pages: can not alloc memory");
	clear_page(__va(pa));
	return __va(pa);
}

static void cr4_set_bits_and_update_boot(unsigned long mask)
{
	mmu_cr4_features |= mask;
	cr4_set_bits(mask);
}

/* debug_pagealloc=on (mm/page_alloc.c early_debug_pagealloc): the direct map uses 4 KiB pages only */
static bool __init debug_pagealloc_enabled(void)
{
	const char *v = cmdline_get_value("debug_pagealloc", NULL);

	return v && (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "y"));
}

static noinline __noclone void __init probe_page_size_mask(void)
{
	/* 2 MiB pages whenever the CPU has PSE, unless debug-pagealloc wants 4 KiB ones */
	if (boot_cpu_has(X86_FEATURE_PSE) && !debug_pagealloc_enabled())
		page_size_mask |= 1 << PG_LEVEL_2M;
	else
		direct_gbpages = 0;

	if (boot_cpu_has(X86_FEATURE_PSE))
		cr4_set_bits_and_update_boot(X86_CR4_PSE);

	/* global kernel mappings once PGE is on */
	__supported_pte_mask &= ~_PAGE_GLOBAL;
	if (boot_cpu_has(X86_FEATURE_PGE)) {
		cr4_set_bits_and_update_boot(X86_CR4_PGE);
		__supported_pte_mask |= _PAGE_GLOBAL;
	}
	if (!boot_cpu_has(X86_FEATURE_NX))
		__supported_pte_mask &= ~_PAGE_NX;

	__default_kernel_pte_mask = __supported_pte_mask;

	if (direct_gbpages && boot_cpu_has(X86_FEATURE_GBPAGES)) {
		printk(KERN_INFO "Using GB pages for direct mapping\n");
		page_size_mask |= 1 << PG_LEVEL_1G;
	} else {
		direct_gbpages = 0;
	}
}

#define NR_RANGE_MR 5

struct map_range {
	unsigned long start;
	unsigned long end;
	unsigned page_size_mask;
};

static int __meminit save_mr(struct map_range *mr, int nr_range, unsigned long start_pfn,
			     unsigned long end_pfn, unsigned long page_size_mask)
{
	if (start_pfn < end_pfn) {
		if (nr_range >= NR_RANGE_MR)
			panic("run out of range for init_memory_mapping");
		mr[nr_range].start = start_pfn << PAGE_SHIFT;
		mr[nr_range].end = end_pfn << PAGE_SHIFT;
		mr[nr_range].page_size_mask = page_size_mask;
		nr_range++;
	}
	return nr_range;
}

/* at boot, a small piece may still use a big page if all RAM around it is RAM */
static void __ref adjust_range_page_size_mask(struct map_range *mr, int nr_range)
{
	int i;

	for (i = 0; i < nr_range; i++) {
		if ((page_size_mask & (1 << PG_LEVEL_2M)) &&
		    !(mr[i].page_size_mask & (1 << PG_LEVEL_2M))) {
			unsigned long start = round_down(mr[i].start, PMD_SIZE);
			unsigned long end = round_up(mr[i].end, PMD_SIZE);

			if (e820__mapped_all(start, end, E820_TYPE_RAM))
				mr[i].page_size_mask |= 1 << PG_LEVEL_2M;
		}
		if ((page_size_mask & (1 << PG_LEVEL_1G)) &&
		    !(mr[i].page_size_mask & (1 << PG_LEVEL_1G))) {
			unsigned long start = round_down(mr[i].start, PUD_SIZE);
			unsigned long end = round_up(mr[i].end, PUD_SIZE);

			if (e820__mapped_all(start, end, E820_TYPE_RAM))
				mr[i].page_size_mask |= 1 << PG_LEVEL_1G;
		}
	}
}

static const char *page_size_string(struct map_range *mr)
{
	if (mr->page_size_mask & (1 << PG_LEVEL_1G))
		return "1G";
	if (mr->page_size_mask & (1 << PG_LEVEL_2M))
		return "2M";
	return "4k";
}

/*
 * Cut [start, end) into at most five pieces, each with the biggest page size its alignment
 * allows: 4K head up to a 2M boundary, 2M up to a 1G boundary, 1G middle, 2M, 4K tail.
 */
static noinline __noclone int __meminit split_mem_range(struct map_range *mr, int nr_range,
					      unsigned long start, unsigned long end)
{
	unsigned long start_pfn, end_pfn, limit_pfn;
	unsigned long pfn;
	int i;

	limit_pfn = PFN_DOWN(end);

	/* head: up to the first 2M boundary */
	pfn = start_pfn = PFN_DOWN(start);
	end_pfn = round_up(pfn, PFN_DOWN(PMD_SIZE));
	if (end_pfn > limit_pfn)
		end_pfn = limit_pfn;
	if (start_pfn < end_pfn) {
		nr_range = save_mr(mr, nr_range, start_pfn, end_pfn, 0);
		pfn = end_pfn;
	}

	/* 2M pages up to the first 1G boundary */
	start_pfn = round_up(pfn, PFN_DOWN(PMD_SIZE));
	end_pfn = round_up(pfn, PFN_DOWN(PUD_SIZE));
	if (end_pfn > round_down(limit_pfn, PFN_DOWN(PMD_SIZE)))
		end_pfn = round_down(limit_pfn, PFN_DOWN(PMD_SIZE));
	if (start_pfn < end_pfn) {
		nr_range = save_mr(mr, nr_range, start_pfn, end_pfn,
				   page_size_mask & (1 << PG_LEVEL_2M));
		pfn = end_pfn;
	}

	/* 1G middle */
	start_pfn = round_up(pfn, PFN_DOWN(PUD_SIZE));
	end_pfn = round_down(limit_pfn, PFN_DOWN(PUD_SIZE));
	if (start_pfn < end_pfn) {
		nr_range = save_mr(mr, nr_range, start_pfn, end_pfn,
				   page_size_mask & ((1 << PG_LEVEL_2M) | (1 << PG_LEVEL_1G)));
		pfn = end_pfn;
	}

	/* 2M tail after the last 1G boundary */
	start_pfn = round_up(pfn, PFN_DOWN(PMD_SIZE));
	end_pfn = round_down(limit_pfn, PFN_DOWN(PMD_SIZE));
	if (start_pfn < end_pfn) {
		nr_range = save_mr(mr, nr_range, start_pfn, end_pfn,
				   page_size_mask & (1 << PG_LEVEL_2M));
		pfn = end_pfn;
	}

	/* 4K tail */
	start_pfn = pfn;
	end_pfn = limit_pfn;
	nr_range = save_mr(mr, nr_range, start_pfn, end_pfn, 0);

	if (!after_bootmem)
		adjust_range_page_size_mask(mr, nr_range);

	/* merge neighbours with the same page size */
	for (i = 0; nr_range > 1 && i < nr_range - 1; i++) {
		unsigned long old_start;

		if (mr[i].end != mr[i + 1].start ||
		    mr[i].page_size_mask != mr[i + 1].page_size_mask)
			continue;
		old_start = mr[i].start;
		memmove(&mr[i], &mr[i + 1], (nr_range - 1 - i) * sizeof(struct map_range));
		mr[i--].start = old_start;
		nr_range--;
	}

	for (i = 0; i < nr_range; i++)
		pr_debug(" [mem %#010lx-%#010lx] page %s\n", mr[i].start, mr[i].end - 1,
			 page_size_string(&mr[i]));

	return nr_range;
}

#define NR_PFN_MAPPED 64
static struct { unsigned long start, end; } pfn_mapped[NR_PFN_MAPPED];
static int nr_pfn_mapped;

static void add_pfn_range_mapped(unsigned long start_pfn, unsigned long end_pfn)
{
	int i;

	for (i = 0; i < nr_pfn_mapped; i++) {
		if (start_pfn <= pfn_mapped[i].end && end_pfn >= pfn_mapped[i].start) {
			pfn_mapped[i].start = min(pfn_mapped[i].start, start_pfn);
			pfn_mapped[i].end = max(pfn_mapped[i].end, end_pfn);
			goto out;
		}
	}
	if (nr_pfn_mapped < NR_PFN_MAPPED) {
		pfn_mapped[nr_pfn_mapped].start = start_pfn;
		pfn_mapped[nr_pfn_mapped].end = end_pfn;
		nr_pfn_mapped++;
	}
out:
	max_pfn_mapped = max(max_pfn_mapped, end_pfn);
}

/*
 * Map [start, end) into the direct map at PAGE_OFFSET. Returns the last pfn mapped.
 */
noinline __noclone unsigned long __ref init_memory_mapping(unsigned long start, unsigned long end)
{
	struct map_range mr[NR_RANGE_MR];
	unsigned long ret = 0;
	int nr_range, i;

	printk(KERN_INFO "init_memory_mapping: [mem %#010lx-%#010lx]\n", start, end - 1);

	memset(mr, 0, sizeof(mr));
	nr_range = split_mem_range(mr, 0, start, end);

	for (i = 0; i < nr_range; i++)
		ret = kernel_physical_mapping_init(mr[i].start, mr[i].end, mr[i].page_size_mask);

	add_pfn_range_mapped(start >> PAGE_SHIFT, ret >> PAGE_SHIFT);

	return ret >> PAGE_SHIFT;
}

/* map the RAM parts of [r_start, r_end) */
static unsigned long __init init_range_memory_mapping(unsigned long r_start, unsigned long r_end)
{
	unsigned long mapped_ram_size = 0;
	unsigned int i;

	for (i = 0; i < e820_table.nr_entries; i++) {
		struct e820_entry *e = &e820_table.entries[i];
		u64 start, end;

		if (e->type != E820_TYPE_RAM)
			continue;
		start = clamp_val(e->addr & PAGE_MASK, (u64)r_start, (u64)r_end);
		end = clamp_val((e->addr + e->size) & PAGE_MASK, (u64)r_start, (u64)r_end);
		if (start >= end)
			continue;
		init_memory_mapping(start, end);
		mapped_ram_size += end - start;
	}
	return mapped_ram_size;
}

static unsigned long __init get_new_step_size(unsigned long step_size)
{
	return step_size << (PMD_SHIFT - PAGE_SHIFT - 1);
}

/* page tables come from just above the kernel; map upwards in growing steps */
static void __init memory_map_bottom_up(unsigned long map_start, unsigned long map_end)
{
	unsigned long next, start;
	unsigned long mapped_ram_size = 0;
	unsigned long step_size = PMD_SIZE;

	start = map_start;
	while (start < map_end) {
		if (step_size && map_end - start > step_size) {
			next = round_up(start + 1, step_size);
			if (next > map_end)
				next = map_end;
		} else {
			next = map_end;
		}
		mapped_ram_size += init_range_memory_mapping(start, next);
		start = next;
		if (mapped_ram_size >= step_size)
			step_size = get_new_step_size(step_size);
	}
}

static void __init parse_direct_gbpages(void)
{
	if (cmdline_has_flag("nogbpages"))
		direct_gbpages = 0;
}

void __init init_mem_mapping(void)
{
	unsigned long end;

	parse_direct_gbpages();
	probe_page_size_mask();
	end = max_pfn << PAGE_SHIFT;

	/* the ISA range is always mapped regardless of memory holes */
	init_memory_mapping(0, ISA_END_ADDRESS);
	memory_map_bottom_up(ISA_END_ADDRESS, end);

	load_cr3(swapper_pg_dir);
	__flush_tlb_all();	/* interrupts are off: not preemptible */

	high_memory = __va(max_pfn << PAGE_SHIFT);
	pr_info("x86/mm: direct map of RAM up to %#lx at %#lx (%d-level paging), "
		"%lu page-table pages\n", max_pfn << PAGE_SHIFT, page_offset_base,
		pgtable_l5_enabled() ? 5 : 4, pgtable_pages_allocated);
}
