/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_CPUMASK_H
#define _LINUX_CPUMASK_H

#include <linux/types.h>
#include <asm/processor.h>

/* one 64-bit word covers NR_CPUS */
struct cpumask {
	unsigned long bits;
};

extern struct cpumask __cpu_online_mask;
extern unsigned int nr_cpu_ids;
#define cpu_online_mask (&__cpu_online_mask)

static inline bool cpumask_test_cpu(int cpu, const struct cpumask *m)
{
	return (READ_ONCE(m->bits) >> cpu) & 1;
}

#define cpu_online(cpu)		cpumask_test_cpu((cpu), cpu_online_mask)

void set_cpu_online(unsigned int cpu, bool online);
unsigned int num_online_cpus(void);

#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < (int)nr_cpu_ids; (cpu)++) if (!cpu_online(cpu)) {} else

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < (int)nr_cpu_ids; (cpu)++)

#endif /* _LINUX_CPUMASK_H */
