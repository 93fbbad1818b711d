/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PGTABLE_H
#define _ASM_X86_PGTABLE_H

#include <linux/types.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>
#include <asm/pgtable_64.h>

struct mm_struct;
extern struct mm_struct init_mm;

/* ---- entry predicates ---- */

static inline int pte_none(pte_t pte)
{
	return !(pte.pte & ~(_PAGE_KNL_ERRATUM_MASK));
}

static inline int pte_present(pte_t a)
{
	return pte_flags(a) & (_PAGE_PRESENT | _PAGE_PROTNONE);
}

static inline int pte_same(pte_t a, pte_t b)
{
	return a.pte == b.pte;
}

static inline int pmd_none(pmd_t pmd)
{
	unsigned long val = native_pmd_val(pmd);

	return (val & ~_PAGE_KNL_ERRATUM_MASK) == 0;
}

static inline int pmd_present(pmd_t pmd)
{
	/* a huge pmd under split has P clear but PSE set and is still "present" */
	return pmd_flags(pmd) & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE);
}

static inline int pmd_large(pmd_t pmd)
{
	return pmd_flags(pmd) & _PAGE_PSE;
}

static inline int pud_none(pud_t pud)
{
	return (native_pud_val(pud) & ~(_PAGE_KNL_ERRATUM_MASK)) == 0;
}

static inline int pud_present(pud_t pud)
{
	return pud_flags(pud) & _PAGE_PRESENT;
}

static inline int pud_large(pud_t pud)
{
	return (pud_val(pud) & (_PAGE_PSE | _PAGE_PRESENT)) == (_PAGE_PSE | _PAGE_PRESENT);
}

static inline int p4d_none(p4d_t p4d)
{
	return (native_p4d_val(p4d) & ~(_PAGE_KNL_ERRATUM_MASK)) == 0;
}

static inline int p4d_present(p4d_t p4d)
{
	return p4d_flags(p4d) & _PAGE_PRESENT;
}

static inline int p4d_large(p4d_t p4d)
{
	return 0;	/* no 512 GiB pages */
}

/* the folded pgd level is never none and always present (pgtable-nop4d semantics) */
static inline int pgd_none(pgd_t pgd)
{
	if (!pgtable_l5_enabled())
		return 0;
	return !native_pgd_val(pgd);
}

static inline int pgd_present(pgd_t pgd)
{
	if (!pgtable_l5_enabled())
		return 1;
	return pgd_flags(pgd) & _PAGE_PRESENT;
}

/* ---- pfn and protection ---- */

static inline unsigned long pte_pfn(pte_t pte)
{
	return (pte_val(pte) & PTE_PFN_MASK) >> PAGE_SHIFT;
}

static inline unsigned long pmd_pfn(pmd_t pmd)
{
	return (pmd_val(pmd) & PTE_PFN_MASK) >> PAGE_SHIFT;
}

static inline unsigned long pud_pfn(pud_t pud)
{
	return (pud_val(pud) & PTE_PFN_MASK) >> PAGE_SHIFT;
}

/* drop what the CPU does not support (NX without EFER.NXE/CPUID, G without PGE) */
static inline pgprotval_t massage_pgprot(pgprot_t pgprot)
{
	pgprotval_t protval = pgprot_val(pgprot);

	if (protval & _PAGE_PRESENT)
		protval &= __supported_pte_mask;
	return protval;
}

static inline pte_t pfn_pte(unsigned long page_nr, pgprot_t pgprot)
{
	return __pte(((phys_addr_t)page_nr << PAGE_SHIFT) | massage_pgprot(pgprot));
}

static inline pmd_t pfn_pmd(unsigned long page_nr, pgprot_t pgprot)
{
	return __pmd(((phys_addr_t)page_nr << PAGE_SHIFT) | massage_pgprot(pgprot));
}

static inline pud_t pfn_pud(unsigned long page_nr, pgprot_t pgprot)
{
	return __pud(((phys_addr_t)page_nr << PAGE_SHIFT) | massage_pgprot(pgprot));
}

static inline pte_t pte_clear_flags(pte_t pte, pteval_t clear)
{
	return native_make_pte(native_pte_val(pte) & ~clear);
}

static inline pte_t pte_clrhuge(pte_t pte)
{
	return pte_clear_flags(pte, _PAGE_PSE);
}

/* ---- table walking ---- */

static inline unsigned long pgd_index(unsigned long address)
{
	return (address >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1);
}

static inline unsigned long p4d_index(unsigned long address)
{
	return (address >> P4D_SHIFT) & (PTRS_PER_P4D - 1);
}

static inline unsigned long pud_index(unsigned long address)
{
	return (address >> PUD_SHIFT) & (PTRS_PER_PUD - 1);
}

static inline unsigned long pmd_index(unsigned long address)
{
	return (address >> PMD_SHIFT) & (PTRS_PER_PMD - 1);
}

static inline unsigned long pte_index(unsigned long address)
{
	return (address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
}

static inline unsigned long pmd_page_vaddr(pmd_t pmd)
{
	return (unsigned long)__va(pmd_val(pmd) & PTE_PFN_MASK);
}

static inline unsigned long pud_page_vaddr(pud_t pud)
{
	return (unsigned long)__va(pud_val(pud) & PTE_PFN_MASK);
}

static inline unsigned long p4d_page_vaddr(p4d_t p4d)
{
	return (unsigned long)__va(p4d_val(p4d) & PTE_PFN_MASK);
}

static inline unsigned long pgd_page_vaddr(pgd_t pgd)
{
	return (unsigned long)__va(pgd_val(pgd) & PTE_PFN_MASK);
}

#define pmd_page(pmd)	((struct page *)pmd_page_vaddr(pmd))
#define pud_page(pud)	((struct page *)pud_page_vaddr(pud))
#define p4d_page(p4d)	((struct page *)p4d_page_vaddr(p4d))
#define pte_page(pte)	pfn_to_page(pte_pfn(pte))

#define pgd_offset_pgd(pgd, address)	((pgd) + pgd_index(address))
#define pgd_offset_k(address)		pgd_offset_pgd(init_top_pgt, (address))

static inline p4d_t *p4d_offset(pgd_t *pgd, unsigned long address)
{
	if (!pgtable_l5_enabled())
		return (p4d_t *)pgd;
	return (p4d_t *)pgd_page_vaddr(*pgd) + p4d_index(address);
}

static inline pud_t *pud_offset(p4d_t *p4d, unsigned long address)
{
	return (pud_t *)p4d_page_vaddr(*p4d) + pud_index(address);
}

static inline pmd_t *pmd_offset(pud_t *pud, unsigned long address)
{
	return (pmd_t *)pud_page_vaddr(*pud) + pmd_index(address);
}

static inline pte_t *pte_offset_kernel(pmd_t *pmd, unsigned long address)
{
	return (pte_t *)pmd_page_vaddr(*pmd) + pte_index(address);
}

#define __addr_end(addr, end, size, mask) ({				\
	unsigned long __boundary = ((addr) + (size)) & (mask);		\
	(__boundary - 1 < (end) - 1) ? __boundary : (end);		\
})
#define pgd_addr_end(addr, end)	__addr_end(addr, end, PGDIR_SIZE, PGDIR_MASK)
#define p4d_addr_end(addr, end)	__addr_end(addr, end, P4D_SIZE, P4D_MASK)
#define pud_addr_end(addr, end)	__addr_end(addr, end, PUD_SIZE, PUD_MASK)
#define pmd_addr_end(addr, end)	__addr_end(addr, end, PMD_SIZE, PMD_MASK)

/* the kernel half of every pgd: from the direct map up */
#define KERNEL_PGD_BOUNDARY	pgd_index(PAGE_OFFSET)
#define KERNEL_PGD_PTRS		(PTRS_PER_PGD - KERNEL_PGD_BOUNDARY)

void sync_global_pgds(unsigned long start, unsigned long end);

#include <asm-generic/pgtable.h>

#endif /* _ASM_X86_PGTABLE_H */
