/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_DESC_H
#define _ASM_X86_DESC_H

#include <linux/types.h>
#include <asm/segment.h>

struct desc_ptr {
	u16 size;
	u64 address;
} __packed;

struct gate_struct {
	u16 offset_low;
	u16 segment;
	u8 ist;
	u8 type_attr;		/* P | DPL | type */
	u16 offset_middle;
	u32 offset_high;
	u32 reserved;
} __packed;
typedef struct gate_struct gate_desc;

struct x86_hw_tss {
	u32 reserved1;
	u64 sp0;
	u64 sp1;
	u64 sp2;
	u64 reserved2;
	u64 ist[7];
	u32 reserved3;
	u32 reserved4;
	u16 reserved5;
	u16 io_bitmap_base;
} __packed;

struct gdt_page {
	u64 gdt[GDT_ENTRIES];
} __aligned(64);

#define GATE_INTERRUPT		0xE
#define IST_INDEX_DF		1
#define IST_INDEX_NMI		2
#define N_EXCEPTION_STACKS	2
#define EXCEPTION_STKSZ		4096

static inline void load_idt(const struct desc_ptr *dtr)
{
	__asm__ __volatile__("lidt %0" : : "m" (*dtr));
}

static inline void load_gdt(const struct desc_ptr *dtr)
{
	__asm__ __volatile__("lgdt %0" : : "m" (*dtr));
}

static inline void load_tr(unsigned int sel)
{
	__asm__ __volatile__("ltr %w0" : : "q" (sel));
}

#endif /* _ASM_X86_DESC_H */
