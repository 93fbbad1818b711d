/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __ND_H__
#define __ND_H__

#include <linux/types.h>
#include <linux/device.h>
#include <linux/ioport.h>
#include <linux/memremap.h>

struct pmem_device {
	phys_addr_t		phys_addr;
	size_t			size;
	void			*virt_addr;
	struct device		*dev;
	struct dev_pagemap	pgmap;
};

/* a namespace: the device the driver binds to, and its physical range */
struct nd_namespace_common {
	struct device		dev;
	struct pmem_device	*pmem;
};

struct nd_namespace_io {
	struct nd_namespace_common common;
	struct resource		res;
};

#define to_ndns(d)		container_of(d, struct nd_namespace_common, dev)
#define to_nd_namespace_io(d)	container_of(to_ndns(d), struct nd_namespace_io, common)

int nd_pmem_probe(struct device *dev);
void nd_pmem_remove(struct device *dev);

#endif /* __ND_H__ */
