/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x2APIC through MSRs: register r of the xAPIC page is MSR 0x800 + (r >> 4).
 *   0x802 ID, 0x808 TPR, 0x80B EOI, 0x80F SVR (bit 8 enable), 0x830 ICR (one 64-bit write:
 *   vector 7:0, delivery mode 10:8, shorthand 19:18, destination 63:32), 0x832 LVT timer
 *   (vector, mask bit 16, mode 18:17), 0x838 initial count, 0x839 current count, 0x83E divide.
 */
#ifndef _ASM_X86_APIC_H
#define _ASM_X86_APIC_H

#include <linux/types.h>

#define APIC_BASE_MSR		0x800
#define APIC_ID			0x20
#define APIC_TASKPRI		0x80
#define APIC_EOI		0xB0
#define APIC_SPIV		0xF0
#define APIC_SPIV_APIC_ENABLED	(1u << 8)
#define APIC_ICR		0x300
#define APIC_DEST_NOSHORT	(0u << 18)
#define APIC_DEST_SELF		(1u << 18)
#define APIC_DEST_ALLINC	(2u << 18)
#define APIC_DEST_ALLBUT	(3u << 18)
#define APIC_DM_FIXED		(0u << 8)
#define APIC_LVTT		0x320
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_TIMER_PERIODIC	(1u << 17)
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3E0
#define APIC_TDR_DIV_1		0xB

static inline void native_apic_msr_write(u32 reg, u32 v)
{
	__asm__ __volatile__("wrmsr" : : "c" (APIC_BASE_MSR + (reg >> 4)), "a" (v), "d" (0)
			     : "memory");
}

static inline u32 native_apic_msr_read(u32 reg)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a" (lo), "=d" (hi) : "c" (APIC_BASE_MSR + (reg >> 4))
			     : "memory");
	return lo;
}

static inline void native_x2apic_icr_write(u32 low, u32 id)
{
	__asm__ __volatile__("wrmsr" : : "c" (APIC_BASE_MSR + (APIC_ICR >> 4)), "a" (low), "d" (id)
			     : "memory");
}

#define apic_write(reg, v)	native_apic_msr_write(reg, v)
#define apic_read(reg)		native_apic_msr_read(reg)

static inline void ack_APIC_irq(void)
{
	apic_write(APIC_EOI, 0);
}

extern unsigned int lapic_timer_period;	/* retired instructions per tick; 0 = no tick */
extern bool x2apic_usable;

void x2apic_setup(void);
void setup_APIC_timer(void);
void apic_send_IPI(int cpu, int vector);
void apic_send_IPI_allbutself(int vector);
u32 read_apic_id(void);

#endif /* _ASM_X86_APIC_H */
