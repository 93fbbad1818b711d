/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PROCESSOR_H
#define _ASM_X86_PROCESSOR_H

#include <linux/types.h>
#include <asm/special_insns.h>
#include <asm/cpufeature.h>

#define NR_CPUS		CONFIG_NR_CPUS

struct cpuinfo_x86 {
	u32	x86_capability[NCAPINTS];
	char	x86_vendor_id[16];
	char	x86_model_id[64];
	int	x86;
	int	x86_model;
	int	x86_stepping;
	int	x86_phys_bits;
	int	x86_virt_bits;
	u32	cpuid_level;
};

extern struct cpuinfo_x86 boot_cpu_data;

void early_cpu_init(void);
void cpu_init(void);
void identify_boot_cpu(void);

#endif /* _ASM_X86_PROCESSOR_H */
