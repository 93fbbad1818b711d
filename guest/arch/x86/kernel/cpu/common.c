// SPDX-License-Identifier: GPL-2.0
/*
 * CPU identification (CPUID) and per-CPU descriptor tables: each CPU gets its own GDT and
 * 64-bit TSS (IST stacks for #DF and NMI) in its per-CPU area, and loads the shared IDT.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/init.h>
#include <linux/smp.h>
#include <asm/processor.h>
#include <asm/desc.h>
#include <asm/segment.h>
#include <asm/traps.h>
#include <asm/tlbflush.h>

struct cpuinfo_x86 boot_cpu_data;
static u32 cleared_cpu_caps[NCAPINTS];

DEFINE_PER_CPU(struct gdt_page, gdt_page);
DEFINE_PER_CPU(struct x86_hw_tss, cpu_tss_rw);

static char exception_stacks[NR_CPUS][N_EXCEPTION_STACKS][EXCEPTION_STKSZ]
	__aligned(4096) __section(".bss..page_aligned");

void setup_clear_cpu_cap(unsigned int bit)
{
	cleared_cpu_caps[bit / 32] |= 1u << (bit % 32);
	boot_cpu_data.x86_capability[bit / 32] &= ~(1u << (bit % 32));
}

static void __init get_model_name(struct cpuinfo_x86 *c)
{
	unsigned int *v = (unsigned int *)c->x86_model_id;
	unsigned int leaf;
	char *p;

	for (leaf = 0x80000002; leaf <= 0x80000004; leaf++, v += 4)
		cpuid_count(leaf, 0, &v[0], &v[1], &v[2], &v[3]);
	c->x86_model_id[48] = 0;
	/* trim trailing spaces */
	p = c->x86_model_id + strlen(c->x86_model_id);
	while (p > c->x86_model_id && p[-1] == ' ')
		*--p = 0;
}

void __init identify_boot_cpu(void)
{
	struct cpuinfo_x86 *c = &boot_cpu_data;
	unsigned int eax, ebx, ecx, edx, max_ext;
	unsigned int *vendor = (unsigned int *)c->x86_vendor_id;
	int i;

	cpuid_count(0, 0, &eax, &ebx, &ecx, &edx);
	c->cpuid_level = eax;
	vendor[0] = ebx;
	vendor[1] = edx;
	vendor[2] = ecx;
	c->x86_vendor_id[12] = 0;

	if (c->cpuid_level >= 1) {
		cpuid_count(1, 0, &eax, &ebx, &ecx, &edx);
		c->x86 = (eax >> 8) & 0xf;
		c->x86_model = (eax >> 4) & 0xf;
		c->x86_stepping = eax & 0xf;
		if (c->x86 == 0xf)
			c->x86 += (eax >> 20) & 0xff;
		if (c->x86 >= 0x6)
			c->x86_model += ((eax >> 16) & 0xf) << 4;
		c->x86_capability[0] = edx;
		c->x86_capability[4] = ecx;
	}
	if (c->cpuid_level >= 7) {
		cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
		c->x86_capability[9] = ebx;
		c->x86_capability[16] = ecx;
	}
	cpuid_count(0x80000000, 0, &max_ext, &ebx, &ecx, &edx);
	if (max_ext >= 0x80000001) {
		cpuid_count(0x80000001, 0, &eax, &ebx, &ecx, &edx);
		c->x86_capability[1] = edx;
	}
	if (max_ext >= 0x80000004)
		get_model_name(c);
	c->x86_phys_bits = 36;
	c->x86_virt_bits = 48;
	if (max_ext >= 0x80000008) {
		cpuid_count(0x80000008, 0, &eax, &ebx, &ecx, &edx);
		c->x86_phys_bits = eax & 0xff;
		c->x86_virt_bits = (eax >> 8) & 0xff;
	}

	if (cmdline_has_flag("noinvpcid"))
		setup_clear_cpu_cap(X86_FEATURE_INVPCID);
	for (i = 0; i < NCAPINTS; i++)
		c->x86_capability[i] &= ~cleared_cpu_caps[i];

	pr_info("x86/cpu: %s family %#x model %#x stepping %d: %s\n", c->x86_vendor_id, c->x86,
		c->x86_model, c->x86_stepping, c->x86_model_id[0] ? c->x86_model_id : "(no name)");
	pr_info("x86/cpu: PSE%s PGE%s NX%s GBPAGES%s PCID%s INVPCID%s LA57%s X2APIC%s, "
		"%d physical / %d virtual address bits\n",
		boot_cpu_has(X86_FEATURE_PSE) ? "+" : "-", boot_cpu_has(X86_FEATURE_PGE) ? "+" : "-",
		boot_cpu_has(X86_FEATURE_NX) ? "+" : "-",
		boot_cpu_has(X86_FEATURE_GBPAGES) ? "+" : "-",
		boot_cpu_has(X86_FEATURE_PCID) ? "+" : "-",
		boot_cpu_has(X86_FEATURE_INVPCID) ? "+" : "-",
		boot_cpu_has(X86_FEATURE_LA57) ? "+" : "-",
		boot_cpu_has(X86_FEATURE_X2APIC) ? "+" : "-", c->x86_phys_bits, c->x86_virt_bits);
	if (cleared_cpu_caps[9] & (1u << (X86_FEATURE_INVPCID % 32)))
		pr_info("noinvpcid: INVPCID disabled, global flushes toggle CR4.PGE\n");
}

#define GDT_ENTRY(flags, base, limit)					\
	((((base) & 0xff000000ULL) << (56 - 24)) |			\
	 (((flags) & 0x0000f0ffULL) << 40) |				\
	 (((limit) & 0x000f0000ULL) << (48 - 16)) |			\
	 (((base) & 0x00ffffffULL) << 16) |				\
	 (((limit) & 0x0000ffffULL)))

static void fill_gdt(struct gdt_page *gp, struct x86_hw_tss *tss)
{
	unsigned long base = (unsigned long)tss;
	u64 limit = sizeof(*tss) - 1;

	memset(gp, 0, sizeof(*gp));
	gp->gdt[GDT_ENTRY_KERNEL32_CS] = GDT_ENTRY(0xc09b, 0, 0xfffff);
	gp->gdt[GDT_ENTRY_KERNEL_CS] = GDT_ENTRY(0xa09b, 0, 0xfffff);
	gp->gdt[GDT_ENTRY_KERNEL_DS] = GDT_ENTRY(0xc093, 0, 0xfffff);
	gp->gdt[GDT_ENTRY_DEFAULT_USER32_CS] = GDT_ENTRY(0xc0fb, 0, 0xfffff);
	gp->gdt[GDT_ENTRY_DEFAULT_USER_DS] = GDT_ENTRY(0xc0f3, 0, 0xfffff);
	gp->gdt[GDT_ENTRY_DEFAULT_USER_CS] = GDT_ENTRY(0xa0fb, 0, 0xfffff);
	/* 64-bit available TSS (type 9), present; the high half holds base 63:32 */
	gp->gdt[GDT_ENTRY_TSS] = GDT_ENTRY(0x0089, base & 0xffffffffUL, limit);
	gp->gdt[GDT_ENTRY_TSS + 1] = base >> 32;
}

static void load_segments(void)
{
	/* far return to reload CS; DS/ES/SS from the new table. FS/GS are left alone: loading
	 * a GS selector would clear the per-CPU GS base. */
	__asm__ __volatile__("pushq %[cs]\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "movl %[ds], %%eax\n\t"
			     "movl %%eax, %%ds\n\t"
			     "movl %%eax, %%es\n\t"
			     "movl %%eax, %%ss\n\t"
			     : : [cs] "i" (__KERNEL_CS), [ds] "i" (__KERNEL_DS) : "rax", "memory");
}

void cpu_init(void)
{
	int cpu = smp_processor_id();
	struct gdt_page *gp = this_cpu_ptr(&gdt_page);
	struct x86_hw_tss *tss = this_cpu_ptr(&cpu_tss_rw);
	struct desc_ptr gdt_descr;

	memset(tss, 0, sizeof(*tss));
	tss->ist[IST_INDEX_DF - 1] = (u64)&exception_stacks[cpu][0][EXCEPTION_STKSZ];
	tss->ist[IST_INDEX_NMI - 1] = (u64)&exception_stacks[cpu][1][EXCEPTION_STKSZ];
	tss->io_bitmap_base = sizeof(*tss);	/* no I/O bitmap */
	fill_gdt(gp, tss);

	gdt_descr.size = sizeof(gp->gdt) - 1;
	gdt_descr.address = (u64)gp->gdt;
	load_gdt(&gdt_descr);
	load_segments();
	load_tr(__TSS_SELECTOR);
	load_current_idt();
	cr4_init_shadow();
}
