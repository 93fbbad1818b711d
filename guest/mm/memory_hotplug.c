// SPDX-License-Identifier: GPL-2.0
/*
 * Memory hotplug bookkeeping: memory sections (128 MiB) come online in __add_pages() and go
 * away in __remove_pages(). There is no memmap (struct page array) in this kernel, so a
 * section is one bit. mem_hotplug_begin()/done() serialize hotplug as Linux's
 * mem_hotplug_lock does, without disabling preemption.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/memory_hotplug.h>
#include <asm/page.h>

#define MAX_PHYSMEM_BITS	46
#define NR_MEM_SECTIONS		(1UL << (MAX_PHYSMEM_BITS - SECTION_SIZE_BITS))

static unsigned long section_online[NR_MEM_SECTIONS / (8 * sizeof(unsigned long))];
static DEFINE_MUTEX(mem_hotplug_lock);
struct zone zone_device = { .name = "Device" };
unsigned long sections_added, sections_removed;

static unsigned long pfn_to_section_nr(unsigned long pfn)
{
	return pfn >> (SECTION_SIZE_BITS - PAGE_SHIFT);
}

static bool section_test(unsigned long nr)
{
	return (section_online[nr / 64] >> (nr % 64)) & 1;
}

bool pfn_section_online(unsigned long pfn)
{
	unsigned long nr = pfn_to_section_nr(pfn);

	return nr < NR_MEM_SECTIONS && section_test(nr);
}

void mem_hotplug_begin(void)
{
	mutex_lock(&mem_hotplug_lock);
}

void mem_hotplug_done(void)
{
	mutex_unlock(&mem_hotplug_lock);
}

static int __add_section(int nid, unsigned long nr)
{
	(void)nid;
	if (nr >= NR_MEM_SECTIONS)
		return -ERANGE;
	if (section_test(nr))
		return -EEXIST;
	section_online[nr / 64] |= 1UL << (nr % 64);
	sections_added++;
	return 0;
}

int __add_pages(int nid, unsigned long phys_start_pfn, unsigned long nr_pages,
		struct vmem_altmap *altmap, bool want_memblock)
{
	unsigned long i, start_sec, end_sec;
	int err = 0;

	(void)altmap;
	(void)want_memblock;
	start_sec = pfn_to_section_nr(phys_start_pfn);
	end_sec = pfn_to_section_nr(phys_start_pfn + nr_pages - 1);
	for (i = start_sec; i <= end_sec; i++) {
		err = __add_section(nid, i);
		/* an existing section is dealt with by the resource collision check */
		if (err && err != -EEXIST)
			break;
		err = 0;
	}
	zone_device.present_pages += nr_pages;
	return err;
}

int __remove_pages(struct zone *zone, unsigned long phys_start_pfn, unsigned long nr_pages,
		   struct vmem_altmap *altmap)
{
	unsigned long i, start_sec, end_sec;
	int ret = 0;

	(void)altmap;
	start_sec = pfn_to_section_nr(phys_start_pfn);
	end_sec = pfn_to_section_nr(phys_start_pfn + nr_pages - 1);
	for (i = start_sec; i <= end_sec; i++) {
		if (i >= NR_MEM_SECTIONS || !section_test(i)) {
			ret = -EINVAL;
			continue;
		}
		section_online[i / 64] &= ~(1UL << (i % 64));
		sections_removed++;
	}
	zone->present_pages -= nr_pages;
	return ret;
}
