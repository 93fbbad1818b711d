// SPDX-License-Identifier: GPL-2.0
/*
 * First C code of the bootstrap CPU (x86_64_start_kernel) and of the secondaries
 * (start_secondary_early).
 *
 * The bootstrap CPU runs on the loader's tables (identity 4 GiB + the kernel image), which have
 * no direct map. Like Linux it first switches to early page tables of its own: the kernel
 * high mapping (level3_kernel_pgt/level2_kernel_pgt, 2 MiB pages, shared with init_top_pgt)
 * and a direct map of the first 4 GiB with 2 MiB pages, so that the mapping code can reach
 * page-table pages through __va() while it builds init_top_pgt (Linux gets the same from its
 * early page-fault handler). Boot allocations come from RAM below 4 GiB (max_pfn_mapped).
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/sections.h>
#include <asm/special_insns.h>
#include <asm/msr.h>
#include <asm/tlbemu_boot.h>
#include <asm/e820.h>
#include <asm/smp.h>
#include <asm/tlbflush.h>

/* paging mode, decided from the boot-info block before anything walks a table */
unsigned int __pgtable_l5_enabled;
unsigned int pgdir_shift = 39;
unsigned int ptrs_per_p4d = 1;
unsigned long page_offset_base = __PAGE_OFFSET_BASE_L4;
unsigned long phys_base;	/* loaded where linked: 0 */

char boot_command_line[COMMAND_LINE_SIZE];
unsigned int boot_cpu_count = 1;
unsigned int boot_paging_levels = 4;
static int boot_info_error;

/* the kernel's own tables: page-aligned, in .bss */
pgd_t init_top_pgt[512] __aligned(4096) __section(".bss..page_aligned");
pgd_t early_top_pgt[512] __aligned(4096) __section(".bss..page_aligned");
p4d_t level4_kernel_pgt[512] __aligned(4096) __section(".bss..page_aligned");
pud_t level3_kernel_pgt[512] __aligned(4096) __section(".bss..page_aligned");
pmd_t level2_kernel_pgt[512] __aligned(4096) __section(".bss..page_aligned");
static p4d_t early_p4d_direct[512] __aligned(4096) __section(".bss..page_aligned");
static pud_t early_pud_direct[512] __aligned(4096) __section(".bss..page_aligned");
static pmd_t early_pmd_direct[4][512] __aligned(4096) __section(".bss..page_aligned");

#define EARLY_DIRECT_MAP_SIZE	(4UL << 30)

static void __init copy_boot_info(unsigned long info_pa)
{
	const struct tlbemu_boot_info *info = (const void *)info_pa;	/* identity-mapped */
	const struct tlbemu_boot_e820 *map;
	unsigned int i, n;

	if (info->magic != TLBEMU_BOOT_MAGIC || info->version < 1) {
		boot_info_error = 1;
		return;
	}
	boot_cpu_count = info->cpu_count ? info->cpu_count : 1;
	boot_paging_levels = info->paging_levels;

	n = info->cmdline_len;
	if (n > COMMAND_LINE_SIZE - 1)
		n = COMMAND_LINE_SIZE - 1;
	if (info->cmdline_paddr && n)
		memcpy(boot_command_line, (const void *)info->cmdline_paddr, n);
	boot_command_line[n] = 0;
	/* a trailing NUL counted in cmdline_len must not hide the end */
	boot_command_line[strnlen(boot_command_line, n)] = 0;

	map = (const void *)info->e820_paddr;
	for (i = 0; i < info->e820_count && i < E820_MAX_ENTRIES; i++)
		e820__range_add(map[i].base, map[i].length, (enum e820_type)map[i].type);
}

static void __init setup_paging_mode(void)
{
	if (boot_paging_levels == 5 && (native_read_cr4() & X86_CR4_LA57)) {
		__pgtable_l5_enabled = 1;
		pgdir_shift = 48;
		ptrs_per_p4d = 512;
		page_offset_base = __PAGE_OFFSET_BASE_L5;
	} else {
		boot_paging_levels = 4;
	}
}

/* kernel image: 2 MiB pages from _text to _end, executable, global once CR4.PGE is on */
static void __init setup_kernel_highmap(void)
{
	unsigned long vaddr = (unsigned long)_text & PMD_MASK;
	unsigned long end = ALIGN((unsigned long)_end, PMD_SIZE);
	pgdval_t top;

	for (; vaddr < end; vaddr += PMD_SIZE)
		level2_kernel_pgt[pmd_index(vaddr)] =
			__pmd(__pa_symbol(vaddr) | __PAGE_KERNEL_LARGE_EXEC);
	level3_kernel_pgt[pud_index(__START_KERNEL_map)] =
		__pud(__pa_symbol(level2_kernel_pgt) | _KERNPG_TABLE);

	if (pgtable_l5_enabled()) {
		level4_kernel_pgt[511] = __p4d(__pa_symbol(level3_kernel_pgt) | _PAGE_TABLE);
		top = __pa_symbol(level4_kernel_pgt) | _PAGE_TABLE;
	} else {
		top = __pa_symbol(level3_kernel_pgt) | _PAGE_TABLE;
	}
	early_top_pgt[511] = __pgd(top);
}

/* direct map of [0, 4 GiB) with 2 MiB pages, not global: dropped once init_top_pgt is live */
static void __init setup_early_direct_map(void)
{
	unsigned long paddr;
	int i;

	for (paddr = 0; paddr < EARLY_DIRECT_MAP_SIZE; paddr += PMD_SIZE)
		early_pmd_direct[paddr >> PUD_SHIFT][pmd_index(paddr)] =
			__pmd(paddr | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PSE);
	for (i = 0; i < 4; i++)
		early_pud_direct[pud_index(page_offset_base) + i] =
			__pud(__pa_symbol(early_pmd_direct[i]) | _KERNPG_TABLE);

	if (pgtable_l5_enabled()) {
		early_p4d_direct[p4d_index(page_offset_base)] =
			__p4d(__pa_symbol(early_pud_direct) | _KERNPG_TABLE);
		early_top_pgt[pgd_index(page_offset_base)] =
			__pgd(__pa_symbol(early_p4d_direct) | _KERNPG_TABLE);
	} else {
		early_top_pgt[pgd_index(page_offset_base)] =
			__pgd(__pa_symbol(early_pud_direct) | _KERNPG_TABLE);
	}
}

unsigned long max_pfn_mapped;

void __init __startup_64(void)
{
	setup_kernel_highmap();
	setup_early_direct_map();
	native_write_cr3(__pa_symbol(early_top_pgt));
	max_pfn_mapped = EARLY_DIRECT_MAP_SIZE >> PAGE_SHIFT;
}

void setup_per_cpu_offsets(void);
void __noreturn machine_exit(int code);

void __init __noreturn x86_64_start_kernel(unsigned long cpu, unsigned long boot_info_pa)
{
	(void)cpu;
	setup_per_cpu_offsets();	/* GS base, current_task, preempt count of CPU 0 */

	copy_boot_info(boot_info_pa);
	if (boot_info_error) {
		pr_emerg("tlbemu: no valid boot-info block at %#lx (magic \"TLBEMU01\")\n",
			 boot_info_pa);
		machine_exit(4);
	}
	setup_paging_mode();
	__startup_64();

	/* init_top_pgt shares the kernel high mapping with the early table */
	init_top_pgt[511] = early_top_pgt[511];

	start_kernel();
	machine_exit(1);
}
