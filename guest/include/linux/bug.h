/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/types.h>
#include <asm-generic/bug.h>

enum bug_trap_type {
	BUG_TRAP_TYPE_NONE = 0,
	BUG_TRAP_TYPE_WARN = 1,
	BUG_TRAP_TYPE_BUG = 2,
};

struct pt_regs;
struct bug_entry *find_bug(unsigned long bugaddr);
enum bug_trap_type report_bug(unsigned long bug_addr, struct pt_regs *regs);
int is_valid_bugaddr(unsigned long addr);

static inline unsigned long bug_addr(const struct bug_entry *bug)
{
	return (unsigned long)bug + bug->bug_addr_disp;
}

/* both displacements count from the start of the entry, as in Linux 4.19's lib/bug.c */
static inline const char *bug_file(const struct bug_entry *bug)
{
	return (const char *)bug + bug->file_disp;
}

extern struct bug_entry __start___bug_table[], __stop___bug_table[];
extern unsigned long warn_count;

#endif /* _LINUX_BUG_H */
