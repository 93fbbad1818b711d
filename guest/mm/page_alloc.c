// SPDX-License-Identifier: GPL-2.0
/*
 * Page allocator: free e820 RAM above the kernel image, handed out bottom-up one page at a
 * time (so boot page tables sit just above the kernel, below 4 GiB, in the early direct map),
 * plus a LIFO list of freed pages that later allocations reuse first. Pages are zeroed with
 * rep stosq (clear_page) when asked.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <asm/e820.h>
#include <asm/sections.h>

#define MAX_FREE_RANGES 32

static struct {
	phys_addr_t start;
	phys_addr_t end;
} ranges[MAX_FREE_RANGES];
static int nr_ranges;
static int cur_range;
static phys_addr_t cur_pa;

static unsigned long free_list;		/* direct-map address of the first freed page, or 0 */
static struct page_alloc_stats stats;
static DEFINE_SPINLOCK(page_alloc_lock);

void __init memblock_init(void)
{
	phys_addr_t kernel_end = ALIGN(__pa_symbol(_end), PAGE_SIZE);
	unsigned int i;

	for (i = 0; i < e820_table.nr_entries && nr_ranges < MAX_FREE_RANGES; i++) {
		struct e820_entry *e = &e820_table.entries[i];
		phys_addr_t start = ALIGN(e->addr, PAGE_SIZE);
		phys_addr_t end = (e->addr + e->size) & PAGE_MASK;

		if (e->type != E820_TYPE_RAM)
			continue;
		if (start < kernel_end)
			start = kernel_end;
		if (start >= end)
			continue;
		ranges[nr_ranges].start = start;
		ranges[nr_ranges].end = end;
		stats.remaining += (end - start) >> PAGE_SHIFT;
		nr_ranges++;
	}
	cur_range = 0;
	cur_pa = nr_ranges ? ranges[0].start : 0;
	pr_info("Memory: %luK available above the kernel image (%#lx-%#lx)\n",
		stats.remaining << (PAGE_SHIFT - 10), (unsigned long)__pa_symbol(_text),
		(unsigned long)kernel_end - 1);
}

static phys_addr_t take_fresh_page(void)
{
	while (cur_range < nr_ranges) {
		if (cur_pa < ranges[cur_range].end) {
			phys_addr_t pa = cur_pa;

			cur_pa += PAGE_SIZE;
			stats.remaining--;
			return pa;
		}
		cur_range++;
		if (cur_range < nr_ranges)
			cur_pa = ranges[cur_range].start;
	}
	return 0;
}

/* boot time: the next never-used page (0 when out of memory) */
phys_addr_t memblock_alloc_page(void)
{
	phys_addr_t pa = take_fresh_page();

	if (pa)
		stats.boot_pages++;
	return pa;
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	unsigned long flags, addr = 0;

	if (order != 0)
		panic("__get_free_pages: order %u not supported", order);

	spin_lock_irqsave(&page_alloc_lock, flags);
	if (free_list) {
		addr = free_list;
		free_list = *(unsigned long *)addr;
		stats.free_list--;
	} else {
		phys_addr_t pa = take_fresh_page();

		if (pa)
			addr = (unsigned long)__va(pa);
	}
	if (addr)
		stats.allocated++;
	spin_unlock_irqrestore(&page_alloc_lock, flags);

	if (addr && (gfp & __GFP_ZERO))
		clear_page((void *)addr);
	return addr;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

void free_pages(unsigned long addr, unsigned int order)
{
	unsigned long flags, i;

	if (!addr)
		return;
	spin_lock_irqsave(&page_alloc_lock, flags);
	for (i = 0; i < (1UL << order); i++) {
		unsigned long page = addr + i * PAGE_SIZE;

		*(unsigned long *)page = free_list;
		free_list = page;
		stats.free_list++;
		stats.freed++;
	}
	spin_unlock_irqrestore(&page_alloc_lock, flags);
}

void page_alloc_get_stats(struct page_alloc_stats *st)
{
	*st = stats;
}

void __init mem_init(void)
{
	after_bootmem = 1;
	pr_info("Memory: %lu pages used at boot (page tables), %luK free\n", stats.boot_pages,
		stats.remaining << (PAGE_SHIFT - 10));
}
