// SPDX-License-Identifier: GPL-2.0
/*
 * devm_memremap_pages(): map device memory (here: persistent memory) as ZONE_DEVICE pages in
 * the direct map, as Linux 4.19's kernel/memremap.c does: the range is widened to whole memory
 * sections, must not overlap another device pagemap or System RAM, and is added through
 * arch_add_memory() under mem_hotplug_begin(), in the caller's (preemptible) context. The
 * release action (a devres action of the device) removes it through arch_remove_memory().
 */
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/pfn.h>
#include <linux/device.h>
#include <linux/memremap.h>
#include <linux/memory_hotplug.h>
#include <asm/page.h>

#define MAX_PGMAPS 16
static struct dev_pagemap *pgmaps[MAX_PGMAPS];
static DEFINE_MUTEX(pgmap_lock);

static void pgmap_range(const struct dev_pagemap *pgmap, resource_size_t *start,
			resource_size_t *size)
{
	const struct resource *res = &pgmap->res;

	*start = res->start & ~(SECTION_SIZE - 1);
	*size = ALIGN(res->start + resource_size(res), SECTION_SIZE) - *start;
}

struct dev_pagemap *get_dev_pagemap(unsigned long pfn, struct dev_pagemap *pgmap)
{
	phys_addr_t phys = PFN_PHYS(pfn);
	int i;

	(void)pgmap;
	for (i = 0; i < MAX_PGMAPS; i++) {
		resource_size_t start, size;

		if (!pgmaps[i])
			continue;
		pgmap_range(pgmaps[i], &start, &size);
		if (phys >= start && phys < start + size)
			return pgmaps[i];
	}
	return NULL;
}

static int pgmap_register(struct dev_pagemap *pgmap)
{
	int i, ret = -ENOMEM;

	mutex_lock(&pgmap_lock);
	for (i = 0; i < MAX_PGMAPS; i++) {
		if (!pgmaps[i]) {
			pgmaps[i] = pgmap;
			ret = 0;
			break;
		}
	}
	mutex_unlock(&pgmap_lock);
	return ret;
}

static void pgmap_radix_release(struct dev_pagemap *pgmap)
{
	int i;

	mutex_lock(&pgmap_lock);
	for (i = 0; i < MAX_PGMAPS; i++)
		if (pgmaps[i] == pgmap)
			pgmaps[i] = NULL;
	mutex_unlock(&pgmap_lock);
}

static noinline __noclone void devm_memremap_pages_release(void *data)
{
	struct dev_pagemap *pgmap = data;
	resource_size_t align_start, align_size;

	pgmap_range(pgmap, &align_start, &align_size);

	mem_hotplug_begin();
	arch_remove_memory(align_start, align_size, pgmap->altmap_valid ? &pgmap->altmap : NULL);
	mem_hotplug_done();

	pgmap_radix_release(pgmap);
	pgmap->active = false;
}

/**
 * devm_memremap_pages - map a device range into the direct map as ZONE_DEVICE memory
 * @dev: the device that owns the range (its unbind releases it)
 * @pgmap: the range (pgmap->res) and its options
 *
 * Returns the direct-map address of res->start, or an ERR_PTR.
 */
noinline __noclone void *devm_memremap_pages(struct device *dev, struct dev_pagemap *pgmap)
{
	resource_size_t align_start, align_size, align_end;
	struct vmem_altmap *altmap = pgmap->altmap_valid ? &pgmap->altmap : NULL;
	struct resource *res = &pgmap->res;
	struct dev_pagemap *conflict_pgmap;
	int error, nid, is_ram;

	pgmap_range(pgmap, &align_start, &align_size);
	align_end = align_start + align_size - 1;

	conflict_pgmap = get_dev_pagemap(PHYS_PFN(align_start), NULL);
	if (conflict_pgmap) {
		WARN(1, "%s: Conflicting mapping in same section\n", dev_name(dev));
		return ERR_PTR(-ENOMEM);
	}

	conflict_pgmap = get_dev_pagemap(PHYS_PFN(align_end), NULL);
	if (conflict_pgmap) {
		WARN(1, "%s: Conflicting mapping in same section\n", dev_name(dev));
		return ERR_PTR(-ENOMEM);
	}

	is_ram = region_intersects(align_start, align_size, IORESOURCE_SYSTEM_RAM, 0);
	if (is_ram != REGION_DISJOINT) {
		WARN_ONCE(1, "%s attempted on %s region [mem %#010llx-%#010llx]\n", __func__,
			  is_ram == REGION_MIXED ? "mixed" : "ram", res->start, res->end);
		return ERR_PTR(-ENXIO);
	}

	pgmap->dev = dev;
	error = pgmap_register(pgmap);
	if (error)
		return ERR_PTR(error);

	nid = 0;
	mem_hotplug_begin();
	error = arch_add_memory(nid, align_start, align_size, altmap, false);
	mem_hotplug_done();
	if (error) {
		pgmap_radix_release(pgmap);
		return ERR_PTR(error);
	}

	pgmap->active = true;
	devm_add_action(dev, devm_memremap_pages_release, pgmap);
	return __va(res->start);
}
