// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent-memory driver, the part of drivers/nvdimm/pmem.c on the seed's path:
 * nd_pmem_probe() -> pmem_attach_disk() -> devm_memremap_pages() maps the namespace into the
 * direct map (ZONE_DEVICE, as in fsdax mode). Unbinding (nd_pmem_remove()) releases the device's
 * resources, which removes the mapping again. It runs in the context of the process that asked
 * for it (ndctl in the seed): preemptible, interrupts on.
 */
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/string.h>
#include <linux/device.h>
#include <linux/memremap.h>
#include <linux/memory_hotplug.h>
#include "nd.h"

#define MAX_PMEM 8
static struct pmem_device pmem_devices[MAX_PMEM];

static noinline __noclone int pmem_attach_disk(struct device *dev, struct nd_namespace_common *ndns)
{
	struct nd_namespace_io *nsio = to_nd_namespace_io(&ndns->dev);
	struct pmem_device *pmem = NULL;
	void *addr;
	int i;

	for (i = 0; i < MAX_PMEM; i++) {
		if (!pmem_devices[i].dev) {
			pmem = &pmem_devices[i];
			break;
		}
	}
	if (!pmem)
		return -ENOMEM;

	memset(pmem, 0, sizeof(*pmem));
	pmem->phys_addr = nsio->res.start;
	pmem->size = resource_size(&nsio->res);
	memcpy(&pmem->pgmap.res, &nsio->res, sizeof(pmem->pgmap.res));
	pmem->pgmap.altmap_valid = false;
	pmem->pgmap.type = MEMORY_DEVICE_FS_DAX;

	addr = devm_memremap_pages(dev, &pmem->pgmap);
	if (IS_ERR(addr))
		return (int)PTR_ERR(addr);

	pmem->dev = dev;
	pmem->virt_addr = addr;
	ndns->pmem = pmem;
	dev_info(dev, "[mem %#010llx-%#010llx] mapped at %px (%lu MiB)\n",
		 (unsigned long long)pmem->phys_addr,
		 (unsigned long long)(pmem->phys_addr + pmem->size - 1), addr,
		 (unsigned long)(pmem->size >> 20));
	return 0;
}

noinline __noclone int nd_pmem_probe(struct device *dev)
{
	struct nd_namespace_common *ndns = to_ndns(dev);

	return pmem_attach_disk(dev, ndns);
}

noinline __noclone void nd_pmem_remove(struct device *dev)
{
	struct nd_namespace_common *ndns = to_ndns(dev);

	devres_release_all(dev);
	if (ndns->pmem) {
		dev_info(dev, "released [mem %#010llx-%#010llx]\n",
			 (unsigned long long)ndns->pmem->phys_addr,
			 (unsigned long long)(ndns->pmem->phys_addr + ndns->pmem->size - 1));
		ndns->pmem->dev = NULL;
		ndns->pmem = NULL;
	}
}
