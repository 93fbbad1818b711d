// SPDX-License-Identifier: GPL-2.0
/*
 * start_kernel(): the bootstrap CPU's path from the early page tables to the idle loop.
 * Interrupts stay off until every CPU runs on the kernel's page tables; then the ndctl task is
 * created and CPU 0 enters its idle loop, which switches to it.
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/tlbemu_boot.h>
#include "../tlbemu/tlbemu.h"

void setup_arch(void);
void __noreturn machine_exit(int code);

static void __init lapic_params(void)
{
	const char *v = cmdline_get_value("lapic_period", NULL);

	if (v)
		lapic_timer_period = (unsigned int)simple_strtoul(v, NULL, 0);
}

static void __init __noreturn rest_init(void)
{
	tlbemu_start_workload();
	cpu_startup_entry();
}

void __init start_kernel(void)
{
	tlbemu_abi_set_state(TLBEMU_STATE_PERCPU_READY);
	parse_early_params();
	printk_setup();
	pr_notice("Linux version %s (tlbemu guest kernel, variant %s) %s\n", UTS_RELEASE,
		  TLBEMU_VARIANT_NAME, UTS_VERSION);

	setup_arch();
	if (tlbemu_parse_options()) {
		pr_emerg("tlbemu: bad command line\n");
		machine_exit(4);
	}
	mem_init();
	sched_init();
	call_function_init();

	lapic_params();
	x2apic_setup();
	setup_APIC_timer();
	if (x2apic_usable)
		pr_info("x2apic: CPU 0 x2APIC ID %u, timer %s (%u instructions)\n",
			this_cpu_read(x86_cpu_to_apicid), lapic_timer_period ? "periodic" : "off",
			lapic_timer_period);

	smp_release_secondaries();
	tlbemu_abi_boot_done();

	local_irq_enable();
	rest_init();
}
