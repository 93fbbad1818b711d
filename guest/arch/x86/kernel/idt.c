// SPDX-License-Identifier: GPL-2.0
/*
 * One IDT for all CPUs: 256 interrupt gates (IF cleared on entry) to the stubs of entry_64.S;
 * #DF and NMI run on their IST stacks.
 */
#include <linux/kernel.h>
#include <asm/desc.h>
#include <asm/segment.h>
#include <asm/traps.h>
#include <asm/irq_vectors.h>

static gate_desc idt_table[NR_VECTORS] __aligned(4096) __section(".bss..page_aligned");
static struct desc_ptr idt_descr;

static void set_gate(unsigned int vector, unsigned long addr, unsigned int ist)
{
	gate_desc *g = &idt_table[vector];

	g->offset_low = (u16)addr;
	g->segment = __KERNEL_CS;
	g->ist = (u8)ist;
	g->type_attr = 0x80 | GATE_INTERRUPT;	/* present, DPL 0 */
	g->offset_middle = (u16)(addr >> 16);
	g->offset_high = (u32)(addr >> 32);
	g->reserved = 0;
}

void __init idt_setup(void)
{
	unsigned int v;

	for (v = 0; v < NR_VECTORS; v++) {
		unsigned int ist = 0;

		if (v == X86_TRAP_DF)
			ist = IST_INDEX_DF;
		else if (v == X86_TRAP_NMI)
			ist = IST_INDEX_NMI;
		set_gate(v, (unsigned long)irq_entries_start + v * IDT_STUB_SIZE, ist);
	}
	idt_descr.size = sizeof(idt_table) - 1;
	idt_descr.address = (u64)idt_table;
}

void load_current_idt(void)
{
	load_idt(&idt_descr);
}
