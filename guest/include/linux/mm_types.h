/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MM_TYPES_H
#define _LINUX_MM_TYPES_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <asm/pgtable_types.h>

struct mm_struct {
	pgd_t			*pgd;
	spinlock_t		page_table_lock;
	struct list_head	pgd_list;	/* on pgd_list (arch/x86/mm/pgtable.c) unless init_mm */
	const char		*name;
};

extern struct mm_struct init_mm;

#endif /* _LINUX_MM_TYPES_H */
