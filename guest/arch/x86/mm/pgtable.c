// SPDX-License-Identifier: GPL-2.0
/*
 * Process page tables: each gets the kernel half of init_top_pgt at creation and joins
 * pgd_list, which sync_global_pgds() walks when the kernel adds a top-level entry.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <asm/pgalloc.h>

DEFINE_SPINLOCK(pgd_lock);
LIST_HEAD(pgd_list);

static void pgd_ctor(struct mm_struct *mm, pgd_t *pgd)
{
	memcpy(pgd + KERNEL_PGD_BOUNDARY, swapper_pg_dir + KERNEL_PGD_BOUNDARY,
	       KERNEL_PGD_PTRS * sizeof(pgd_t));
	list_add(&mm->pgd_list, &pgd_list);
}

pgd_t *pgd_alloc(struct mm_struct *mm)
{
	pgd_t *pgd = (pgd_t *)get_zeroed_page(GFP_KERNEL);

	if (!pgd)
		return NULL;
	spin_lock(&pgd_lock);
	pgd_ctor(mm, pgd);
	spin_unlock(&pgd_lock);
	return pgd;
}

void pgd_free(struct mm_struct *mm, pgd_t *pgd)
{
	spin_lock(&pgd_lock);
	list_del(&mm->pgd_list);
	spin_unlock(&pgd_lock);
	free_page((unsigned long)pgd);
}
