/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_TRAPS_H
#define _ASM_X86_TRAPS_H

#include <asm/ptrace.h>

enum {
	X86_TRAP_DE = 0,
	X86_TRAP_DB,
	X86_TRAP_NMI,
	X86_TRAP_BP,
	X86_TRAP_OF,
	X86_TRAP_BR,
	X86_TRAP_UD,
	X86_TRAP_NM,
	X86_TRAP_DF,
	X86_TRAP_OLD_MF,
	X86_TRAP_TS,
	X86_TRAP_NP,
	X86_TRAP_SS,
	X86_TRAP_GP,
	X86_TRAP_PF,
	X86_TRAP_SPURIOUS,
	X86_TRAP_MF,
	X86_TRAP_AC,
	X86_TRAP_MC,
	X86_TRAP_XF,
	X86_TRAP_VE,
	X86_TRAP_CP,
};

#define X86_PF_PROT	(1UL << 0)
#define X86_PF_WRITE	(1UL << 1)
#define X86_PF_USER	(1UL << 2)
#define X86_PF_RSVD	(1UL << 3)
#define X86_PF_INSTR	(1UL << 4)

void do_trap_entry(struct pt_regs *regs);
void do_page_fault(struct pt_regs *regs, unsigned long error_code);
void __noreturn die(const char *str, struct pt_regs *regs, long err);
void idt_setup(void);
void load_current_idt(void);

/* entry_64.S */
extern const char irq_entries_start[];
#define IDT_STUB_SIZE 16

#endif /* _ASM_X86_TRAPS_H */
