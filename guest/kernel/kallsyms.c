// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol lookup for %pS: the table scripts/kallsyms.sh generates from the image's own text
 * symbols (address-sorted addresses, sizes, names).
 */
#include <linux/kernel.h>
#include <linux/kallsyms.h>

extern const unsigned long kallsyms_num;
extern const unsigned long kallsyms_addresses[];
extern const unsigned int kallsyms_sizes[];
extern const unsigned int kallsyms_name_offsets[];
extern const char kallsyms_names[];

const char *kallsyms_lookup(unsigned long addr, unsigned long *symbolsize, unsigned long *offset)
{
	unsigned long lo = 0, hi = kallsyms_num, i;
	int back;

	if (!kallsyms_num || addr < kallsyms_addresses[0])
		return NULL;
	/* last entry with address <= addr */
	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (kallsyms_addresses[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* the symbol that contains addr: this one or one of the few before it */
	for (i = lo, back = 0; back < 8; i--, back++) {
		unsigned long start = kallsyms_addresses[i];

		if (addr < start + kallsyms_sizes[i]) {
			if (symbolsize)
				*symbolsize = kallsyms_sizes[i];
			if (offset)
				*offset = addr - start;
			return kallsyms_names + kallsyms_name_offsets[i];
		}
		if (i == 0)
			break;
	}
	return NULL;
}

int sprint_symbol(char *buffer, size_t size, unsigned long address)
{
	return snprintf(buffer, size, "%pS", (void *)address);
}
