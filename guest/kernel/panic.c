// SPDX-License-Identifier: GPL-2.0
/*
 * panic(), taint, and __warn(): the report of a WARN, in Linux 4.19's layout.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/bug.h>
#include <asm/ptrace.h>

void __noreturn machine_exit(int code);
void show_regs(struct pt_regs *regs);
void dump_stack(void);

int oops_in_progress;
unsigned long warn_count;
static unsigned long tainted_mask;
static unsigned long oops_count;

#define TAINT_FLAGS_COUNT	18
static const char taint_chars[TAINT_FLAGS_COUNT] = {
	'P', 'F', 'S', 'R', 'M', 'B', 'U', 'D', 'A', 'W', 'C', 'I', 'O', 'E', 'L', 'K', 'X', 'T',
};

void add_taint(unsigned int flag)
{
	tainted_mask |= 1UL << flag;
}

const char *print_tainted(void)
{
	static char buf[TAINT_FLAGS_COUNT + sizeof("Tainted: ")];
	char *s;
	int i;

	if (!tainted_mask)
		return "Not tainted";
	strlcpy(buf, "Tainted: ", sizeof(buf));
	s = buf + sizeof("Tainted: ") - 1;
	for (i = 0; i < TAINT_FLAGS_COUNT; i++) {
		if (i == 0)
			*s++ = (tainted_mask & 1) ? 'P' : 'G';
		else
			*s++ = (tainted_mask & (1UL << i)) ? taint_chars[i] : ' ';
	}
	*s = 0;
	return buf;
}

/* deterministic stand-in for Linux's random oops id */
void print_oops_end_marker(void)
{
	unsigned long long id = (unsigned long long)(++oops_count) * 0x9e3779b97f4a7c15ULL;

	printk(KERN_WARNING "---[ end trace %016llx ]---\n", id);
}

void __warn_printk(const char *fmt, ...)
{
	va_list args;

	printk(KERN_WARNING "------------[ cut here ]------------\n");
	va_start(args, fmt);
	vprintk(fmt, args);
	va_end(args);
}

void __warn(const char *file, int line, void *caller, unsigned int taint, struct pt_regs *regs)
{
	struct task_struct *tsk = current;

	if (file)
		pr_warn("WARNING: CPU: %d PID: %d at %s:%d %pS\n", raw_smp_processor_id(),
			tsk ? tsk->pid : -1, file, line, caller);
	else
		pr_warn("WARNING: CPU: %d PID: %d at %pS\n", raw_smp_processor_id(),
			tsk ? tsk->pid : -1, caller);

	pr_warn("Modules linked in:\n");
	if (regs)
		show_regs(regs);
	else
		dump_stack();
	print_oops_end_marker();
	add_taint(taint);
	warn_count++;
}

void __noreturn panic(const char *fmt, ...)
{
	static char buf[256];
	va_list args;

	local_irq_disable();
	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	pr_emerg("Kernel panic - not syncing: %s\n", buf);
	pr_emerg("---[ end Kernel panic - not syncing: %s ]---\n", buf);
	machine_exit(1);
}
