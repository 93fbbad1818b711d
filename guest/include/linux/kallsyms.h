/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_KALLSYMS_H
#define _LINUX_KALLSYMS_H

#include <linux/types.h>

#define KSYM_NAME_LEN		128
#define KSYM_SYMBOL_LEN		(KSYM_NAME_LEN + 48)

const char *kallsyms_lookup(unsigned long addr, unsigned long *symbolsize, unsigned long *offset);
int sprint_symbol(char *buffer, size_t size, unsigned long address);

#endif /* _LINUX_KALLSYMS_H */
