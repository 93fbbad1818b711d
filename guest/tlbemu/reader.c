// SPDX-License-Identifier: GPL-2.0
/*
 * Readers: functions run on the other CPUs through IPIs (interrupts off) that read the direct
 * map of the hot-added ranges, so those CPUs' TLBs hold translations a teardown has to shoot
 * down.
 *   reader_touch  reads one word every job->step bytes and checks the value the ndctl task
 *                 wrote there
 *   reader_probe  after a teardown, tries the same reads with fault fixups: a read that still
 *                 succeeds went through a stale TLB entry
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <asm/page.h>
#include <asm/extable.h>
#include "tlbemu.h"

DEFINE_PER_CPU(struct reader_stats, reader_stats);

u64 reader_expected(u64 seed, u64 paddr)
{
	return seed ^ paddr ^ 0x746c62656d75ULL;	/* "tlbemu" */
}

void reader_touch(void *info)
{
	const struct reader_job *job = info;
	unsigned long checked = 0, mismatched = 0;
	int i;

	for (i = 0; i < job->nr; i++) {
		u64 pa;

		for (pa = job->ranges[i].start; pa < job->ranges[i].start + job->ranges[i].size;
		     pa += job->step) {
			u64 v = READ_ONCE(*(u64 *)__va(pa));

			checked++;
			if (v != reader_expected(job->seed, pa))
				mismatched++;
		}
	}
	this_cpu_add(reader_stats.checked, checked);
	this_cpu_add(reader_stats.mismatched, mismatched);
	this_cpu_inc(reader_stats.rounds);
}

void reader_probe(void *info)
{
	const struct reader_job *job = info;
	unsigned long probed = 0, hits = 0;
	int i;

	for (i = 0; i < job->nr; i++) {
		u64 pa;

		for (pa = job->ranges[i].start; pa < job->ranges[i].start + job->ranges[i].size;
		     pa += job->step) {
			unsigned long long v;

			probed++;
			if (!probe_read_u64(__va(pa), &v))
				hits++;
		}
	}
	this_cpu_add(reader_stats.probed, probed);
	this_cpu_add(reader_stats.stale_hits, hits);
}
