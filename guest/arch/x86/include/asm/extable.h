/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_EXTABLE_H
#define _ASM_X86_EXTABLE_H

/*
 * __ex_table: pairs of relative offsets (faulting instruction, continuation). A #GP or #PF on a
 * listed kernel instruction resumes at the continuation instead of oopsing.
 */
#define _ASM_EXTABLE(from, to)					\
	"\t.pushsection __ex_table,\"a\"\n"			\
	"\t.balign 4\n"						\
	"\t.long (" #from ") - .\n"				\
	"\t.long (" #to ") - .\n"				\
	"\t.popsection\n"

/* the error register is preloaded by the caller; the fixup only moves RIP */
#define _ASM_EXTABLE_ERR(from, to, reg)	_ASM_EXTABLE(from, to)

#ifndef __ASSEMBLY__
struct exception_table_entry {
	int insn;
	int fixup;
};

struct pt_regs;
int fixup_exception(struct pt_regs *regs, int trapnr);
const struct exception_table_entry *search_exception_tables(unsigned long addr);
long probe_kernel_read(void *dst, const void *src, unsigned long size);
int probe_read_u64(const void *src, unsigned long long *val);
#endif

#endif /* _ASM_X86_EXTABLE_H */
