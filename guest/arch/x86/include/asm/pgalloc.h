/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table links: *_populate() write a next-level table's address with _PAGE_TABLE.
 * The *_populate_safe() forms (series variants) refuse to change a present link; they are
 * inline functions, so their warnings report this file, as in Linux (the 2019 SEV report reads
 * "WARNING: ... at arch/x86/include/asm/pgalloc.h:87 phys_pmd_init+...": the #line below keeps
 * pmd_populate_kernel_safe()'s check on that line).
 */
#ifndef _ASM_X86_PGALLOC_H
#define _ASM_X86_PGALLOC_H

#include <asm/page.h>
#include <asm/pgtable.h>

struct mm_struct;

pgd_t *pgd_alloc(struct mm_struct *mm);
void pgd_free(struct mm_struct *mm, pgd_t *pgd);

static inline void pmd_populate_kernel(struct mm_struct *mm, pmd_t *pmd, pte_t *pte)
{
	set_pmd(pmd, __pmd(__pa(pte) | _PAGE_TABLE));
}

static inline void pud_populate(struct mm_struct *mm, pud_t *pud, pmd_t *pmd)
{
	set_pud(pud, __pud(_PAGE_TABLE | __pa(pmd)));
}

static inline void p4d_populate(struct mm_struct *mm, p4d_t *p4d, pud_t *pud)
{
	set_p4d(p4d, __p4d(_PAGE_TABLE | __pa(pud)));
}

static inline void pgd_populate(struct mm_struct *mm, pgd_t *pgd, p4d_t *p4d)
{
	if (!pgtable_l5_enabled())
		return;
	set_pgd(pgd, __pgd(_PAGE_TABLE | __pa(p4d)));
}

#ifdef TLBEMU_SAFE_HELPERS
static inline void pmd_populate_kernel_safe(struct mm_struct *mm, pmd_t *pmd, pte_t *pte)
{
#line 87
	set_pmd_safe(pmd, __pmd(__pa(pte) | _PAGE_TABLE));
}

static inline void pud_populate_safe(struct mm_struct *mm, pud_t *pud, pmd_t *pmd)
{
	set_pud_safe(pud, __pud(_PAGE_TABLE | __pa(pmd)));
}

static inline void p4d_populate_safe(struct mm_struct *mm, p4d_t *p4d, pud_t *pud)
{
	set_p4d_safe(p4d, __p4d(_PAGE_TABLE | __pa(pud)));
}

static inline void pgd_populate_safe(struct mm_struct *mm, pgd_t *pgd, p4d_t *p4d)
{
	if (!pgtable_l5_enabled())
		return;
	set_pgd_safe(pgd, __pgd(_PAGE_TABLE | __pa(p4d)));
}
#endif /* TLBEMU_SAFE_HELPERS */

#endif /* _ASM_X86_PGALLOC_H */
