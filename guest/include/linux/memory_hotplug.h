/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MEMORY_HOTPLUG_H
#define _LINUX_MEMORY_HOTPLUG_H

#include <linux/types.h>

#define SECTION_SIZE_BITS	27	/* 128 MiB memory sections (x86-64) */
#define SECTION_SIZE		(1UL << SECTION_SIZE_BITS)
#define PAGES_PER_SECTION	(SECTION_SIZE >> 12)

struct vmem_altmap {
	unsigned long base_pfn;
	unsigned long reserve;
	unsigned long free;
	unsigned long align;
	unsigned long alloc;
};

struct zone {
	const char *name;
	unsigned long present_pages;
};

int arch_add_memory(int nid, u64 start, u64 size, struct vmem_altmap *altmap, bool want_memblock);
int arch_remove_memory(u64 start, u64 size, struct vmem_altmap *altmap);
int add_pages(int nid, unsigned long start_pfn, unsigned long nr_pages,
	      struct vmem_altmap *altmap, bool want_memblock);
int __add_pages(int nid, unsigned long start_pfn, unsigned long nr_pages,
		struct vmem_altmap *altmap, bool want_memblock);
int __remove_pages(struct zone *zone, unsigned long start_pfn, unsigned long nr_pages,
		   struct vmem_altmap *altmap);
void mem_hotplug_begin(void);
void mem_hotplug_done(void);
bool pfn_section_online(unsigned long pfn);

extern struct zone zone_device;

#endif /* _LINUX_MEMORY_HOTPLUG_H */
