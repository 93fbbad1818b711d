// SPDX-License-Identifier: GPL-2.0
/*
 * Secondary CPUs. tlbemu starts every CPU at the ELF entry at once (no INIT/SIPI). A secondary
 * spins with pause, on the loader's page tables, until the bootstrap CPU names it in
 * release_cpu; CPUs are released one at a time, in index order, so boot output is the same on
 * every run. A released CPU loads the kernel CR3, its GS base, GDT/TSS/IDT, enables PGE,
 * starts its x2APIC and tick, and idles with interrupts on.
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/smp.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <asm/apic.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/mmu_context.h>

static volatile int release_cpu __section(".data") = 0;
static struct task_struct idle_tasks[NR_CPUS];
struct cpumask __cpu_online_mask;
extern unsigned long mmu_cr4_features;

void load_percpu_segment(int cpu);
void setup_secondary_percpu(int cpu, struct task_struct *idle);

void set_cpu_online(unsigned int cpu, bool online)
{
	if (online)
		__atomic_or_fetch(&__cpu_online_mask.bits, 1UL << cpu, __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&__cpu_online_mask.bits, ~(1UL << cpu), __ATOMIC_SEQ_CST);
}

unsigned int num_online_cpus(void)
{
	unsigned long bits = READ_ONCE(__cpu_online_mask.bits);
	unsigned int n = 0;

	for (; bits; bits &= bits - 1)
		n++;
	return n;
}

static void __noreturn start_secondary(int cpu)
{
	load_cr3(init_top_pgt);
	cpu_init();
	cr4_set_bits(mmu_cr4_features);		/* PSE, PGE: kernel mappings become global */
	__flush_tlb_all();			/* interrupts are still off */
	x2apic_setup();
	setup_APIC_timer();
	pr_info("smpboot: CPU %d is up (x2APIC ID %u)\n", cpu, this_cpu_read(x86_cpu_to_apicid));
	set_cpu_online(cpu, true);
	local_irq_enable();
	cpu_startup_entry();
}

#define RELEASE_PARK	(-2)

void __noreturn start_secondary_early(unsigned long cpu)
{
	int r;

	while ((r = READ_ONCE(release_cpu)) != (int)cpu) {
		if (r == RELEASE_PARK) {
			/* no x2APIC: nothing could ever reach this CPU */
			for (;;)
				__asm__ __volatile__("cli; hlt" : : : "memory");
		}
		cpu_relax();
	}
	load_percpu_segment((int)cpu);
	start_secondary((int)cpu);
}

#define SECONDARY_WAIT_LOOPS	20000000UL

void __init smp_release_secondaries(void)
{
	unsigned int cpu;
	unsigned long n;

	set_cpu_online(0, true);
	if (!x2apic_usable && nr_cpu_ids > 1) {
		pr_warn("smp: no x2APIC: CPUs 1-%u parked, running on CPU 0 only\n", nr_cpu_ids - 1);
		WRITE_ONCE(release_cpu, RELEASE_PARK);
		nr_cpu_ids = 1;
	}
	for (cpu = 1; cpu < nr_cpu_ids; cpu++) {
		init_idle(&idle_tasks[cpu], cpu);
		setup_secondary_percpu(cpu, &idle_tasks[cpu]);
		barrier();
		WRITE_ONCE(release_cpu, (int)cpu);
		for (n = 0; n < SECONDARY_WAIT_LOOPS && !cpu_online(cpu); n++)
			cpu_relax();
		if (!cpu_online(cpu))
			pr_err("smpboot: CPU %u did not come online\n", cpu);
	}
	pr_info("smp: Brought up 1 node, %u CPUs\n", num_online_cpus());
}
