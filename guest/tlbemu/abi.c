// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI block the host reads (guest/ABI.md): a global symbol tlbemu_abi in section
 * .tlbemu_abi. Static fields are valid in the image; runtime fields are filled during boot.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/bug.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <asm/tlbemu_boot.h>
#include "tlbemu.h"

extern char percpu_areas[][PERCPU_AREA_SIZE];	/* setup.c */

__attribute__((__section__(".tlbemu_abi"), __used__, __aligned__(64)))
struct tlbemu_abi tlbemu_abi = {
	.magic = TLBEMU_ABI_MAGIC,
	.version = TLBEMU_ABI_VERSION,
	.size = sizeof(struct tlbemu_abi),
	.nr_cpus_max = NR_CPUS,
	.percpu_area_base = (u64)percpu_areas,
	.percpu_area_stride = PERCPU_AREA_SIZE,
	.per_cpu_offset_addr = (u64)__per_cpu_offset,
	.off_preempt_count = (u64)&__preempt_count,
	.off_current_task = (u64)&current_task,
	.off_cpu_number = (u64)&cpu_number,
	.off_this_cpu_off = (u64)&this_cpu_off,
	.off_cpu_tlbstate = (u64)&cpu_tlbstate,
	.off_cpu_tlbstate_cr4 = (u64)&cpu_tlbstate.cr4,
	.off_tlb_events = (u64)&tlb_events,
	.preempt_need_resched = PREEMPT_NEED_RESCHED,
	.nr_tlb_events = NR_TLB_EVENTS,
	.task_pid_offset = offsetof(struct task_struct, pid),
	.task_comm_offset = offsetof(struct task_struct, comm),
	.task_comm_len = TASK_COMM_LEN,
	.task_cpu_offset = offsetof(struct task_struct, cpu),
	.page_offset_base_addr = (u64)&page_offset_base,
	.pgtable_l5_enabled_addr = (u64)&__pgtable_l5_enabled,
	.init_top_pgt_addr = (u64)init_top_pgt,
	.bug_table_start = (u64)__start___bug_table,
	.bug_table_stop = (u64)__stop___bug_table,
	.bug_entry_size = sizeof(struct bug_entry),
	.kernel_version = UTS_RELEASE " " UTS_VERSION,
	.variant = TLBEMU_VARIANT_NAME,
};

void tlbemu_abi_set_state(enum tlbemu_state state)
{
	WRITE_ONCE(tlbemu_abi.state, state);
}

void tlbemu_abi_boot_done(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < NR_CPUS; cpu++)
		tlbemu_abi.per_cpu_offset[cpu] = cpu < nr_cpu_ids ? __per_cpu_offset[cpu] : 0;
	tlbemu_abi.nr_cpus = num_online_cpus();
	tlbemu_abi.paging_levels = pgtable_l5_enabled() ? 5 : 4;
	tlbemu_abi_set_state(TLBEMU_STATE_SMP_UP);
}

/* the layout guest/ABI.md documents */
_Static_assert(offsetof(struct tlbemu_abi, magic) == 0, "abi");
_Static_assert(offsetof(struct tlbemu_abi, version) == 8, "abi");
_Static_assert(offsetof(struct tlbemu_abi, size) == 12, "abi");
_Static_assert(offsetof(struct tlbemu_abi, nr_cpus_max) == 16, "abi");
_Static_assert(offsetof(struct tlbemu_abi, nr_cpus) == 20, "abi");
_Static_assert(offsetof(struct tlbemu_abi, state) == 24, "abi");
_Static_assert(offsetof(struct tlbemu_abi, paging_levels) == 28, "abi");
_Static_assert(offsetof(struct tlbemu_abi, percpu_area_base) == 32, "abi");
_Static_assert(offsetof(struct tlbemu_abi, percpu_area_stride) == 40, "abi");
_Static_assert(offsetof(struct tlbemu_abi, per_cpu_offset_addr) == 48, "abi");
_Static_assert(offsetof(struct tlbemu_abi, off_preempt_count) == 56, "abi");
_Static_assert(offsetof(struct tlbemu_abi, off_current_task) == 64, "abi");
_Static_assert(offsetof(struct tlbemu_abi, off_cpu_number) == 72, "abi");
_Static_assert(offsetof(struct tlbemu_abi, off_this_cpu_off) == 80, "abi");
_Static_assert(offsetof(struct tlbemu_abi, off_cpu_tlbstate) == 88, "abi");
_Static_assert(offsetof(struct tlbemu_abi, off_cpu_tlbstate_cr4) == 96, "abi");
_Static_assert(offsetof(struct tlbemu_abi, off_tlb_events) == 104, "abi");
_Static_assert(offsetof(struct tlbemu_abi, preempt_need_resched) == 112, "abi");
_Static_assert(offsetof(struct tlbemu_abi, nr_tlb_events) == 116, "abi");
_Static_assert(offsetof(struct tlbemu_abi, task_pid_offset) == 120, "abi");
_Static_assert(offsetof(struct tlbemu_abi, task_comm_offset) == 124, "abi");
_Static_assert(offsetof(struct tlbemu_abi, task_comm_len) == 128, "abi");
_Static_assert(offsetof(struct tlbemu_abi, task_cpu_offset) == 132, "abi");
_Static_assert(offsetof(struct tlbemu_abi, page_offset_base_addr) == 136, "abi");
_Static_assert(offsetof(struct tlbemu_abi, pgtable_l5_enabled_addr) == 144, "abi");
_Static_assert(offsetof(struct tlbemu_abi, init_top_pgt_addr) == 152, "abi");
_Static_assert(offsetof(struct tlbemu_abi, bug_table_start) == 160, "abi");
_Static_assert(offsetof(struct tlbemu_abi, bug_table_stop) == 168, "abi");
_Static_assert(offsetof(struct tlbemu_abi, bug_entry_size) == 176, "abi");
_Static_assert(offsetof(struct tlbemu_abi, per_cpu_offset) == 184, "abi");
_Static_assert(offsetof(struct tlbemu_abi, kernel_version) == 184 + 8 * NR_CPUS, "abi");
_Static_assert(offsetof(struct tlbemu_abi, variant) == 248 + 8 * NR_CPUS, "abi");
_Static_assert(sizeof(struct tlbemu_abi) == 264 + 8 * NR_CPUS, "abi");
_Static_assert(sizeof(struct bug_entry) == 12, "bug_entry");
