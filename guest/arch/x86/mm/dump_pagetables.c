// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel page-table dump in the style of Linux's debugfs page_tables/kernel
 * (arch/x86/mm/dump_pagetables.c): one line per run of entries with the same flags and level,
 * address-space markers, and a digest of the direct map.
 *
 * The digest is FNV-1a (64-bit) over (virtual address, level, entry value with A and D masked)
 * of every present leaf in the direct-map area, in address order: two images whose direct maps
 * translate the same way print the same digest, whatever physical pages hold their tables.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/pgtable.h>
#include <asm/processor.h>

struct addr_marker {
	unsigned long start_address;
	const char *name;
};

enum {
	MARK_USER,
	MARK_KERNEL,
	MARK_LOW_KERNEL,
	MARK_VMALLOC,
	MARK_VMEMMAP,
	MARK_HIGH_KERNEL,
	MARK_MODULES,
	MARK_END_MODULES,
	MARK_COUNT
};

static struct addr_marker address_markers[MARK_COUNT + 1];

struct pg_state {
	int level;			/* 0 = nothing yet */
	pteval_t current_prot;
	unsigned long start_address;
	unsigned long current_address;
	int marker;
	unsigned long lines;
	bool print;
	u64 digest;
	unsigned long leaves[4];	/* present leaves by walk level 1..3 */
};

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static u64 fnv_u64(u64 h, u64 v)
{
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= FNV_PRIME;
	}
	return h;
}

static int top_level(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

/* walk levels: 5 PML5, 4 PML4, 3 PDPT (pud), 2 PD (pmd), 1 PT (pte) */
static const char *level_name(int lvl)
{
	if (lvl == top_level())
		return "pgd";
	switch (lvl) {
	case 4: return "p4d";
	case 3: return "pud";
	case 2: return "pmd";
	default: return "pte";
	}
}

static unsigned long normalize_addr(unsigned long u)
{
	int shift = pgtable_l5_enabled() ? 7 : 16;	/* 64 - 57 or 64 - 48 */

	return (unsigned long)((long)(u << shift) >> shift);
}

static void init_markers(void)
{
	bool l5 = pgtable_l5_enabled();

	address_markers[MARK_USER] = (struct addr_marker){ 0, "User Space" };
	address_markers[MARK_KERNEL] =
		(struct addr_marker){ l5 ? KERNEL_SPACE_L5 : KERNEL_SPACE_L4, "Kernel Space" };
	address_markers[MARK_LOW_KERNEL] =
		(struct addr_marker){ page_offset_base, "Low Kernel Mapping" };
	address_markers[MARK_VMALLOC] =
		(struct addr_marker){ l5 ? VMALLOC_START_L5 : VMALLOC_START_L4, "vmalloc() Area" };
	address_markers[MARK_VMEMMAP] =
		(struct addr_marker){ l5 ? VMEMMAP_START_L5 : VMEMMAP_START_L4, "Vmemmap" };
	address_markers[MARK_HIGH_KERNEL] =
		(struct addr_marker){ __START_KERNEL_map, "High Kernel Mapping" };
	address_markers[MARK_MODULES] = (struct addr_marker){ MODULES_VADDR, "Modules" };
	address_markers[MARK_END_MODULES] = (struct addr_marker){ MODULES_END, "End Modules" };
	address_markers[MARK_COUNT] = (struct addr_marker){ ~0UL, NULL };
}

static void print_prot(pteval_t pr, int lvl)
{
	char buf[64];
	int n = 0;

	if (!(pr & _PAGE_PRESENT)) {
		printk(KERN_CONT "                              %s\n", level_name(lvl));
		return;
	}
	n += scnprintf(buf + n, sizeof(buf) - n, "%s", (pr & _PAGE_USER) ? "USR " : "    ");
	n += scnprintf(buf + n, sizeof(buf) - n, "%s", (pr & _PAGE_RW) ? "RW " : "ro ");
	n += scnprintf(buf + n, sizeof(buf) - n, "%s", (pr & _PAGE_PWT) ? "PWT " : "    ");
	n += scnprintf(buf + n, sizeof(buf) - n, "%s", (pr & _PAGE_PCD) ? "PCD " : "    ");
	/* bit 7 is PS above the pte level, PAT in a pte; bit 12 is PAT in a large leaf */
	n += scnprintf(buf + n, sizeof(buf) - n, "%s",
		       (lvl > 1 && (pr & _PAGE_PSE)) ? "PSE " : "    ");
	n += scnprintf(buf + n, sizeof(buf) - n, "%s",
		       ((lvl == 1 && (pr & _PAGE_PAT)) ||
			((lvl == 2 || lvl == 3) && (pr & _PAGE_PAT_LARGE))) ? "PAT " : "    ");
	n += scnprintf(buf + n, sizeof(buf) - n, "%s", (pr & _PAGE_GLOBAL) ? "GLB " : "    ");
	n += scnprintf(buf + n, sizeof(buf) - n, "%s", (pr & _PAGE_NX) ? "NX " : "x  ");
	printk(KERN_CONT "%s%s\n", buf, level_name(lvl));
}

static void print_range(struct pg_state *st, unsigned long end)
{
	static const char units[] = "KMGTPE";
	const char *unit = units;
	unsigned long delta = (end - st->start_address) >> 10;

	while (!(delta & 1023) && unit[1]) {
		delta >>= 10;
		unit++;
	}
	/* the last run ends at 2^64, shown as 0xffffffffffffffff */
	printk(KERN_INFO "0x%016lx-0x%016lx %9lu%c ", st->start_address, end ? end : ~0UL, delta,
	       *unit);
	print_prot(st->current_prot, st->level);
	st->lines++;
}

/* a run ends when the flags or the level change, or at an address-space marker */
static void note_page(struct pg_state *st, unsigned long addr, pteval_t prot, int lvl)
{
	if (!st->print)
		return;
	if (!st->level) {
		st->current_prot = prot;
		st->level = lvl;
		st->start_address = addr;
		printk(KERN_INFO "---[ %s ]---\n", address_markers[st->marker].name);
		return;
	}
	if (prot != st->current_prot || lvl != st->level ||
	    addr >= address_markers[st->marker + 1].start_address) {
		print_range(st, addr);
		while (addr >= address_markers[st->marker + 1].start_address) {
			st->marker++;
			printk(KERN_INFO "---[ %s ]---\n", address_markers[st->marker].name);
		}
		st->start_address = addr;
		st->current_prot = prot;
		st->level = lvl;
	}
}

static void walk_level(struct pg_state *st, unsigned long *table, int lvl, unsigned long base)
{
	unsigned long size = 1UL << (PAGE_SHIFT + 9 * (lvl - 1));
	int i;

	for (i = 0; i < 512; i++) {
		unsigned long va = normalize_addr(base + (unsigned long)i * size);
		unsigned long e = table[i];
		bool leaf;

		if (!(e & _PAGE_PRESENT)) {
			note_page(st, va, 0, lvl);
			continue;
		}
		leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & _PAGE_PSE));
		if (!leaf) {
			walk_level(st, __va(e & PTE_PFN_MASK), lvl - 1, base + (unsigned long)i * size);
			continue;
		}
		note_page(st, va, e & PTE_FLAGS_MASK, lvl);
		if (va >= page_offset_base &&
		    va < address_markers[MARK_VMALLOC].start_address) {
			st->digest = fnv_u64(st->digest, va);
			st->digest = fnv_u64(st->digest, lvl);
			st->digest = fnv_u64(st->digest, e & ~(_PAGE_ACCESSED | _PAGE_DIRTY));
			if (lvl <= 3)
				st->leaves[lvl]++;
		}
	}
}

static void walk_top(struct pg_state *st, bool direct_map_only)
{
	unsigned long *top = (unsigned long *)init_top_pgt;
	int lvl = top_level();
	unsigned long size = 1UL << (PAGE_SHIFT + 9 * (lvl - 1));
	int i, first = 0, last = 511;

	if (direct_map_only) {
		first = pgd_index(page_offset_base);
		last = pgd_index(address_markers[MARK_VMALLOC].start_address - 1);
	}
	for (i = first; i <= last; i++) {
		unsigned long base = (unsigned long)i * size;
		unsigned long e = top[i];

		if (!(e & _PAGE_PRESENT)) {
			note_page(st, normalize_addr(base), 0, lvl);
			continue;
		}
		walk_level(st, __va(e & PTE_PFN_MASK), lvl - 1, base);
	}
}

u64 ptdump_direct_map_digest(unsigned long leaves[4])
{
	struct pg_state st;

	init_markers();
	memset(&st, 0, sizeof(st));
	st.digest = FNV_OFFSET;
	walk_top(&st, true);
	if (leaves)
		memcpy(leaves, st.leaves, sizeof(st.leaves));
	return st.digest;
}

void ptdump_walk_pgd_level(const char *title)
{
	struct pg_state st;

	init_markers();
	memset(&st, 0, sizeof(st));
	st.print = true;
	st.digest = FNV_OFFSET;
	pr_info("ptdump: kernel page tables (%s), CR3 %#lx\n", title, __pa(init_top_pgt));
	walk_top(&st, false);
	print_range(&st, 0);
	pr_info("ptdump: %lu lines; direct map: %lu x 1G, %lu x 2M, %lu x 4K leaves, "
		"digest %016llx\n", st.lines, st.leaves[3], st.leaves[2], st.leaves[1], st.digest);
}
