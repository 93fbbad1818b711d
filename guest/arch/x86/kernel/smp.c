// SPDX-License-Identifier: GPL-2.0
/*
 * Inter-processor interrupts: reschedule and call-function (kernel/smp.c queues the work).
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <linux/sched.h>
#include <linux/hardirq.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/ptrace.h>

void smp_send_reschedule(int cpu)
{
	apic_send_IPI(cpu, RESCHEDULE_VECTOR);
}

void arch_send_call_function_ipi(int cpu)
{
	apic_send_IPI(cpu, CALL_FUNCTION_VECTOR);
}

void smp_reschedule_interrupt(struct pt_regs *regs)
{
	(void)regs;
	ack_APIC_irq();
	irq_enter();
	inc_irq_stat(irq_resched_count);
	scheduler_ipi();
	irq_exit();
}

void smp_call_function_interrupt(struct pt_regs *regs)
{
	(void)regs;
	ack_APIC_irq();
	irq_enter();
	inc_irq_stat(irq_call_count);
	generic_smp_call_function_single_interrupt();
	irq_exit();
}
