// SPDX-License-Identifier: GPL-2.0
/*
 * setup_arch() and the per-CPU areas.
 *
 * Per-CPU areas: PERCPU_AREA_SIZE bytes per possible CPU in .bss; __per_cpu_offset[cpu] is the
 * address of CPU cpu's area and is what that CPU's GS base holds. A per-CPU variable's address
 * on a CPU is __per_cpu_offset[cpu] + its symbol value (an offset, see kernel.lds).
 */
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/msr.h>
#include <asm/e820.h>
#include <asm/tlbemu_boot.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <asm/processor.h>

DEFINE_PER_CPU(unsigned long, this_cpu_off);
DEFINE_PER_CPU(int, cpu_number);
DEFINE_PER_CPU(struct task_struct *, current_task);
DEFINE_PER_CPU(int, __preempt_count);

unsigned long __per_cpu_offset[NR_CPUS];
/* global: the ABI block (tlbemu/abi.c) names the areas' base */
char percpu_areas[NR_CPUS][PERCPU_AREA_SIZE] __aligned(4096) __section(".bss..page_aligned");

unsigned int nr_cpu_ids = 1;

void load_percpu_segment(int cpu)
{
	wrmsrl(MSR_GS_BASE, __per_cpu_offset[cpu]);
}

/* CPU 0, first thing in C: nothing may touch a per-CPU variable before this */
void __init setup_per_cpu_offsets(void)
{
	int cpu;

	for (cpu = 0; cpu < NR_CPUS; cpu++)
		__per_cpu_offset[cpu] = (unsigned long)percpu_areas[cpu];
	load_percpu_segment(0);
	this_cpu_write(this_cpu_off, __per_cpu_offset[0]);
	this_cpu_write(cpu_number, 0);
	this_cpu_write(__preempt_count, PREEMPT_ENABLED);
	this_cpu_write(current_task, &init_task);
}

/* the basics of every other CPU's area, written by CPU 0 before it releases them */
void __init setup_secondary_percpu(int cpu, struct task_struct *idle)
{
	per_cpu(this_cpu_off, cpu) = __per_cpu_offset[cpu];
	per_cpu(cpu_number, cpu) = cpu;
	per_cpu(__preempt_count, cpu) = PREEMPT_ENABLED;
	per_cpu(current_task, cpu) = idle;
}

void init_mem_mapping(void);

void __init setup_arch(void)
{
	pr_info("Command line: %s\n", boot_command_line);
	e820__print_table("BIOS-e820");

	nr_cpu_ids = boot_cpu_count > NR_CPUS ? NR_CPUS : boot_cpu_count;
	if (boot_cpu_count > NR_CPUS)
		pr_warn("tlbemu: %u CPUs offered, NR_CPUS is %d\n", boot_cpu_count, NR_CPUS);

	identify_boot_cpu();
	idt_setup();
	cpu_init();		/* GDT, TSS, IDT, CR4 shadow of CPU 0 */

	memblock_init();
	max_pfn = e820__end_of_ram_pfn();
	max_low_pfn = max_pfn;

	/* the direct map of all boot RAM, with interrupts off, then CR3 = init_top_pgt */
	init_mem_mapping();
}
