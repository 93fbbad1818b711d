/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_PAGE_TYPES_H
#define _ASM_X86_PAGE_TYPES_H

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))

#define __PHYSICAL_MASK_SHIFT	52
#define __PHYSICAL_MASK		((1UL << __PHYSICAL_MASK_SHIFT) - 1)
#define PHYSICAL_PAGE_MASK	(((signed long)PAGE_MASK) & __PHYSICAL_MASK)

#define __START_KERNEL_map	0xffffffff80000000UL
#define __START_KERNEL		0xffffffff81000000UL
#define KERNEL_IMAGE_SIZE	(512UL * 1024 * 1024)

/* direct-map base (page_offset_base) for 4- and 5-level paging, no KASLR */
#define __PAGE_OFFSET_BASE_L4	0xffff888000000000UL
#define __PAGE_OFFSET_BASE_L5	0xff11000000000000UL

#define ISA_END_ADDRESS		0x100000UL

#endif /* _ASM_X86_PAGE_TYPES_H */
