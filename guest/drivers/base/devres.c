// SPDX-License-Identifier: GPL-2.0
/*
 * Device-managed resources, reduced to release actions: devm_add_action() records one,
 * devres_release_all() (driver unbind) runs them newest first.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/device.h>

struct devres {
	struct list_head node;
	void (*action)(void *);
	void *data;
	bool used;
};

#define MAX_DEVRES 32
static struct devres devres_pool[MAX_DEVRES];

int devm_add_action(struct device *dev, void (*action)(void *), void *data)
{
	int i;

	if (!dev->devres_init) {
		INIT_LIST_HEAD(&dev->devres_head);
		dev->devres_init = true;
	}
	for (i = 0; i < MAX_DEVRES; i++) {
		struct devres *dr = &devres_pool[i];

		if (dr->used)
			continue;
		dr->used = true;
		dr->action = action;
		dr->data = data;
		list_add(&dr->node, &dev->devres_head);
		return 0;
	}
	return -ENOMEM;
}

void devres_release_all(struct device *dev)
{
	if (!dev->devres_init)
		return;
	while (!list_empty(&dev->devres_head)) {
		struct devres *dr = list_first_entry(&dev->devres_head, struct devres, node);

		list_del(&dr->node);
		dr->action(dr->data);
		dr->used = false;
	}
}
