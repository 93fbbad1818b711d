// SPDX-License-Identifier: GPL-2.0
/*
 * Oops/WARN register and stack reports in the format of Linux 4.19 (show_regs(), show_opcodes(),
 * frame-pointer call traces), and die().
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/ptrace.h>
#include <asm/extable.h>
#include <asm/special_insns.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/sections.h>

void print_oops_end_marker(void);

void show_regs_print_info(const char *log_lvl)
{
	struct task_struct *tsk = current;

	printk("%sCPU: %d PID: %d Comm: %.20s %s %s %s\n", log_lvl, raw_smp_processor_id(),
	       tsk ? tsk->pid : -1, tsk ? tsk->comm : "?", print_tainted(), UTS_RELEASE,
	       UTS_VERSION);
	printk("%sHardware name: %s\n", log_lvl, TLBEMU_HARDWARE_NAME);
}

#define PROLOGUE_SIZE	42
#define EPILOGUE_SIZE	21
#define OPCODE_BUFSIZE	(PROLOGUE_SIZE + 1 + EPILOGUE_SIZE)

/* "Code: " and 64 bytes around RIP, the byte at RIP in <> */
static void show_opcodes(unsigned long ip, const char *lvl)
{
	u8 opcodes[OPCODE_BUFSIZE];
	char line[OPCODE_BUFSIZE * 3 + 8];
	int i, n = 0;

	if (probe_kernel_read(opcodes, (const void *)(ip - PROLOGUE_SIZE), OPCODE_BUFSIZE)) {
		printk("%sCode: Bad RIP value.\n", lvl);
		return;
	}
	for (i = 0; i < OPCODE_BUFSIZE; i++) {
		if (i == PROLOGUE_SIZE)
			n += scnprintf(line + n, sizeof(line) - n, "%s<%02x>", i ? " " : "", opcodes[i]);
		else
			n += scnprintf(line + n, sizeof(line) - n, "%s%02x", i ? " " : "", opcodes[i]);
	}
	printk("%sCode: %s\n", lvl, line);
}

void __show_regs(struct pt_regs *regs)
{
	u64 fs = 0, gs = 0, shadowgs = 0;
	unsigned int ds, es, fsindex, gsindex;

	printk(KERN_DEFAULT "RIP: %04x:%pS\n", (int)regs->cs, (void *)regs->ip);
	show_opcodes(regs->ip, KERN_DEFAULT);
	printk(KERN_DEFAULT "RSP: %04lx:%016lx EFLAGS: %08lx", regs->ss, regs->sp, regs->flags);
	if (regs->orig_ax != (unsigned long)-1)
		pr_cont(" ORIG_RAX: %016lx\n", regs->orig_ax);
	else
		pr_cont("\n");
	printk(KERN_DEFAULT "RAX: %016lx RBX: %016lx RCX: %016lx\n", regs->ax, regs->bx, regs->cx);
	printk(KERN_DEFAULT "RDX: %016lx RSI: %016lx RDI: %016lx\n", regs->dx, regs->si, regs->di);
	printk(KERN_DEFAULT "RBP: %016lx R08: %016lx R09: %016lx\n", regs->bp, regs->r8, regs->r9);
	printk(KERN_DEFAULT "R10: %016lx R11: %016lx R12: %016lx\n", regs->r10, regs->r11, regs->r12);
	printk(KERN_DEFAULT "R13: %016lx R14: %016lx R15: %016lx\n", regs->r13, regs->r14, regs->r15);

	__asm__ __volatile__("movl %%ds, %0" : "=r" (ds));
	__asm__ __volatile__("movl %%es, %0" : "=r" (es));
	__asm__ __volatile__("movl %%fs, %0" : "=r" (fsindex));
	__asm__ __volatile__("movl %%gs, %0" : "=r" (gsindex));
	if (rdmsrl_safe(MSR_FS_BASE, &fs))
		fs = 0;
	gs = this_cpu_read(this_cpu_off);
	if (rdmsrl_safe(MSR_KERNEL_GS_BASE, &shadowgs))
		shadowgs = 0;
	printk(KERN_DEFAULT "FS:  %016llx(%04x) GS:%016llx(%04x) knlGS:%016llx\n", fs,
	       fsindex & 0xffff, gs, gsindex & 0xffff, shadowgs);
	printk(KERN_DEFAULT "CS:  %04lx DS: %04x ES: %04x CR0: %016lx\n", regs->cs, ds & 0xffff,
	       es & 0xffff, native_read_cr0());
	printk(KERN_DEFAULT "CR2: %016lx CR3: %016lx CR4: %016lx\n", native_read_cr2(),
	       __native_read_cr3(), native_read_cr4());
}

/*
 * Frame-pointer walk: [bp] = caller's bp, [bp + 8] = return address. A function that had not
 * set up its frame when it trapped (a leaf) leaves its return address at sp instead: that word
 * is shown first, marked "?" as Linux marks addresses it cannot vouch for.
 */
static void show_trace_from(unsigned long bp, unsigned long sp, const char *lvl)
{
	unsigned long frame[2], top;
	int n;

	printk("%sCall Trace:\n", lvl);
	if (sp && !probe_kernel_read(&top, (const void *)sp, sizeof(top)) && core_kernel_text(top) &&
	    (probe_kernel_read(frame, (const void *)bp, sizeof(frame)) || frame[1] != top) &&
	    bp != sp)
		printk("%s ? %pB\n", lvl, (void *)top);
	for (n = 0; n < 64; n++) {
		if (!bp || (bp & 7) || (sp && (bp < sp || bp - sp > THREAD_SIZE)))
			break;
		if (probe_kernel_read(frame, (const void *)bp, sizeof(frame)))
			break;
		if (!frame[1])
			break;
		printk("%s %pB\n", lvl, (void *)frame[1]);
		if (frame[0] <= bp)
			break;
		bp = frame[0];
	}
}

void show_regs(struct pt_regs *regs)
{
	show_regs_print_info(KERN_DEFAULT);
	__show_regs(regs);
	if (!user_mode(regs))
		show_trace_from(regs->bp, regs->sp, KERN_DEFAULT);
}

noinline void dump_stack(void)
{
	unsigned long bp = (unsigned long)__builtin_frame_address(0);

	show_regs_print_info(KERN_DEFAULT);
	show_trace_from(bp, 0, KERN_DEFAULT);
}

static arch_spinlock_t die_lock;
static int die_counter;

void __noreturn die(const char *str, struct pt_regs *regs, long err)
{
	local_irq_disable();
	arch_spin_lock(&die_lock);
	oops_in_progress = 1;
	printk(KERN_DEFAULT "%s: %04lx [#%d] SMP\n", str, err & 0xffff, ++die_counter);
	show_regs(regs);
	print_oops_end_marker();
	panic("Fatal exception");
}
