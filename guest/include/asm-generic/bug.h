/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WARN/BUG with CONFIG_GENERIC_BUG: the check site holds a ud2 and a __bug_table entry; the #UD
 * handler finds the entry (lib/bug.c) and reports. Entry layout (12 bytes, relative pointers,
 * both counted from the start of the entry as in Linux 4.19):
 *   s32 bug_addr_disp   address of the ud2 minus the address of the entry
 *   s32 file_disp       address of the file-name string minus the address of the entry
 *   u16 line
 *   u16 flags           BUGFLAG_WARNING 1, BUGFLAG_ONCE 2, BUGFLAG_DONE 4, taint << 8
 */
#ifndef _ASM_GENERIC_BUG_H
#define _ASM_GENERIC_BUG_H

#include <linux/compiler.h>

#define BUGFLAG_WARNING		(1 << 0)
#define BUGFLAG_ONCE		(1 << 1)
#define BUGFLAG_DONE		(1 << 2)
#define BUGFLAG_TAINT(taint)	((taint) << 8)
#define BUG_GET_TAINT(bug)	((bug)->flags >> 8)

#ifndef __ASSEMBLY__
struct bug_entry {
	signed int	bug_addr_disp;
	signed int	file_disp;
	unsigned short	line;
	unsigned short	flags;
};

struct pt_regs;
void __warn(const char *file, int line, void *caller, unsigned int taint, struct pt_regs *regs);
void __warn_printk(const char *fmt, ...) __printf(1, 2);
#endif

#include <asm/bug.h>

#define TAINT_WARN_FLAGS	BUGFLAG_TAINT(9)	/* TAINT_WARN */

#define __WARN()		__WARN_FLAGS(TAINT_WARN_FLAGS)
#define __WARN_ONCE()		__WARN_FLAGS(BUGFLAG_ONCE | TAINT_WARN_FLAGS)

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN();						\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON_ONCE(condition) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_ONCE();						\
	unlikely(__ret_warn_on);					\
})

#define WARN(condition, format...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on)) {					\
		__warn_printk(format);					\
		__WARN();						\
	}								\
	unlikely(__ret_warn_on);					\
})

#define WARN_ONCE(condition, format...) ({				\
	static bool __section(".data.once") __warned;			\
	int __ret_warn_once = !!(condition);				\
									\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		WARN(1, format);					\
	}								\
	unlikely(__ret_warn_once);					\
})

#define BUG_ON(condition) do { if (unlikely(condition)) BUG(); } while (0)

/* include/linux/mmdebug.h with CONFIG_DEBUG_VM */
#ifdef CONFIG_DEBUG_VM
#define VM_WARN_ON_ONCE(cond)	(void)WARN_ON_ONCE(cond)
#define VM_WARN_ON(cond)	(void)WARN_ON(cond)
#define VM_BUG_ON(cond)		BUG_ON(cond)
#else
#define VM_WARN_ON_ONCE(cond)	do { (void)sizeof(cond); } while (0)
#define VM_WARN_ON(cond)	do { (void)sizeof(cond); } while (0)
#define VM_BUG_ON(cond)		do { (void)sizeof(cond); } while (0)
#endif

#endif /* _ASM_GENERIC_BUG_H */
