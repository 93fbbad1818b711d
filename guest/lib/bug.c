// SPDX-License-Identifier: GPL-2.0
/*
 * Generic BUG/WARN support: find the __bug_table entry of a trapping ud2 and report it.
 * ONCE entries get BUGFLAG_DONE on their first report and are silent afterwards.
 */
#include <linux/kernel.h>
#include <linux/bug.h>
#include <asm/extable.h>

int is_valid_bugaddr(unsigned long addr)
{
	unsigned char insn[2];

	if (probe_kernel_read(insn, (const void *)addr, sizeof(insn)))
		return 0;
	return insn[0] == 0x0f && insn[1] == 0x0b;
}

struct bug_entry *find_bug(unsigned long bugaddr)
{
	struct bug_entry *bug;

	for (bug = __start___bug_table; bug < __stop___bug_table; ++bug)
		if (bugaddr == bug_addr(bug))
			return bug;
	return NULL;
}

enum bug_trap_type report_bug(unsigned long bugaddr, struct pt_regs *regs)
{
	struct bug_entry *bug;
	const char *file;
	unsigned int line, warning, once, done;

	if (!is_valid_bugaddr(bugaddr))
		return BUG_TRAP_TYPE_NONE;

	bug = find_bug(bugaddr);
	if (!bug)
		return BUG_TRAP_TYPE_NONE;

	file = bug_file(bug);
	line = bug->line;
	warning = (bug->flags & BUGFLAG_WARNING) != 0;
	once = (bug->flags & BUGFLAG_ONCE) != 0;
	done = (bug->flags & BUGFLAG_DONE) != 0;

	if (warning && once) {
		if (done)
			return BUG_TRAP_TYPE_WARN;
		bug->flags |= BUGFLAG_DONE;
	}

	if (warning) {
		/* a WARN_ON rather than a BUG/BUG_ON */
		printk(KERN_WARNING "------------[ cut here ]------------\n");
		__warn(file, line, (void *)bugaddr, BUG_GET_TAINT(bug), regs);
		return BUG_TRAP_TYPE_WARN;
	}

	printk(KERN_DEFAULT "------------[ cut here ]------------\n");
	if (file)
		pr_crit("kernel BUG at %s:%u!\n", file, line);
	else
		pr_crit("Kernel BUG at %pB [verbose debug info unavailable]\n", (void *)bugaddr);

	return BUG_TRAP_TYPE_BUG;
}
