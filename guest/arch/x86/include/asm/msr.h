/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_MSR_H
#define _ASM_X86_MSR_H

#include <linux/types.h>
#include <asm/extable.h>

#define MSR_IA32_APICBASE	0x0000001b
#define MSR_IA32_APICBASE_ENABLE (1UL << 11)
#define X2APIC_ENABLE		(1UL << 10)
#define MSR_EFER		0xc0000080
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

static inline u64 native_read_msr(unsigned int msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr) : "memory");
	return ((u64)hi << 32) | lo;
}

static inline void native_write_msr(unsigned int msr, u32 lo, u32 hi)
{
	__asm__ __volatile__("wrmsr" : : "c" (msr), "a" (lo), "d" (hi) : "memory");
}

static inline void wrmsrl(unsigned int msr, u64 val)
{
	native_write_msr(msr, (u32)val, (u32)(val >> 32));
}

#define rdmsrl(msr, val)	((val) = native_read_msr(msr))

/* returns 0, or -EIO when the MSR access raised #GP (fixed up through __ex_table) */
static inline int rdmsrl_safe(unsigned int msr, u64 *p)
{
	u32 lo = 0, hi = 0;
	int err;

	__asm__ __volatile__("1: rdmsr\n\t"
			     "xor %[err], %[err]\n"
			     "2:\n"
			     _ASM_EXTABLE_ERR(1b, 2b, %[err])
			     : [err] "=r" (err), "=a" (lo), "=d" (hi)
			     : "c" (msr), "[err]" (-5)
			     : "memory");
	*p = ((u64)hi << 32) | lo;
	return err;
}

static inline int wrmsrl_safe(unsigned int msr, u64 val)
{
	int err;

	__asm__ __volatile__("1: wrmsr\n\t"
			     "xor %[err], %[err]\n"
			     "2:\n"
			     _ASM_EXTABLE_ERR(1b, 2b, %[err])
			     : [err] "=r" (err)
			     : "c" (msr), "a" ((u32)val), "d" ((u32)(val >> 32)), "[err]" (-5)
			     : "memory");
	return err;
}

#endif /* _ASM_X86_MSR_H */
