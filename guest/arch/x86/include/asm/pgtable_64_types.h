/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PGTABLE_64_TYPES_H
#define _ASM_X86_PGTABLE_64_TYPES_H

#include <linux/types.h>

typedef unsigned long	pteval_t;
typedef unsigned long	pmdval_t;
typedef unsigned long	pudval_t;
typedef unsigned long	p4dval_t;
typedef unsigned long	pgdval_t;
typedef unsigned long	pgprotval_t;

/* may_alias: the mapping code reads and writes entries of one level through another's type */
typedef struct { pteval_t pte; } __attribute__((__may_alias__)) pte_t;
typedef struct { pmdval_t pmd; } __attribute__((__may_alias__)) pmd_t;
typedef struct { pudval_t pud; } __attribute__((__may_alias__)) pud_t;
typedef struct { p4dval_t p4d; } __attribute__((__may_alias__)) p4d_t;
typedef struct { pgdval_t pgd; } __attribute__((__may_alias__)) pgd_t;
typedef struct { pgprotval_t pgprot; } pgprot_t;

extern unsigned int __pgtable_l5_enabled;
extern unsigned int pgdir_shift;
extern unsigned int ptrs_per_p4d;

#define pgtable_l5_enabled()	(__pgtable_l5_enabled != 0)

/* 4-level: PGDIR_SHIFT 39, p4d folded (PTRS_PER_P4D 1); 5-level: 48 and 512 */
#define PGDIR_SHIFT		pgdir_shift
#define PTRS_PER_PGD		512
#define P4D_SHIFT		39
#define PTRS_PER_P4D		ptrs_per_p4d
#define PUD_SHIFT		30
#define PTRS_PER_PUD		512
#define PMD_SHIFT		21
#define PTRS_PER_PMD		512
#define PTRS_PER_PTE		512

#define PMD_SIZE		(1UL << PMD_SHIFT)
#define PMD_MASK		(~(PMD_SIZE - 1))
#define PUD_SIZE		(1UL << PUD_SHIFT)
#define PUD_MASK		(~(PUD_SIZE - 1))
#define P4D_SIZE		(1UL << P4D_SHIFT)
#define P4D_MASK		(~(P4D_SIZE - 1))
#define PGDIR_SIZE		(1UL << PGDIR_SHIFT)
#define PGDIR_MASK		(~(PGDIR_SIZE - 1))

/* layout markers (Documentation/x86/x86_64/mm.txt, no KASLR) */
#define VMALLOC_START_L4	0xffffc90000000000UL
#define VMALLOC_START_L5	0xffa0000000000000UL
#define VMEMMAP_START_L4	0xffffea0000000000UL
#define VMEMMAP_START_L5	0xffd4000000000000UL
#define KERNEL_SPACE_L4		0xffff800000000000UL
#define KERNEL_SPACE_L5		0xff00000000000000UL
#define MODULES_VADDR		(__START_KERNEL_map + KERNEL_IMAGE_SIZE)
#define MODULES_END		0xffffffffff000000UL

#endif /* _ASM_X86_PGTABLE_64_TYPES_H */
