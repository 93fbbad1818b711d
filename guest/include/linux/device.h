/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_DEVICE_H
#define _LINUX_DEVICE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/printk.h>

struct device {
	const char		*name;
	struct list_head	devres_head;
	bool			devres_init;
};

int devm_add_action(struct device *dev, void (*action)(void *), void *data);
void devres_release_all(struct device *dev);

#define dev_name(dev)			((dev)->name)
#define dev_info(dev, fmt, ...)		printk(KERN_INFO "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)		printk(KERN_WARNING "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_err(dev, fmt, ...)		printk(KERN_ERR "%s: " fmt, dev_name(dev), ##__VA_ARGS__)

#endif /* _LINUX_DEVICE_H */
