/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PGTABLE_TYPES_H
#define _ASM_X86_PGTABLE_TYPES_H

#include <linux/types.h>
#include <asm/page_types.h>
#include <asm/pgtable_64_types.h>

#define _PAGE_BIT_PRESENT	0
#define _PAGE_BIT_RW		1
#define _PAGE_BIT_USER		2
#define _PAGE_BIT_PWT		3
#define _PAGE_BIT_PCD		4
#define _PAGE_BIT_ACCESSED	5
#define _PAGE_BIT_DIRTY		6
#define _PAGE_BIT_PSE		7
#define _PAGE_BIT_PAT		7
#define _PAGE_BIT_GLOBAL	8
#define _PAGE_BIT_PROTNONE	_PAGE_BIT_GLOBAL
#define _PAGE_BIT_PAT_LARGE	12
#define _PAGE_BIT_NX		63

#define _PAGE_PRESENT		(1UL << _PAGE_BIT_PRESENT)
#define _PAGE_RW		(1UL << _PAGE_BIT_RW)
#define _PAGE_USER		(1UL << _PAGE_BIT_USER)
#define _PAGE_PWT		(1UL << _PAGE_BIT_PWT)
#define _PAGE_PCD		(1UL << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED		(1UL << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY		(1UL << _PAGE_BIT_DIRTY)
#define _PAGE_PSE		(1UL << _PAGE_BIT_PSE)
#define _PAGE_PAT		(1UL << _PAGE_BIT_PAT)
#define _PAGE_GLOBAL		(1UL << _PAGE_BIT_GLOBAL)
#define _PAGE_PROTNONE		(1UL << _PAGE_BIT_PROTNONE)
#define _PAGE_PAT_LARGE		(1UL << _PAGE_BIT_PAT_LARGE)
#define _PAGE_NX		(1UL << _PAGE_BIT_NX)

/* Knights Landing may set A/D in not-present entries: *_none() ignores them */
#define _PAGE_KNL_ERRATUM_MASK	(_PAGE_DIRTY | _PAGE_ACCESSED)

#define _PAGE_TABLE_NOENC	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define _KERNPG_TABLE_NOENC	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define _PAGE_TABLE		_PAGE_TABLE_NOENC
#define _KERNPG_TABLE		_KERNPG_TABLE_NOENC

#define __PAGE_KERNEL_EXEC	(_PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_GLOBAL)
#define __PAGE_KERNEL		(__PAGE_KERNEL_EXEC | _PAGE_NX)
#define __PAGE_KERNEL_LARGE	(__PAGE_KERNEL | _PAGE_PSE)
#define __PAGE_KERNEL_LARGE_EXEC (__PAGE_KERNEL_EXEC | _PAGE_PSE)

/* PTE_PFN_MASK extracts the physical address from an entry; PTE_FLAGS_MASK the rest */
#define PTE_PFN_MASK		((pteval_t)PHYSICAL_PAGE_MASK)
#define PTE_FLAGS_MASK		(~PTE_PFN_MASK)

extern pteval_t __supported_pte_mask;
extern pteval_t __default_kernel_pte_mask;

#define __pgprot(x)		((pgprot_t) { (x) })
#define pgprot_val(x)		((x).pgprot)
#define __pgprot_mask(x)	__pgprot((x) & __default_kernel_pte_mask)

#define PAGE_KERNEL		__pgprot_mask(__PAGE_KERNEL)
#define PAGE_KERNEL_EXEC	__pgprot_mask(__PAGE_KERNEL_EXEC)
#define PAGE_KERNEL_LARGE	__pgprot_mask(__PAGE_KERNEL_LARGE)
#define PAGE_KERNEL_LARGE_EXEC	__pgprot_mask(__PAGE_KERNEL_LARGE_EXEC)

enum pg_level {
	PG_LEVEL_NONE,
	PG_LEVEL_4K,
	PG_LEVEL_2M,
	PG_LEVEL_1G,
	PG_LEVEL_512G,
	PG_LEVEL_NUM
};

static inline pte_t native_make_pte(pteval_t val) { return (pte_t) { val }; }
static inline pteval_t native_pte_val(pte_t pte) { return pte.pte; }
static inline pmd_t native_make_pmd(pmdval_t val) { return (pmd_t) { val }; }
static inline pmdval_t native_pmd_val(pmd_t pmd) { return pmd.pmd; }
static inline pud_t native_make_pud(pudval_t val) { return (pud_t) { val }; }
static inline pudval_t native_pud_val(pud_t pud) { return pud.pud; }
static inline p4d_t native_make_p4d(p4dval_t val) { return (p4d_t) { val }; }
static inline p4dval_t native_p4d_val(p4d_t p4d) { return p4d.p4d; }
static inline pgd_t native_make_pgd(pgdval_t val) { return (pgd_t) { val }; }
static inline pgdval_t native_pgd_val(pgd_t pgd) { return pgd.pgd; }

#define __pte(x)	native_make_pte(x)
#define __pmd(x)	native_make_pmd(x)
#define __pud(x)	native_make_pud(x)
#define __p4d(x)	native_make_p4d(x)
#define __pgd(x)	native_make_pgd(x)
#define pte_val(x)	native_pte_val(x)
#define pmd_val(x)	native_pmd_val(x)
#define pud_val(x)	native_pud_val(x)
#define p4d_val(x)	native_p4d_val(x)
#define pgd_val(x)	native_pgd_val(x)

static inline pteval_t pte_flags(pte_t pte) { return native_pte_val(pte) & PTE_FLAGS_MASK; }
static inline pmdval_t pmd_flags(pmd_t pmd) { return native_pmd_val(pmd) & PTE_FLAGS_MASK; }
static inline pudval_t pud_flags(pud_t pud) { return native_pud_val(pud) & PTE_FLAGS_MASK; }
static inline p4dval_t p4d_flags(p4d_t p4d) { return native_p4d_val(p4d) & PTE_FLAGS_MASK; }
static inline pgdval_t pgd_flags(pgd_t pgd) { return native_pgd_val(pgd) & PTE_FLAGS_MASK; }

#define pte_pgprot(x)	__pgprot(pte_flags(x))

/* arch/x86/mm/pageattr.c */
pte_t *lookup_address(unsigned long address, unsigned int *level);
unsigned long page_level_size(enum pg_level level);
unsigned long page_level_mask(enum pg_level level);

/* page counts of the direct map per level (DirectMap4k/2M/1G) */
extern unsigned long direct_pages_count[PG_LEVEL_NUM];
void update_page_count(int level, long pages);

#endif /* _ASM_X86_PGTABLE_TYPES_H */
