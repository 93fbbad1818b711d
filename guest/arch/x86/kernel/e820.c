// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware memory map, as the loader hands it over (sorted, non-overlapping). RAM is type 1;
 * --pmem ranges are type 7 and are not mapped at boot.
 */
#include <linux/kernel.h>
#include <linux/ioport.h>
#include <asm/e820.h>
#include <asm/page.h>

struct e820_table e820_table;

void __init e820__range_add(u64 start, u64 size, enum e820_type type)
{
	unsigned int x = e820_table.nr_entries;

	if (!size)
		return;
	if (x >= E820_MAX_ENTRIES) {
		pr_err("e820: too many entries; ignoring [mem %#018llx-%#018llx]\n",
		       start, start + size - 1);
		return;
	}
	e820_table.entries[x].addr = start;
	e820_table.entries[x].size = size;
	e820_table.entries[x].type = type;
	e820_table.nr_entries++;
}

/* is any part of [start, end) of this type? */
bool e820__mapped_any(u64 start, u64 end, enum e820_type type)
{
	unsigned int i;

	for (i = 0; i < e820_table.nr_entries; i++) {
		struct e820_entry *entry = &e820_table.entries[i];

		if (type && entry->type != type)
			continue;
		if (entry->addr >= end || entry->addr + entry->size <= start)
			continue;
		return true;
	}
	return false;
}

/* is all of [start, end) covered by entries of this type? */
bool e820__mapped_all(u64 start, u64 end, enum e820_type type)
{
	unsigned int i;
	bool progress = true;

	while (start < end && progress) {
		progress = false;
		for (i = 0; i < e820_table.nr_entries; i++) {
			struct e820_entry *entry = &e820_table.entries[i];

			if (entry->type != type)
				continue;
			if (entry->addr <= start && entry->addr + entry->size > start) {
				start = entry->addr + entry->size;
				progress = true;
			}
		}
	}
	return start >= end;
}

static const char *e820_type_name(enum e820_type type)
{
	switch (type) {
	case E820_TYPE_RAM:		return "usable";
	case E820_TYPE_RESERVED:	return "reserved";
	case E820_TYPE_ACPI:		return "ACPI data";
	case E820_TYPE_NVS:		return "ACPI NVS";
	case E820_TYPE_UNUSABLE:	return "unusable";
	case E820_TYPE_PMEM:		/* fall through */
	case E820_TYPE_PRAM:		return "persistent";
	case E820_TYPE_RESERVED_KERN:	return "reserved (kernel)";
	}
	return "type ?";
}

void __init e820__print_table(const char *who)
{
	unsigned int i;

	for (i = 0; i < e820_table.nr_entries; i++) {
		struct e820_entry *entry = &e820_table.entries[i];

		if (entry->type == E820_TYPE_PMEM || entry->type == E820_TYPE_PRAM)
			pr_info("%s: [mem %#018llx-%#018llx] %s (type %u)\n", who, entry->addr,
				entry->addr + entry->size - 1, e820_type_name(entry->type),
				entry->type);
		else
			pr_info("%s: [mem %#018llx-%#018llx] %s\n", who, entry->addr,
				entry->addr + entry->size - 1, e820_type_name(entry->type));
	}
}

unsigned long __init e820__end_of_ram_pfn(void)
{
	unsigned long last = 0;
	unsigned int i;

	for (i = 0; i < e820_table.nr_entries; i++) {
		struct e820_entry *entry = &e820_table.entries[i];
		unsigned long end = (entry->addr + entry->size) >> PAGE_SHIFT;

		if (entry->type == E820_TYPE_RAM && end > last)
			last = end;
	}
	return last;
}

/*
 * kernel/resource.c's region_intersects() for System RAM: the resource tree's "System RAM"
 * entries are the e820 RAM ranges.
 */
int region_intersects(resource_size_t start, size_t size, unsigned long flags, unsigned long desc)
{
	u64 end = start + size;
	bool ram, other;

	(void)flags;
	(void)desc;
	ram = e820__mapped_any(start, end, E820_TYPE_RAM);
	other = !e820__mapped_all(start, end, E820_TYPE_RAM);
	if (ram && other)
		return REGION_MIXED;
	return ram ? REGION_INTERSECTS : REGION_DISJOINT;
}
