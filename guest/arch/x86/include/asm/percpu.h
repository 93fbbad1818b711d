/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU variables, x86-64 style: they are linked into the zero-based section .data..percpu,
 * so a variable's symbol value is its offset in a per-CPU area; GS base holds the address of the
 * current CPU's area. this_cpu_*() are single %gs-relative instructions with an absolute
 * displacement (65 [REX] op ModRM=..100 SIB=0x25 disp32).
 */
#ifndef _ASM_X86_PERCPU_H
#define _ASM_X86_PERCPU_H

#include <linux/compiler.h>

#define PERCPU_AREA_SIZE	16384

#ifndef __ASSEMBLY__

#define DEFINE_PER_CPU(type, name) \
	__attribute__((__section__(".data..percpu"))) __typeof__(type) name
#define DECLARE_PER_CPU(type, name) \
	extern __attribute__((__section__(".data..percpu"))) __typeof__(type) name

extern unsigned long __per_cpu_offset[];
extern char __per_cpu_start[], __per_cpu_end[];

void __bad_percpu_size(void);	/* never defined: a bad size fails at link time */

#define this_cpu_read(var) ({							\
	unsigned long __pcp_ret;						\
	switch (sizeof(var)) {							\
	case 1: __asm__ __volatile__("movzbl %%gs:%c1, %k0"			\
			: "=r" (__pcp_ret) : "i" (&(var)) : "memory"); break;	\
	case 2: __asm__ __volatile__("movzwl %%gs:%c1, %k0"			\
			: "=r" (__pcp_ret) : "i" (&(var)) : "memory"); break;	\
	case 4: __asm__ __volatile__("movl %%gs:%c1, %k0"			\
			: "=r" (__pcp_ret) : "i" (&(var)) : "memory"); break;	\
	case 8: __asm__ __volatile__("movq %%gs:%c1, %q0"			\
			: "=r" (__pcp_ret) : "i" (&(var)) : "memory"); break;	\
	default: __bad_percpu_size();						\
	}									\
	(__typeof__(var))__pcp_ret;						\
})

#define __pcpu_rmw(op, var, val)						\
do {									\
	unsigned long __pcp_val = (unsigned long)(val);			\
	switch (sizeof(var)) {							\
	case 1: __asm__ __volatile__(op "b %b1, %%gs:%c0"			\
			: : "i" (&(var)), "q" (__pcp_val) : "memory", "cc"); break; \
	case 2: __asm__ __volatile__(op "w %w1, %%gs:%c0"			\
			: : "i" (&(var)), "r" (__pcp_val) : "memory", "cc"); break; \
	case 4: __asm__ __volatile__(op "l %k1, %%gs:%c0"			\
			: : "i" (&(var)), "r" (__pcp_val) : "memory", "cc"); break; \
	case 8: __asm__ __volatile__(op "q %q1, %%gs:%c0"			\
			: : "i" (&(var)), "r" (__pcp_val) : "memory", "cc"); break; \
	default: __bad_percpu_size();						\
	}									\
} while (0)

#define this_cpu_write(var, val)	__pcpu_rmw("mov", var, val)
#define this_cpu_add(var, val)		__pcpu_rmw("add", var, val)
#define this_cpu_sub(var, val)		__pcpu_rmw("sub", var, val)
#define this_cpu_and(var, val)		__pcpu_rmw("and", var, val)
#define this_cpu_or(var, val)		__pcpu_rmw("or", var, val)
#define this_cpu_inc(var)		this_cpu_add(var, 1)
#define this_cpu_dec(var)		this_cpu_sub(var, 1)

#define raw_cpu_read(var)		this_cpu_read(var)
#define raw_cpu_write(var, val)		this_cpu_write(var, val)

DECLARE_PER_CPU(unsigned long, this_cpu_off);

#define per_cpu_ptr(ptr, cpu) \
	((__typeof__(ptr))((unsigned long)(ptr) + __per_cpu_offset[(cpu)]))
#define this_cpu_ptr(ptr) \
	((__typeof__(ptr))((unsigned long)(ptr) + this_cpu_read(this_cpu_off)))
#define per_cpu(var, cpu)		(*per_cpu_ptr(&(var), (cpu)))

#endif /* __ASSEMBLY__ */
#endif /* _ASM_X86_PERCPU_H */
