/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <stddef.h>
#include <linux/compiler.h>

typedef signed char		s8;
typedef unsigned char		u8;
typedef signed short		s16;
typedef unsigned short		u16;
typedef signed int		s32;
typedef unsigned int		u32;
typedef signed long long	s64;
typedef unsigned long long	u64;

typedef _Bool			bool;
#define true			1
#define false			0

typedef long			ssize_t;
typedef unsigned long		uintptr_t;
typedef u64			phys_addr_t;
typedef u64			resource_size_t;
typedef unsigned int		gfp_t;

struct list_head {
	struct list_head *next, *prev;
};

typedef struct {
	long counter;
} atomic_long_t;

#endif /* _LINUX_TYPES_H */
