/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SMP_H
#define _LINUX_SMP_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/cpumask.h>
#include <asm/smp.h>

typedef void (*smp_call_func_t)(void *info);

#define CSD_FLAG_LOCK		0x01
#define CSD_FLAG_SYNCHRONOUS	0x02

struct __call_single_data {
	struct list_head list;
	smp_call_func_t func;
	void *info;
	unsigned int flags;
};
typedef struct __call_single_data call_single_data_t;

void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func, void *info,
			    bool wait);
int smp_call_function(smp_call_func_t func, void *info, int wait);
int on_each_cpu(smp_call_func_t func, void *info, int wait);
void generic_smp_call_function_single_interrupt(void);
void call_function_init(void);

#define get_cpu()	({ preempt_disable(); smp_processor_id(); })
#define put_cpu()	preempt_enable()

#endif /* _LINUX_SMP_H */
