/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_SMP_H
#define _ASM_X86_SMP_H

#include <linux/types.h>
#include <asm/percpu.h>

DECLARE_PER_CPU(int, cpu_number);
DECLARE_PER_CPU(u32, x86_cpu_to_apicid);

#define raw_smp_processor_id()	this_cpu_read(cpu_number)
#define smp_processor_id()	raw_smp_processor_id()

void smp_send_reschedule(int cpu);
void arch_send_call_function_ipi(int cpu);
void smp_release_secondaries(void);

#endif /* _ASM_X86_SMP_H */
