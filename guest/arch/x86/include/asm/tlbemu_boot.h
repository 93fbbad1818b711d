/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boot-info block of the tlbemu boot contract (DESIGN.md "Boot contract"), at the physical
 * address in RSI on entry; every CPU enters with RDI = its index.
 */
#ifndef _ASM_X86_TLBEMU_BOOT_H
#define _ASM_X86_TLBEMU_BOOT_H

#include <linux/types.h>

#define TLBEMU_BOOT_MAGIC	0x31304D4555424C54ULL	/* "TLBEMU01" */

struct tlbemu_boot_info {
	u64 magic;
	u32 version;
	u32 cpu_count;
	u32 paging_levels;
	u32 e820_count;
	u64 e820_paddr;
	u64 cmdline_paddr;
	u32 cmdline_len;
	u32 reserved;
	u64 loader_pgtable_paddr;
	u64 loader_pgtable_len;
} __packed;

struct tlbemu_boot_e820 {
	u64 base;
	u64 length;
	u32 type;
	u32 reserved;
} __packed;

#define COMMAND_LINE_SIZE	2048

extern char boot_command_line[COMMAND_LINE_SIZE];
extern unsigned int boot_cpu_count;
extern unsigned int boot_paging_levels;

#endif /* _ASM_X86_TLBEMU_BOOT_H */
