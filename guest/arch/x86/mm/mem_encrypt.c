// SPDX-License-Identifier: GPL-2.0
/*
 * early_set_memory_enc_dec(), as in Linux 4.19 (SEV guests call it for per-CPU areas they
 * share with the hypervisor): change the encryption attribute of a range of the direct map,
 * splitting large pages that the range only partly covers. The split goes through
 * kernel_physical_mapping_init() with a smaller page_size_mask; that *changes* present entries
 * (a large leaf becomes a table link), which the series' checked stores report - the 2019
 * report "WARNING: ... pgalloc.h:87 phys_pmd_init" - and which upstream moved to
 * kernel_physical_mapping_change(). The function ends with a local __flush_tlb_all().
 *
 * tlbemu has no SME, so sme_me_mask is 0 and the attribute itself never changes
 * (__set_clr_pte_enc() returns early on an unchanged protection, as Linux does); the splits
 * are real.
 */
#include <linux/kernel.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <asm/mem_encrypt.h>
#include "mm_internal.h"

u64 sme_me_mask;
#define _PAGE_ENC	(sme_me_mask)

unsigned long enc_dec_splits;

static pgprot_t pmd_pgprot_of(pte_t *kpte)
{
	return __pgprot(pmd_flags(*(pmd_t *)kpte));
}

static pgprot_t pud_pgprot_of(pte_t *kpte)
{
	return __pgprot(pud_flags(*(pud_t *)kpte));
}

static void __set_clr_pte_enc(pte_t *kpte, int level, bool enc)
{
	pgprot_t old_prot, new_prot;
	unsigned long pfn;
	pte_t new_pte;

	switch (level) {
	case PG_LEVEL_4K:
		pfn = pte_pfn(*kpte);
		old_prot = pte_pgprot(*kpte);
		break;
	case PG_LEVEL_2M:
		pfn = pmd_pfn(*(pmd_t *)kpte);
		old_prot = pmd_pgprot_of(kpte);
		break;
	case PG_LEVEL_1G:
		pfn = pud_pfn(*(pud_t *)kpte);
		old_prot = pud_pgprot_of(kpte);
		break;
	default:
		return;
	}

	new_prot = old_prot;
	if (enc)
		pgprot_val(new_prot) |= _PAGE_ENC;
	else
		pgprot_val(new_prot) &= ~_PAGE_ENC;

	/* nothing to do when the protection does not change */
	if (pgprot_val(old_prot) == pgprot_val(new_prot))
		return;

	/* (SME would encrypt or decrypt the contents in place here) */
	new_pte = pfn_pte(pfn, new_prot);
	set_pte_atomic(kpte, new_pte);
}

static noinline __noclone int early_set_memory_enc_dec(unsigned long vaddr, unsigned long size, bool enc)
{
	unsigned long vaddr_end, vaddr_next;
	unsigned long psize, pmask;
	int split_page_size_mask;
	unsigned int level;
	pte_t *kpte;
	int ret;

	vaddr_next = vaddr;
	vaddr_end = vaddr + size;

	for (; vaddr < vaddr_end; vaddr = vaddr_next) {
		kpte = lookup_address(vaddr, &level);
		if (!kpte || pte_none(*kpte)) {
			ret = 1;
			goto out;
		}

		if (level == PG_LEVEL_4K) {
			__set_clr_pte_enc(kpte, level, enc);
			vaddr_next = (vaddr & PAGE_MASK) + PAGE_SIZE;
			continue;
		}

		psize = page_level_size(level);
		pmask = page_level_mask(level);

		/* the whole large page is in the range: change it in one go */
		vaddr_next = (vaddr & pmask) + psize;
		if (vaddr == (vaddr & pmask) && ((vaddr_end - vaddr) >= psize)) {
			__set_clr_pte_enc(kpte, level, enc);
			continue;
		}

		/* part of a large page: map it again one size down, then look again */
		if (level == PG_LEVEL_2M)
			split_page_size_mask = 0;
		else
			split_page_size_mask = 1 << PG_LEVEL_2M;

		enc_dec_splits++;
#ifdef TLBEMU_INIT_THREADING
		/* the caller flushes: see below */
		kernel_physical_mapping_change(__pa(vaddr & pmask),
					       __pa((vaddr_end & pmask) + psize),
					       split_page_size_mask);
#else
		kernel_physical_mapping_init(__pa(vaddr & pmask),
					     __pa((vaddr_end & pmask) + psize),
					     split_page_size_mask);
#endif
		vaddr_next = vaddr;	/* look this address up again */
	}

	ret = 0;

out:
	__flush_tlb_all();
	return ret;
}

int early_set_memory_decrypted(unsigned long vaddr, unsigned long size)
{
	return early_set_memory_enc_dec(vaddr, size, false);
}

int early_set_memory_encrypted(unsigned long vaddr, unsigned long size)
{
	return early_set_memory_enc_dec(vaddr, size, true);
}
