/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PGTABLE_64_H
#define _ASM_X86_PGTABLE_64_H

#include <linux/compiler.h>
#include <asm/pgtable_types.h>

extern pgd_t init_top_pgt[];
#define swapper_pg_dir init_top_pgt

/* entry stores are single aligned 64-bit writes (WRITE_ONCE), as native_set_*() */
static inline void native_set_pte(pte_t *ptep, pte_t pte) { WRITE_ONCE(*ptep, pte); }
static inline void native_set_pmd(pmd_t *pmdp, pmd_t pmd) { WRITE_ONCE(*pmdp, pmd); }
static inline void native_set_pud(pud_t *pudp, pud_t pud) { WRITE_ONCE(*pudp, pud); }
static inline void native_set_p4d(p4d_t *p4dp, p4d_t p4d) { WRITE_ONCE(*p4dp, p4d); }
static inline void native_set_pgd(pgd_t *pgdp, pgd_t pgd) { WRITE_ONCE(*pgdp, pgd); }

#define set_pte(ptep, pte)	native_set_pte(ptep, pte)
#define set_pte_atomic(ptep, pte) native_set_pte(ptep, pte)
#define set_pmd(pmdp, pmd)	native_set_pmd(pmdp, pmd)
#define set_pud(pudp, pud)	native_set_pud(pudp, pud)
#define set_p4d(p4dp, p4d)	native_set_p4d(p4dp, p4d)

/* with the p4d level folded into the pgd, a pgd "entry" is only written through set_p4d() */
static inline void set_pgd(pgd_t *pgdp, pgd_t pgd)
{
	if (!pgtable_l5_enabled())
		return;
	native_set_pgd(pgdp, pgd);
}

#define pte_clear(mm, addr, ptep)	native_set_pte(ptep, native_make_pte(0))
#define pmd_clear(pmdp)			native_set_pmd(pmdp, native_make_pmd(0))
#define pud_clear(pudp)			native_set_pud(pudp, native_make_pud(0))
#define p4d_clear(p4dp)			native_set_p4d(p4dp, native_make_p4d(0))
static inline void pgd_clear(pgd_t *pgdp)
{
	if (!pgtable_l5_enabled())
		return;
	native_set_pgd(pgdp, native_make_pgd(0));
}

#endif /* _ASM_X86_PGTABLE_64_H */
