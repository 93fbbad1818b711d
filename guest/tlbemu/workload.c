// SPDX-License-Identifier: GPL-2.0
/*
 * The workload, run by a process-context task named "ndctl" with PID 911 (as in the seed
 * report) on CPU 0, preemptible: interrupts on, preemption count 0. Command-line options:
 *
 *   pmem=SIZE@ADDR      a persistent-memory namespace (repeatable); it must lie in an e820
 *                       type-7 range. Without pmem=, every type-7 range is used.
 *   hotplug=add,remove  what each round does (default: add,remove when there is pmem)
 *   repeat=N            rounds (default 1)
 *   ptdump              dump the kernel page tables after boot and after each step
 *   remap               after the add, map the range again: first as Linux's callers can
 *                       (init_memory_mapping() over it: present entries are kept, nothing is
 *                       written), then with the TEST-ONLY rewrite knob (mm_internal.h), which
 *                       rewrites every present entry with its identical value: v1 warns, v2 and
 *                       upstream accept it, v4.19 has no check
 *   change              split a large page of the range with early_set_memory_decrypted(), the
 *                       SEV path that really changes present entries: v1 and v2 warn
 *                       (pgalloc.h:87 and friends), upstream goes through
 *                       kernel_physical_mapping_change(); the caller then flushes all CPUs
 *   change-noflush      TEST-ONLY: like change, but the caller skips its flush_tlb_all(): the
 *                       other CPUs keep their old large-page translations of the split range
 *   noflush-teardown    TEST-ONLY: arch_remove_memory() skips its flush_tlb_all() calls
 *   bug                 TEST-ONLY: the workload task hits BUG() before doing anything (checks the
 *                       BUG report path of the guest and of the host trap)
 *   noreader            no reads from the other CPUs
 *   migrate=CPU[:SKIP]  move ndctl to CPU at the (SKIP+1)-th preemption point after the first
 *                       hot-add starts (the spin_unlock()s of the mapping code are such points)
 *
 * Each round: add every namespace (nd_pmem_probe -> pmem_attach_disk -> devm_memremap_pages ->
 * arch_add_memory -> init_memory_mapping -> kernel_physical_mapping_init -> ...), write a
 * pattern through the direct map, have every other CPU read it back (so their TLBs hold the
 * translations), optionally remap/change, then remove every namespace and probe the range from
 * every CPU: a read that still works after the teardown went through a stale TLB entry.
 *
 * debug-exit codes: 0 pass, 1 crash, 2 self-check failed, 3 stale translations used after a
 * teardown without flush (noflush-teardown), 4 bad command line (arch/x86/kernel/reboot.c).
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/mm.h>
#include <linux/bug.h>
#include <linux/memory_hotplug.h>
#include <asm/e820.h>
#include <asm/tlbflush.h>
#include <asm/hardirq.h>
#include <asm/mem_encrypt.h>
#include <asm/apic.h>
#include "../arch/x86/mm/mm_internal.h"
#include "../drivers/nvdimm/nd.h"
#include "tlbemu.h"

void __noreturn machine_exit(int code);
void ptdump_walk_pgd_level(const char *title);
u64 ptdump_direct_map_digest(unsigned long leaves[4]);
struct mm_struct *mm_alloc(const char *name);

extern bool tlbemu_noflush_teardown;
extern unsigned long tlbemu_teardown_flushes_skipped;
extern unsigned long sync_global_pgds_copied;
extern unsigned long enc_dec_splits;
extern unsigned long sched_migrations;
extern unsigned long warn_count;
extern unsigned long sections_added, sections_removed;

#define NDCTL_PID	911
#define MAX_NAMESPACES	8

static struct nd_namespace_io namespaces[MAX_NAMESPACES];
static struct reader_range ranges[MAX_NAMESPACES];
static char ns_names[MAX_NAMESPACES][16];
static int nr_namespaces;

static struct {
	bool add;
	bool remove;
	int repeat;
	bool ptdump;
	bool remap;
	bool change;
	bool change_noflush;
	bool reader;
	int migrate_cpu;
	int migrate_skip;
} opt = { .repeat = 1, .reader = true, .migrate_cpu = -1 };

static struct {
	unsigned long adds, add_errors, removes;
	unsigned long remap_kept_passes, remap_rewrites;
	unsigned long changes;
} result;

static const char *const known_params[] = {
	"loglevel", "printk.time", "noinvpcid", "nogbpages", "debug_pagealloc", "lapic_period", "pmem", "hotplug",
	"repeat", "ptdump", "remap", "change", "change-noflush", "noflush-teardown", "noreader", "migrate", "bug",
};

static int add_namespace(u64 start, u64 size)
{
	struct nd_namespace_io *nsio;
	int i = nr_namespaces;

	if (i >= MAX_NAMESPACES) {
		pr_err("tlbemu: more than %d pmem namespaces\n", MAX_NAMESPACES);
		return -1;
	}
	if (!size || !e820__mapped_all(start, start + size, E820_TYPE_PMEM)) {
		pr_err("tlbemu: pmem=%#llx@%#llx is not inside an e820 persistent-memory range "
		       "(give the emulator --pmem)\n", size, start);
		return -1;
	}
	nsio = &namespaces[i];
	snprintf(ns_names[i], sizeof(ns_names[i]), "pmem%d", i);
	nsio->common.dev.name = ns_names[i];
	nsio->res.start = start;
	nsio->res.end = start + size - 1;
	nsio->res.name = ns_names[i];
	nsio->res.flags = IORESOURCE_MEM;
	ranges[i].start = start;
	ranges[i].size = size;
	nr_namespaces++;
	return 0;
}

int __init tlbemu_parse_options(void)
{
	const char *v;
	unsigned int i;

	check_unknown_params(known_params, ARRAY_SIZE(known_params));

	for (v = cmdline_get_value("pmem", NULL); v; v = cmdline_get_value("pmem", v)) {
		char *end;
		u64 size = memparse(v, &end), start;

		if (*end != '@') {
			pr_err("tlbemu: pmem=%s: expected SIZE@ADDR\n", v);
			return -1;
		}
		start = memparse(end + 1, &end);
		if (add_namespace(start, size))
			return -1;
	}
	if (!nr_namespaces) {
		for (i = 0; i < e820_table.nr_entries; i++) {
			struct e820_entry *e = &e820_table.entries[i];

			if (e->type == E820_TYPE_PMEM && add_namespace(e->addr, e->size))
				return -1;
		}
	}

	v = cmdline_get_value("hotplug", NULL);
	if (v) {
		const char *p = v;

		while (*p) {
			if (!strncmp(p, "add", 3)) {
				opt.add = true;
				p += 3;
			} else if (!strncmp(p, "remove", 6)) {
				opt.remove = true;
				p += 6;
			} else {
				pr_err("tlbemu: hotplug=%s: expected add[,remove]\n", v);
				return -1;
			}
			if (*p == ',')
				p++;
			else if (*p)
				return -1;
		}
	} else if (nr_namespaces) {
		opt.add = opt.remove = true;
	}
	if (opt.remove && !opt.add) {
		pr_err("tlbemu: hotplug=remove needs add\n");
		return -1;
	}

	v = cmdline_get_value("repeat", NULL);
	if (v) {
		opt.repeat = (int)simple_strtoul(v, NULL, 0);
		if (opt.repeat < 1 || opt.repeat > 1000) {
			pr_err("tlbemu: repeat=%s: expected 1..1000\n", v);
			return -1;
		}
	}
	if (opt.add && !opt.remove && opt.repeat > 1) {
		pr_warn("tlbemu: repeat=%d without hotplug=remove: one round only\n", opt.repeat);
		opt.repeat = 1;
	}
	opt.ptdump = cmdline_has_flag("ptdump");
	opt.remap = cmdline_has_flag("remap");
	opt.change_noflush = cmdline_has_flag("change-noflush");
	opt.change = cmdline_has_flag("change") || opt.change_noflush;
	opt.reader = !cmdline_has_flag("noreader");
	tlbemu_noflush_teardown = cmdline_has_flag("noflush-teardown");

	v = cmdline_get_value("migrate", NULL);
	if (v) {
		char *end;

		opt.migrate_cpu = (int)simple_strtoul(v, &end, 0);
		if (*end == ':')
			opt.migrate_skip = (int)simple_strtoul(end + 1, NULL, 0);
	}
	return 0;
}

static unsigned long range_step(u64 size)
{
	unsigned long step = ALIGN(size / 2048, PAGE_SIZE);

	return step > PMD_SIZE ? step : PMD_SIZE;
}

static void fill_job(struct reader_job *job, u64 seed)
{
	job->ranges = ranges;
	job->nr = nr_namespaces;
	job->seed = seed;
	job->step = nr_namespaces ? range_step(ranges[0].size) : PMD_SIZE;
}

/* the ndctl task writes the pattern through the direct map (a pmem "write") */
static void write_pattern(const struct reader_job *job)
{
	int i;

	for (i = 0; i < job->nr; i++) {
		u64 pa;

		for (pa = job->ranges[i].start; pa < job->ranges[i].start + job->ranges[i].size;
		     pa += job->step)
			WRITE_ONCE(*(u64 *)__va(pa), reader_expected(job->seed, pa));
	}
}

static void run_readers(struct reader_job *job, const char *when)
{
	if (!opt.reader || num_online_cpus() < 2)
		return;
	pr_info("tlbemu: readers on the other CPUs check the range %s\n", when);
	smp_call_function(reader_touch, job, 1);
}

static void section_range(const struct reader_range *r, u64 *start, u64 *end)
{
	*start = r->start & ~(SECTION_SIZE - 1);
	*end = ALIGN(r->start + r->size, SECTION_SIZE);
}

static void workload_remap(void)
{
	int i;

	for (i = 0; i < nr_namespaces; i++) {
		u64 start, end;
		unsigned long before;

		if (!namespaces[i].common.pmem)
			continue;
		section_range(&ranges[i], &start, &end);

		pr_info("tlbemu: remap: init_memory_mapping() again over [mem %#010llx-%#010llx]\n",
			start, end - 1);
		before = tlbemu_remap_rewrites;
		init_memory_mapping(start, end);
		result.remap_kept_passes++;

		pr_info("tlbemu: remap: TEST-ONLY rewrite of the present entries with their own values\n");
		tlbemu_remap_rewrite = true;
		init_memory_mapping(start, end);
		tlbemu_remap_rewrite = false;
		result.remap_rewrites += tlbemu_remap_rewrites - before;
		pr_info("tlbemu: remap: %lu present entries rewritten\n", tlbemu_remap_rewrites - before);
	}
}

/* a sub-range of a large page: 4 KiB into the second 2 MiB of the namespace */
static void workload_change(void)
{
	const struct reader_range *r = &ranges[0];
	unsigned long vaddr, size = 2 * PAGE_SIZE;
	unsigned int level;

	if (!nr_namespaces || !namespaces[0].common.pmem)
		return;
	vaddr = (unsigned long)__va(r->start + (r->size >= 2 * PMD_SIZE ? PMD_SIZE : 0) + PAGE_SIZE);
	if (!lookup_address(vaddr, &level)) {
		pr_err("tlbemu: change: %#lx is not mapped\n", vaddr);
		return;
	}
	pr_info("tlbemu: change: early_set_memory_decrypted(%#lx, %#lx), %s page\n", vaddr, size,
		level == PG_LEVEL_1G ? "1G" : level == PG_LEVEL_2M ? "2M" : "4K");

	/* the real caller (SEV guest setup) runs before other CPUs and the scheduler start */
	preempt_disable();
	early_set_memory_decrypted(vaddr, size);
	preempt_enable();
	/* here other CPUs are online and may still hold the old large-page translations */
	if (opt.change_noflush)
		pr_info("tlbemu: change: TEST-ONLY: flush_tlb_all() skipped\n");
	else
		flush_tlb_all();
	result.changes++;
	lookup_address(vaddr, &level);
	pr_info("tlbemu: change: now mapped by a %s page\n",
		level == PG_LEVEL_1G ? "1G" : level == PG_LEVEL_2M ? "2M" : "4K");
}

static void print_summary(int code)
{
	struct page_alloc_stats pst;
	unsigned long leaves[4];
	unsigned long checked = 0, mismatched = 0, probed = 0, stale = 0, done = 0;
	struct bug_entry *bug;
	u64 digest;
	int cpu;

	page_alloc_get_stats(&pst);
	digest = ptdump_direct_map_digest(leaves);
	for (bug = __start___bug_table; bug < __stop___bug_table; bug++)
		if (bug->flags & BUGFLAG_DONE)
			done++;

	pr_info("tlbemu: ---- summary ----\n");
	pr_info("tlbemu: variant %s (%s), %u CPUs, %d-level paging, %s global flushes\n",
		TLBEMU_VARIANT_NAME, UTS_RELEASE, num_online_cpus(), pgtable_l5_enabled() ? 5 : 4,
		boot_cpu_has(X86_FEATURE_INVPCID) ? "INVPCID" : "CR4.PGE-toggle");
	pr_info("tlbemu: hot-add %lu (errors %lu), hot-remove %lu, sections +%lu -%lu, "
		"remap passes %lu (rewrites %lu), changes %lu (splits %lu)\n", result.adds,
		result.add_errors, result.removes, sections_added, sections_removed,
		result.remap_kept_passes, result.remap_rewrites, result.changes, enc_dec_splits);
	pr_info("tlbemu: warnings %lu (ONCE entries done %lu of %lu), migrations %lu\n",
		warn_count, done, (unsigned long)(__stop___bug_table - __start___bug_table),
		sched_migrations);
	pr_info("tlbemu: page-table pages allocated %lu freed %lu; sync_global_pgds copies %lu; "
		"teardown flushes skipped %lu\n", pgtable_pages_allocated, pgtable_pages_freed,
		sync_global_pgds_copied, tlbemu_teardown_flushes_skipped);
	pr_info("tlbemu: DirectMap4k %lu, DirectMap2M %lu, DirectMap1G %lu (pages); "
		"allocator: used %lu freed %lu\n", direct_pages_count[PG_LEVEL_4K],
		direct_pages_count[PG_LEVEL_2M], direct_pages_count[PG_LEVEL_1G], pst.allocated,
		pst.freed);
	for_each_online_cpu(cpu) {
		unsigned long *ev = per_cpu(tlb_events, cpu);
		irq_cpustat_t *is = per_cpu_ptr(&irq_stat, cpu);
		struct reader_stats *rs = per_cpu_ptr(&reader_stats, cpu);

		pr_info("tlbemu: CPU%d: __flush_tlb_all %lu (invpcid %lu, cr4 %lu, cr3 %lu), "
			"flush_tlb_all %lu, flush IPIs %lu, ticks %lu, call IPIs %lu, resched %lu, "
			"fixed faults %lu\n", cpu, ev[NR_TLB_LOCAL_FLUSH_ALL], ev[NR_TLB_FLUSH_INVPCID],
			ev[NR_TLB_FLUSH_CR4_PGE], ev[NR_TLB_FLUSH_CR3], ev[NR_TLB_REMOTE_FLUSH],
			ev[NR_TLB_REMOTE_FLUSH_RECEIVED], is->apic_timer_irqs, is->irq_call_count,
			is->irq_resched_count, is->page_faults_fixed);
		checked += rs->checked;
		mismatched += rs->mismatched;
		probed += rs->probed;
		stale += rs->stale_hits;
	}
	pr_info("tlbemu: readers: %lu words checked, %lu mismatched; after teardown: %lu probes, "
		"%lu stale hits\n", checked, mismatched, probed, stale);
	pr_info("tlbemu: direct map digest %016llx (1G %lu, 2M %lu, 4K %lu leaves)\n", digest,
		leaves[3], leaves[2], leaves[1]);
	pr_info("tlbemu: result %s (debug-exit %d)\n",
		code == 0 ? "PASS" : code == 3 ? "STALE-TLB" : "FAIL", code);
}

static int compute_exit_code(void)
{
	unsigned long mismatched = 0, stale = 0;
	int cpu;

	for_each_online_cpu(cpu) {
		mismatched += per_cpu(reader_stats, cpu).mismatched;
		stale += per_cpu(reader_stats, cpu).stale_hits;
	}
	if (mismatched || result.add_errors)
		return 2;
	if (stale)
		return tlbemu_noflush_teardown ? 3 : 2;
	return 0;
}

static noinline int tlbemu_workload(void *arg)
{
	struct reader_job job;
	int round, i, code;

	(void)arg;
	tlbemu_abi_set_state(TLBEMU_STATE_WORKLOAD);
	pr_info("tlbemu: %s[%d] runs on CPU %d, preempt_count %d, interrupts %s\n",
		current->comm, current->pid, smp_processor_id(), preempt_count(),
		irqs_disabled() ? "off" : "on");

	if (cmdline_has_flag("bug"))
		BUG();
	if (!nr_namespaces)
		pr_info("tlbemu: no persistent memory: nothing to hot-add\n");

	for (round = 0; round < opt.repeat && opt.add && nr_namespaces; round++) {
		fill_job(&job, round + 1);
		pr_info("tlbemu: round %d/%d\n", round + 1, opt.repeat);

		if (round == 0 && opt.migrate_cpu >= 0) {
			if (opt.migrate_cpu >= (int)nr_cpu_ids || !cpu_online(opt.migrate_cpu) ||
			    opt.migrate_cpu == smp_processor_id())
				pr_warn("tlbemu: migrate=%d: not another online CPU, ignored\n",
					opt.migrate_cpu);
			else
				sched_request_migration(current, opt.migrate_cpu, opt.migrate_skip);
		}

		for (i = 0; i < nr_namespaces; i++) {
			int ret = nd_pmem_probe(&namespaces[i].common.dev);

			if (ret) {
				pr_err("tlbemu: %s: attach failed (%d)\n", ns_names[i], ret);
				result.add_errors++;
				continue;
			}
			result.adds++;
		}
		pr_info("tlbemu: ndctl now on CPU %d\n", smp_processor_id());
		write_pattern(&job);
		run_readers(&job, "after hot-add");

		if (opt.remap) {
			workload_remap();
			run_readers(&job, "after remap");
		}
		if (opt.change) {
			workload_change();
			run_readers(&job, "after change");
		}
		if (opt.ptdump)
			ptdump_walk_pgd_level("after hot-add");

		if (!opt.remove)
			continue;
		for (i = nr_namespaces - 1; i >= 0; i--) {
			if (!namespaces[i].common.pmem)
				continue;
			nd_pmem_remove(&namespaces[i].common.dev);
			result.removes++;
		}
		/* every CPU tries the removed range: only stale translations can still serve it */
		on_each_cpu(reader_probe, &job, 1);
		if (opt.ptdump)
			ptdump_walk_pgd_level("after hot-remove");
	}

	code = compute_exit_code();
	print_summary(code);
	tlbemu_abi_set_state(TLBEMU_STATE_DONE);
	machine_exit(code);
}

void __init tlbemu_start_workload(void)
{
	struct mm_struct *mm = mm_alloc("ndctl");
	struct task_struct *p;

	if (opt.ptdump)
		ptdump_walk_pgd_level("boot");
	p = kthread_create_on_cpu(tlbemu_workload, NULL, 0, "ndctl", NDCTL_PID, mm);
	if (!p || !mm)
		panic("tlbemu: cannot create the ndctl task");
	wake_up_new_task(p, 0);
}
