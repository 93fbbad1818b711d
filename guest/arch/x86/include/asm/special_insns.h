/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_SPECIAL_INSNS_H
#define _ASM_X86_SPECIAL_INSNS_H

#include <linux/types.h>

#define X86_CR0_PG	(1UL << 31)
#define X86_CR4_PSE	(1UL << 4)
#define X86_CR4_PAE	(1UL << 5)
#define X86_CR4_PGE	(1UL << 7)
#define X86_CR4_LA57	(1UL << 12)
#define X86_CR4_PCIDE	(1UL << 17)

static inline unsigned long native_read_cr0(void)
{
	unsigned long val;

	__asm__ __volatile__("mov %%cr0, %0" : "=r" (val) : : "memory");
	return val;
}

static inline unsigned long native_read_cr2(void)
{
	unsigned long val;

	__asm__ __volatile__("mov %%cr2, %0" : "=r" (val) : : "memory");
	return val;
}

static inline unsigned long __native_read_cr3(void)
{
	unsigned long val;

	__asm__ __volatile__("mov %%cr3, %0" : "=r" (val) : : "memory");
	return val;
}

static inline void native_write_cr3(unsigned long val)
{
	__asm__ __volatile__("mov %0, %%cr3" : : "r" (val) : "memory");
}

static inline unsigned long native_read_cr4(void)
{
	unsigned long val;

	__asm__ __volatile__("mov %%cr4, %0" : "=r" (val) : : "memory");
	return val;
}

static inline void native_write_cr4(unsigned long val)
{
	__asm__ __volatile__("mov %0, %%cr4" : : "r" (val) : "memory");
}

#define read_cr2()		native_read_cr2()
#define __read_cr3()		__native_read_cr3()
#define write_cr3(x)		native_write_cr3(x)
#define __read_cr4()		native_read_cr4()

static inline void __invlpg(unsigned long addr)
{
	__asm__ __volatile__("invlpg (%0)" : : "r" (addr) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" : : : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a" (lo), "=d" (hi));
	return ((u64)hi << 32) | lo;
}

static inline void native_cpuid(unsigned int *eax, unsigned int *ebx,
				unsigned int *ecx, unsigned int *edx)
{
	__asm__ __volatile__("cpuid"
			     : "=a" (*eax), "=b" (*ebx), "=c" (*ecx), "=d" (*edx)
			     : "0" (*eax), "2" (*ecx)
			     : "memory");
}

static inline void cpuid_count(unsigned int op, unsigned int count, unsigned int *eax,
			       unsigned int *ebx, unsigned int *ecx, unsigned int *edx)
{
	*eax = op;
	*ecx = count;
	native_cpuid(eax, ebx, ecx, edx);
}

#endif /* _ASM_X86_SPECIAL_INSNS_H */
