/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H

#include <linux/compiler.h>

/* kernel/params.c: the boot command line, already copied out of the boot-info block */
bool cmdline_has_flag(const char *name);
const char *cmdline_get_value(const char *name, const char *prev_value);
void parse_early_params(void);
void check_unknown_params(const char *const *known, int nr_known);
void printk_setup(void);

void start_kernel(void);

#endif /* _LINUX_INIT_H */
