/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tlbemu test harness inside the guest: the ABI block the host reads, the workload run by
 * the "ndctl" task, and the readers on the other CPUs. Not Linux code.
 */
#ifndef _TLBEMU_TLBEMU_H
#define _TLBEMU_TLBEMU_H

#include <linux/types.h>
#include <asm/percpu.h>
#include <asm/processor.h>

#define TLBEMU_ABI_MAGIC	0x4942414D45424C54ULL	/* "TLBEMABI" */
#define TLBEMU_ABI_VERSION	1

enum tlbemu_state {
	TLBEMU_STATE_BOOTING = 0,
	TLBEMU_STATE_PERCPU_READY = 1,	/* GS base and per-CPU offsets valid on CPU 0 */
	TLBEMU_STATE_SMP_UP = 2,	/* all CPUs online, kernel page tables live everywhere */
	TLBEMU_STATE_WORKLOAD = 3,	/* the ndctl task runs */
	TLBEMU_STATE_DONE = 4,		/* summary printed, about to exit */
};

struct tlbemu_abi {
	u64 magic;
	u32 version;
	u32 size;			/* sizeof(struct tlbemu_abi) */
	u32 nr_cpus_max;		/* NR_CPUS: length of per_cpu_offset[] */
	u32 nr_cpus;			/* CPUs brought up (runtime) */
	u32 state;			/* enum tlbemu_state (runtime) */
	u32 paging_levels;		/* 4 or 5 (runtime) */
	u64 percpu_area_base;		/* area of CPU n = base + n * stride (static) */
	u64 percpu_area_stride;
	u64 per_cpu_offset_addr;	/* address of __per_cpu_offset[NR_CPUS] (u64 each) */
	/* offsets inside a per-CPU area (= the per-CPU symbols' values) */
	u64 off_preempt_count;		/* int __preempt_count, bit 31 = NEED_RESCHED inverted */
	u64 off_current_task;		/* struct task_struct *current_task */
	u64 off_cpu_number;		/* int cpu_number */
	u64 off_this_cpu_off;		/* unsigned long this_cpu_off (= the area's address) */
	u64 off_cpu_tlbstate;		/* struct tlb_state cpu_tlbstate */
	u64 off_cpu_tlbstate_cr4;	/* unsigned long cpu_tlbstate.cr4 (CR4 shadow) */
	u64 off_tlb_events;		/* unsigned long tlb_events[NR_TLB_EVENTS] */
	u32 preempt_need_resched;	/* 0x80000000 */
	u32 nr_tlb_events;
	/* struct task_struct */
	u32 task_pid_offset;		/* int */
	u32 task_comm_offset;		/* char[task_comm_len], NUL-terminated */
	u32 task_comm_len;
	u32 task_cpu_offset;		/* int */
	/* globals */
	u64 page_offset_base_addr;	/* unsigned long page_offset_base */
	u64 pgtable_l5_enabled_addr;	/* unsigned int __pgtable_l5_enabled */
	u64 init_top_pgt_addr;		/* swapper_pg_dir */
	u64 bug_table_start;		/* __bug_table bounds */
	u64 bug_table_stop;
	u32 bug_entry_size;		/* 12 */
	u32 reserved0;
	u64 per_cpu_offset[NR_CPUS];	/* copy of __per_cpu_offset (runtime) */
	char kernel_version[64];	/* "4.19.0-tlbemu #1 SMP" */
	char variant[16];		/* "v4.19", "v1", "v2", "upstream" */
};

extern struct tlbemu_abi tlbemu_abi;

void tlbemu_abi_set_state(enum tlbemu_state state);
void tlbemu_abi_boot_done(void);

/* workload (tlbemu/workload.c) */
int __init tlbemu_parse_options(void);
void tlbemu_start_workload(void);

/* readers (tlbemu/reader.c) */
struct reader_range {
	u64 start;
	u64 size;
};

struct reader_job {
	const struct reader_range *ranges;
	int nr;
	u64 seed;			/* expected value of a checked word: seed ^ physical address */
	unsigned long step;		/* bytes between touched words */
};

struct reader_stats {
	unsigned long rounds;
	unsigned long checked;		/* words read and compared */
	unsigned long mismatched;
	unsigned long probed;		/* probe reads after a teardown */
	unsigned long stale_hits;	/* ... that still translated */
};
DECLARE_PER_CPU(struct reader_stats, reader_stats);

u64 reader_expected(u64 seed, u64 paddr);
void reader_touch(void *info);
void reader_probe(void *info);

#endif /* _TLBEMU_TLBEMU_H */
