/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_CPUFEATURE_H
#define _ASM_X86_CPUFEATURE_H

#include <linux/types.h>

#define NCAPINTS		20

/* word 0: CPUID 1 EDX */
#define X86_FEATURE_FPU		(0 * 32 + 0)
#define X86_FEATURE_PSE		(0 * 32 + 3)
#define X86_FEATURE_TSC		(0 * 32 + 4)
#define X86_FEATURE_MSR		(0 * 32 + 5)
#define X86_FEATURE_PAE		(0 * 32 + 6)
#define X86_FEATURE_APIC	(0 * 32 + 9)
#define X86_FEATURE_PGE		(0 * 32 + 13)
/* word 1: CPUID 0x80000001 EDX */
#define X86_FEATURE_NX		(1 * 32 + 20)
#define X86_FEATURE_GBPAGES	(1 * 32 + 26)
#define X86_FEATURE_LM		(1 * 32 + 29)
/* word 4: CPUID 1 ECX */
#define X86_FEATURE_PCID	(4 * 32 + 17)
#define X86_FEATURE_X2APIC	(4 * 32 + 21)
/* word 9: CPUID 7.0 EBX */
#define X86_FEATURE_BMI1	(9 * 32 + 3)
#define X86_FEATURE_SMEP	(9 * 32 + 7)
#define X86_FEATURE_INVPCID	(9 * 32 + 10)
#define X86_FEATURE_SMAP	(9 * 32 + 20)
/* word 16: CPUID 7.0 ECX */
#define X86_FEATURE_LA57	(16 * 32 + 16)

#define boot_cpu_has(bit) \
	((boot_cpu_data.x86_capability[(bit) / 32] >> ((bit) % 32)) & 1)
#define static_cpu_has(bit)	boot_cpu_has(bit)
#define cpu_feature_enabled(bit) boot_cpu_has(bit)

void setup_clear_cpu_cap(unsigned int bit);

#endif /* _ASM_X86_CPUFEATURE_H */
