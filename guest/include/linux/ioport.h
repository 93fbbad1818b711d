/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_IOPORT_H
#define _LINUX_IOPORT_H

#include <linux/types.h>

struct resource {
	resource_size_t start;
	resource_size_t end;	/* inclusive */
	const char *name;
	unsigned long flags;
};

#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_SYSTEM_RAM	0x01000000

enum {
	REGION_DISJOINT = 0,
	REGION_INTERSECTS,
	REGION_MIXED,
};

static inline resource_size_t resource_size(const struct resource *res)
{
	return res->end - res->start + 1;
}

int region_intersects(resource_size_t start, size_t size, unsigned long flags, unsigned long desc);

#endif /* _LINUX_IOPORT_H */
