/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_SECTIONS_H
#define _ASM_X86_SECTIONS_H

extern char _text[], _stext[], _etext[], _sdata[], _edata[], _end[];
extern char __start_rodata[], __end_rodata[], __bss_start[], __bss_stop[];

static inline int core_kernel_text(unsigned long addr)
{
	return addr >= (unsigned long)_stext && addr < (unsigned long)_etext;
}

#endif /* _ASM_X86_SECTIONS_H */
