// SPDX-License-Identifier: GPL-2.0
/*
 * lookup_address(): the leaf entry mapping a kernel address and its level; page counts of the
 * direct map per page size (DirectMap4k/2M/1G).
 */
#include <linux/kernel.h>
#include <asm/pgtable.h>

unsigned long direct_pages_count[PG_LEVEL_NUM];

void update_page_count(int level, long pages)
{
	direct_pages_count[level] += pages;
}

unsigned long page_level_size(enum pg_level level)
{
	return 1UL << (PAGE_SHIFT + 9 * (level - 1));
}

unsigned long page_level_mask(enum pg_level level)
{
	return ~(page_level_size(level) - 1);
}

pte_t *lookup_address_in_pgd(pgd_t *pgd, unsigned long address, unsigned int *level)
{
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	*level = PG_LEVEL_NONE;

	if (pgd_none(*pgd))
		return NULL;

	p4d = p4d_offset(pgd, address);
	if (p4d_none(*p4d))
		return NULL;

	*level = PG_LEVEL_512G;
	if (p4d_large(*p4d) || !p4d_present(*p4d))
		return (pte_t *)p4d;

	pud = pud_offset(p4d, address);
	if (pud_none(*pud))
		return NULL;

	*level = PG_LEVEL_1G;
	if (pud_large(*pud) || !pud_present(*pud))
		return (pte_t *)pud;

	pmd = pmd_offset(pud, address);
	if (pmd_none(*pmd))
		return NULL;

	*level = PG_LEVEL_2M;
	if (pmd_large(*pmd) || !pmd_present(*pmd))
		return (pte_t *)pmd;

	*level = PG_LEVEL_4K;

	return pte_offset_kernel(pmd, address);
}

pte_t *lookup_address(unsigned long address, unsigned int *level)
{
	return lookup_address_in_pgd(pgd_offset_k(address), address, level);
}
