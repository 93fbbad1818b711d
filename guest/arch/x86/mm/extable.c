// SPDX-License-Identifier: GPL-2.0
/*
 * Exception fixups: a fault on an instruction listed in __ex_table resumes at its fixup.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <asm/extable.h>
#include <asm/ptrace.h>

extern struct exception_table_entry __start___ex_table[], __stop___ex_table[];

static unsigned long ex_insn(const struct exception_table_entry *e)
{
	return (unsigned long)&e->insn + e->insn;
}

static unsigned long ex_fixup(const struct exception_table_entry *e)
{
	return (unsigned long)&e->fixup + e->fixup;
}

const struct exception_table_entry *search_exception_tables(unsigned long addr)
{
	const struct exception_table_entry *e;

	for (e = __start___ex_table; e < __stop___ex_table; e++)
		if (ex_insn(e) == addr)
			return e;
	return NULL;
}

int fixup_exception(struct pt_regs *regs, int trapnr)
{
	const struct exception_table_entry *e = search_exception_tables(regs->ip);

	(void)trapnr;
	if (!e)
		return 0;
	regs->ip = ex_fixup(e);
	return 1;
}

/* one byte at a time, each load covered by __ex_table: -EFAULT on the first fault */
long probe_kernel_read(void *dst, const void *src, unsigned long size)
{
	const unsigned char *s = src;
	unsigned char *d = dst;
	unsigned long i;

	for (i = 0; i < size; i++) {
		int err = -14;
		unsigned char v;

		__asm__ __volatile__("1: movb (%[src]), %[v]\n\t"
				     "xorl %[err], %[err]\n"
				     "2:\n"
				     _ASM_EXTABLE(1b, 2b)
				     : [err] "+r" (err), [v] "=q" (v)
				     : [src] "r" (s + i)
				     : "memory");
		if (err)
			return err;
		d[i] = v;
	}
	return 0;
}

/* an aligned 64-bit load that may fault: 0 and *val, or -EFAULT */
int probe_read_u64(const void *src, u64 *val)
{
	int err = -14;
	u64 v = 0;

	__asm__ __volatile__("1: movq (%[src]), %[v]\n\t"
			     "xorl %[err], %[err]\n"
			     "2:\n"
			     _ASM_EXTABLE(1b, 2b)
			     : [err] "+r" (err), [v] "+r" (v)
			     : [src] "r" (src)
			     : "memory");
	*val = v;
	return err;
}
