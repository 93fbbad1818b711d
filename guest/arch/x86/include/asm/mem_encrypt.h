/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SME/SEV: the encryption attribute is the C-bit, a physical-address bit in every entry.
 * tlbemu implements no SME, so sme_me_mask is 0: pgprot_encrypted()/decrypted() leave entries
 * as they are, and early_set_memory_decrypted() rewrites each leaf with its own value.
 */
#ifndef _ASM_X86_MEM_ENCRYPT_H
#define _ASM_X86_MEM_ENCRYPT_H

#include <linux/types.h>

extern u64 sme_me_mask;

#define __sme_set(x)		((x) | sme_me_mask)
#define __sme_clr(x)		((x) & ~sme_me_mask)
#define pgprot_encrypted(prot)	__pgprot(__sme_set(pgprot_val(prot)))
#define pgprot_decrypted(prot)	__pgprot(__sme_clr(pgprot_val(prot)))

int early_set_memory_decrypted(unsigned long vaddr, unsigned long size);
int early_set_memory_encrypted(unsigned long vaddr, unsigned long size);

#endif /* _ASM_X86_MEM_ENCRYPT_H */
