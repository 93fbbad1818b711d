/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/types.h>
#include <linux/mm_types.h>
#include <asm/page.h>
#include <asm/pgtable.h>

#define __GFP_ZERO	0x100u
#define GFP_KERNEL	0x0u
#define GFP_ATOMIC	0x1u

unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
unsigned long get_zeroed_page(gfp_t gfp);
void free_pages(unsigned long addr, unsigned int order);
#define __get_free_page(gfp)	__get_free_pages((gfp), 0)
#define free_page(addr)		free_pages((addr), 0)

/* boot memory: free e820 RAM above the kernel image, handed out bottom-up */
void memblock_init(void);
phys_addr_t memblock_alloc_page(void);
void mem_init(void);

struct page_alloc_stats {
	unsigned long boot_pages;	/* pages taken before mem_init() */
	unsigned long allocated;
	unsigned long freed;
	unsigned long free_list;	/* freed pages waiting for reuse */
	unsigned long remaining;	/* never-used pages left */
};
void page_alloc_get_stats(struct page_alloc_stats *st);

extern unsigned long max_pfn, max_low_pfn, max_pfn_mapped;
extern void *high_memory;
extern int after_bootmem;

#endif /* _LINUX_MM_H */
