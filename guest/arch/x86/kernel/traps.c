// SPDX-License-Identifier: GPL-2.0
/*
 * Exception and interrupt dispatch. The #UD path is the guest's own WARN/BUG handling
 * (do_invalid_op -> fixup_bug -> report_bug); a host that traps the ud2 first can do the same
 * from the __bug_table entry.
 */
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/hardirq.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/traps.h>
#include <asm/bug.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/extable.h>
#include <asm/tlbemu_boot.h>

DEFINE_PER_CPU(irq_cpustat_t, irq_stat);

void smp_apic_timer_interrupt(struct pt_regs *regs);
void smp_reschedule_interrupt(struct pt_regs *regs);
void smp_call_function_interrupt(struct pt_regs *regs);

static int fixup_bug(struct pt_regs *regs, int trapnr)
{
	if (trapnr != X86_TRAP_UD)
		return 0;

	switch (report_bug(regs->ip, regs)) {
	case BUG_TRAP_TYPE_NONE:
	case BUG_TRAP_TYPE_BUG:
		break;
	case BUG_TRAP_TYPE_WARN:
		regs->ip += LEN_UD2;
		return 1;
	}
	return 0;
}

static void do_invalid_op(struct pt_regs *regs)
{
	if (!user_mode(regs) && fixup_bug(regs, X86_TRAP_UD))
		return;
	die("invalid opcode", regs, 0);
}

static void do_general_protection(struct pt_regs *regs)
{
	if (!user_mode(regs) && fixup_exception(regs, X86_TRAP_GP))
		return;
	die("general protection fault", regs, regs->orig_ax);
}

static void do_nmi(struct pt_regs *regs)
{
	inc_irq_stat(nmi_count);
	pr_warn("NMI received on CPU %d at %pS\n", smp_processor_id(), (void *)regs->ip);
}

static const char *const trap_names[] = {
	"divide error", "debug", "nmi", "int3", "overflow", "bounds", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack segment", "general protection fault", "page fault",
	"spurious interrupt bug", "coprocessor error", "alignment check", "machine check",
	"simd exception", "virtualization exception", "control protection",
};

static void handle_irq(struct pt_regs *regs, unsigned long vector)
{
	switch (vector) {
	case LOCAL_TIMER_VECTOR:
		smp_apic_timer_interrupt(regs);
		return;
	case RESCHEDULE_VECTOR:
		smp_reschedule_interrupt(regs);
		return;
	case CALL_FUNCTION_VECTOR:
	case CALL_FUNCTION_SINGLE_VECTOR:
		smp_call_function_interrupt(regs);
		return;
	case SPURIOUS_APIC_VECTOR:
		inc_irq_stat(irq_spurious_count);	/* no EOI for the spurious vector */
		return;
	default:
		ack_APIC_irq();
		inc_irq_stat(irq_unexpected_count);
		pr_warn("CPU%d: unexpected interrupt vector %#lx at %pS\n", smp_processor_id(),
			vector, (void *)regs->ip);
		return;
	}
}

void do_trap_entry(struct pt_regs *regs)
{
	unsigned long vector = regs->vector;

	if (vector >= FIRST_EXTERNAL_VECTOR) {
		handle_irq(regs, vector);
		return;
	}

	switch (vector) {
	case X86_TRAP_UD:
		do_invalid_op(regs);
		return;
	case X86_TRAP_PF:
		do_page_fault(regs, regs->orig_ax);
		return;
	case X86_TRAP_GP:
		do_general_protection(regs);
		return;
	case X86_TRAP_NMI:
		do_nmi(regs);
		return;
	default:
		die(vector < ARRAY_SIZE(trap_names) ? trap_names[vector] : "reserved exception",
		    regs, regs->orig_ax == (unsigned long)-1 ? 0 : regs->orig_ax);
	}
}
