/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H

#include <stdarg.h>
#include <linux/types.h>
#include <linux/printk.h>

#define ULONG_MAX		(~0UL)
#define LONG_MAX		((long)(~0UL >> 1))
#define INT_MAX			((int)(~0U >> 1))
#define U64_MAX			(~0ULL)

#define min(a, b)		({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); __a < __b ? __a : __b; })
#define max(a, b)		({ __typeof__(a) __a = (a); __typeof__(b) __b = (b); __a > __b ? __a : __b; })
#define clamp_val(v, lo, hi)	min(max((v), (lo)), (hi))

#define ALIGN(x, a)		(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define round_down(x, y)	((x) & ~((__typeof__(x))((y) - 1)))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int scnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

unsigned long long memparse(const char *ptr, char **retptr);
unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base);
int get_option(char **str, int *pint);

void __noreturn panic(const char *fmt, ...) __printf(1, 2);

/* taint flags (kernel/panic.c) */
#define TAINT_WARN		9
void add_taint(unsigned int flag);
const char *print_tainted(void);
extern int oops_in_progress;

#include <linux/bug.h>

#endif /* _LINUX_KERNEL_H */
