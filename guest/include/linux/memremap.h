/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MEMREMAP_H
#define _LINUX_MEMREMAP_H

#include <linux/types.h>
#include <linux/ioport.h>
#include <linux/memory_hotplug.h>

struct device;

enum memory_type {
	MEMORY_DEVICE_PRIVATE = 1,
	MEMORY_DEVICE_PUBLIC,
	MEMORY_DEVICE_FS_DAX,
};

struct dev_pagemap {
	struct vmem_altmap	altmap;
	bool			altmap_valid;
	struct resource		res;
	struct device		*dev;
	enum memory_type	type;
	bool			active;
};

void *devm_memremap_pages(struct device *dev, struct dev_pagemap *pgmap);
struct dev_pagemap *get_dev_pagemap(unsigned long pfn, struct dev_pagemap *pgmap);

#endif /* _LINUX_MEMREMAP_H */
