// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC in x2APIC mode: enable, per-CPU periodic timer (tlbemu's timer counts retired
 * instructions, so ticks land at deterministic points), IPIs through the 64-bit ICR.
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/smp.h>
#include <linux/hardirq.h>
#include <asm/apic.h>
#include <asm/msr.h>
#include <asm/irq_vectors.h>
#include <asm/ptrace.h>

DEFINE_PER_CPU(u32, x86_cpu_to_apicid);

/* instructions between ticks; "lapic_period=N" on the command line, 0 disables the tick */
unsigned int lapic_timer_period = 200000;

/*
 * False when reading the x2APIC ID register faults: then there are no IPIs and no tick, and
 * the kernel runs on CPU 0 alone (smp_release_secondaries() parks the others).
 */
bool x2apic_usable = true;

u32 read_apic_id(void)
{
	return apic_read(APIC_ID);
}

void x2apic_setup(void)
{
	u64 base;

	/*
	 * IA32_APIC_BASE: set EN and EXTD (x2APIC mode) if the MSR exists and they are not
	 * already set. Both accesses are fault-tolerant: tlbemu may expose the x2APIC through
	 * MSRs 0x800-0x8ff only.
	 */
	if (!rdmsrl_safe(MSR_IA32_APICBASE, &base) &&
	    (base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) !=
	    (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE))
		wrmsrl_safe(MSR_IA32_APICBASE, base | MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE);

	if (rdmsrl_safe(APIC_BASE_MSR + (APIC_ID >> 4), &base)) {
		x2apic_usable = false;
		pr_warn("x2apic: reading the x2APIC ID (MSR 0x802) faults: no IPIs, no timer\n");
		return;
	}
	this_cpu_write(x86_cpu_to_apicid, (u32)base);
	apic_write(APIC_TASKPRI, 0);
	apic_write(APIC_SPIV, APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR);
}

void setup_APIC_timer(void)
{
	if (!x2apic_usable)
		return;
	if (!lapic_timer_period) {
		apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
		return;
	}
	apic_write(APIC_TDCR, APIC_TDR_DIV_1);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | LOCAL_TIMER_VECTOR);
	apic_write(APIC_TMICT, lapic_timer_period);
}

/* the tick only counts: it never asks for a reschedule (see linux/sched.h) */
void smp_apic_timer_interrupt(struct pt_regs *regs)
{
	(void)regs;
	ack_APIC_irq();
	irq_enter();
	inc_irq_stat(apic_timer_irqs);
	irq_exit();
}

void apic_send_IPI(int cpu, int vector)
{
	native_x2apic_icr_write(APIC_DEST_NOSHORT | APIC_DM_FIXED | (u32)vector,
				per_cpu(x86_cpu_to_apicid, cpu));
}

void apic_send_IPI_allbutself(int vector)
{
	native_x2apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_FIXED | (u32)vector, 0);
}
