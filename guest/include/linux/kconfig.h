/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration of the tlbemu guest kernel. Included first in every translation unit (-include).
 * One image per variant; the variant is chosen on the compiler command line:
 *
 *   -DTLBEMU_VARIANT_V419      Linux 4.19: __flush_tlb_all() in phys_p4d_init(), phys_pud_init()
 *                              and kernel_physical_mapping_init(); plain set_*() / *_populate()
 *   -DTLBEMU_VARIANT_V1        the series' first version: set_*_safe() / *_populate_safe() that
 *                              warn whenever the old entry is present; local flushes dropped
 *   -DTLBEMU_VARIANT_V2        the series as merged (5.0): {pmd,pud,p4d,pgd}_same(), safe helpers
 *                              that warn only when a present entry changes; local flushes dropped
 *   -DTLBEMU_VARIANT_UPSTREAM  v2 plus the later form (5.2): bool init threaded through
 *                              phys_*_init(), set_*_init() / *_populate_init(), and
 *                              kernel_physical_mapping_change() for callers that change entries
 */
#ifndef _LINUX_KCONFIG_H
#define _LINUX_KCONFIG_H

#define CONFIG_X86_64		1
#define CONFIG_SMP		1
#define CONFIG_PREEMPT		1
#define CONFIG_PREEMPT_COUNT	1
#define CONFIG_DEBUG_VM		1	/* VM_WARN_ON_ONCE() is active in every variant */
#define CONFIG_GENERIC_BUG	1
#define CONFIG_X86_5LEVEL	1	/* 4- or 5-level chosen at boot (boot info paging_levels) */
#define CONFIG_MEMORY_HOTPLUG	1
#define CONFIG_MEMORY_HOTREMOVE	1
#define CONFIG_ZONE_DEVICE	1
#define CONFIG_NR_CPUS		64

#if defined(TLBEMU_VARIANT_V419)
# define TLBEMU_VARIANT_NAME	"v4.19"
# define UTS_RELEASE		"4.19.0-tlbemu"
# define TLBEMU_KPMI_LOCAL_FLUSH	1	/* __flush_tlb_all() inside the mapping code */
#elif defined(TLBEMU_VARIANT_V1)
# define TLBEMU_VARIANT_NAME	"v1"
# define UTS_RELEASE		"4.19.0-tlbemu-series-v1"
# define TLBEMU_SAFE_HELPERS	1
# define TLBEMU_SAFE_WARN_ANY_PRESENT 1
#elif defined(TLBEMU_VARIANT_V2)
# define TLBEMU_VARIANT_NAME	"v2"
# define UTS_RELEASE		"4.19.0-tlbemu-series-v2"
# define TLBEMU_SAFE_HELPERS	1
#elif defined(TLBEMU_VARIANT_UPSTREAM)
# define TLBEMU_VARIANT_NAME	"upstream"
# define UTS_RELEASE		"5.2.0-tlbemu"
# define TLBEMU_SAFE_HELPERS	1
# define TLBEMU_INIT_THREADING	1
#else
# error "select a variant: -DTLBEMU_VARIANT_V419, -DTLBEMU_VARIANT_V1, -DTLBEMU_VARIANT_V2 or -DTLBEMU_VARIANT_UPSTREAM"
#endif

#define UTS_VERSION		"#1 SMP"
#define TLBEMU_HARDWARE_NAME	"tlbemu virtual machine"

#endif /* _LINUX_KCONFIG_H */
