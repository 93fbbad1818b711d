/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_MMU_CONTEXT_H
#define _ASM_X86_MMU_CONTEXT_H

struct mm_struct;
struct task_struct;

void switch_mm_irqs_off(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk);
void load_cr3(void *pgd);

#endif /* _ASM_X86_MMU_CONTEXT_H */
