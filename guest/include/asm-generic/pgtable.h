/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic page-table helpers that the 2018 series ("x86/mm: Drop usage of __flush_tlb_all() in
 * kernel_physical_mapping_init()") touches:
 *
 *  - {pmd,pud}_same(): in 4.19 only with CONFIG_TRANSPARENT_HUGEPAGE (off here); the series makes
 *    them unconditional and adds {p4d,pgd}_same() (v2 and upstream).
 *  - set_{pte,pmd,pud,p4d,pgd}_safe(): "this store only populates". They are macros, so a
 *    warning reports the file and line of the caller, as in Linux.
 *      v1:           warn when the old entry is present at all
 *      v2, upstream: warn when a present entry would change (identical rewrites are fine: a
 *                    translation that does not change needs no TLB invalidation)
 *  - the v4.19 image has none of these: its mapping code uses set_*() and flushes instead.
 */
#ifndef _ASM_GENERIC_PGTABLE_H
#define _ASM_GENERIC_PGTABLE_H

#include <linux/bug.h>

#ifdef TLBEMU_SAFE_HELPERS

#ifndef TLBEMU_SAFE_WARN_ANY_PRESENT
static inline int pmd_same(pmd_t pmd_a, pmd_t pmd_b)
{
	return pmd_val(pmd_a) == pmd_val(pmd_b);
}

static inline int pud_same(pud_t pud_a, pud_t pud_b)
{
	return pud_val(pud_a) == pud_val(pud_b);
}

static inline int p4d_same(p4d_t p4d_a, p4d_t p4d_b)
{
	return p4d_val(p4d_a) == p4d_val(p4d_b);
}

static inline int pgd_same(pgd_t pgd_a, pgd_t pgd_b)
{
	return pgd_val(pgd_a) == pgd_val(pgd_b);
}

#define __safe_store_changes(present, same, old, new) \
	(present(old) && !same(old, new))
#else
/* v1: any present old entry is reported, even one rewritten with its own value */
#define __safe_store_changes(present, same, old, new) \
	((void)(new), present(old))
#endif

#define set_pte_safe(ptep, pte) \
({ \
	WARN_ON_ONCE(__safe_store_changes(pte_present, pte_same, *(ptep), (pte))); \
	set_pte(ptep, pte); \
})

#define set_pmd_safe(pmdp, pmd) \
({ \
	WARN_ON_ONCE(__safe_store_changes(pmd_present, pmd_same, *(pmdp), (pmd))); \
	set_pmd(pmdp, pmd); \
})

#define set_pud_safe(pudp, pud) \
({ \
	WARN_ON_ONCE(__safe_store_changes(pud_present, pud_same, *(pudp), (pud))); \
	set_pud(pudp, pud); \
})

#define set_p4d_safe(p4dp, p4d) \
({ \
	WARN_ON_ONCE(__safe_store_changes(p4d_present, p4d_same, *(p4dp), (p4d))); \
	set_p4d(p4dp, p4d); \
})

#define set_pgd_safe(pgdp, pgd) \
({ \
	WARN_ON_ONCE(__safe_store_changes(pgd_present, pgd_same, *(pgdp), (pgd))); \
	set_pgd(pgdp, pgd); \
})

#endif /* TLBEMU_SAFE_HELPERS */

#endif /* _ASM_GENERIC_PGTABLE_H */
