/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PAGE_H
#define _ASM_X86_PAGE_H

#include <linux/types.h>
#include <asm/page_types.h>

extern unsigned long page_offset_base;
extern unsigned long phys_base;

#define __PAGE_OFFSET		page_offset_base
#define PAGE_OFFSET		((unsigned long)__PAGE_OFFSET)

/* kernel-image addresses and direct-map addresses both translate (arch/x86/mm/physaddr.c) */
static inline unsigned long __phys_addr(unsigned long x)
{
	if (x >= __START_KERNEL_map)
		return x - __START_KERNEL_map + phys_base;
	return x - PAGE_OFFSET;
}

#define __pa(x)			__phys_addr((unsigned long)(x))
#define __pa_symbol(x)		((unsigned long)(x) - __START_KERNEL_map + phys_base)
#define __va(x)			((void *)((unsigned long)(x) + PAGE_OFFSET))

/*
 * There is no mem_map in this kernel: a struct page pointer is the direct-map address of the
 * page it describes (enough for the page-table code's pmd_page()/free_pagetable()).
 */
struct page;
#define virt_to_page(kaddr)	((struct page *)(((unsigned long)(kaddr)) & PAGE_MASK))
#define page_address(page)	((void *)(page))
#define pfn_to_page(pfn)	((struct page *)__va((unsigned long)(pfn) << PAGE_SHIFT))
#define page_to_pfn(page)	(__pa(page) >> PAGE_SHIFT)

void clear_page(void *page);
void copy_page(void *to, void *from);

static inline int get_order(unsigned long size)
{
	int order = 0;

	size = (size - 1) >> PAGE_SHIFT;
	while (size) {
		order++;
		size >>= 1;
	}
	return order;
}

#endif /* _ASM_X86_PAGE_H */
