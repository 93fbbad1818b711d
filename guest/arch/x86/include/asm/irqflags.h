/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_IRQFLAGS_H
#define _ASM_X86_IRQFLAGS_H

#include <linux/compiler.h>

#define X86_EFLAGS_IF	0x00000200UL

static __always_inline unsigned long native_save_fl(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushf ; pop %0" : "=rm" (flags) : : "memory");
	return flags;
}

static __always_inline void native_restore_fl(unsigned long flags)
{
	__asm__ __volatile__("push %0 ; popf" : : "g" (flags) : "memory", "cc");
}

static __always_inline void native_irq_disable(void)
{
	__asm__ __volatile__("cli" : : : "memory");
}

static __always_inline void native_irq_enable(void)
{
	__asm__ __volatile__("sti" : : : "memory");
}

/* sti's one-instruction interrupt shadow makes "sti; hlt" sleep without losing a wakeup */
static __always_inline void native_safe_halt(void)
{
	__asm__ __volatile__("sti; hlt" : : : "memory");
}

static __always_inline void native_halt(void)
{
	__asm__ __volatile__("hlt" : : : "memory");
}

#define arch_local_save_flags()		native_save_fl()
#define arch_local_irq_disable()	native_irq_disable()
#define arch_local_irq_enable()		native_irq_enable()
#define arch_local_irq_restore(f)	native_restore_fl(f)
#define arch_safe_halt()		native_safe_halt()

static __always_inline unsigned long arch_local_irq_save(void)
{
	unsigned long flags = arch_local_save_flags();

	arch_local_irq_disable();
	return flags;
}

static __always_inline int arch_irqs_disabled_flags(unsigned long flags)
{
	return !(flags & X86_EFLAGS_IF);
}

static __always_inline int arch_irqs_disabled(void)
{
	return arch_irqs_disabled_flags(arch_local_save_flags());
}

#endif /* _ASM_X86_IRQFLAGS_H */
