// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 direct map: kernel_physical_mapping_init() and its phys_{p4d,pud,pmd,pte}_init()
 * walkers (populate), kernel_physical_mapping_remove() and the remove_*_table() walkers
 * (tear down), sync_global_pgds(), arch_add_memory()/arch_remove_memory().
 *
 * One source, four images (include/linux/kconfig.h):
 *
 * v4.19 - plain set_*() / *_populate(), and the local flushes of Linux 4.19. Checked against
 *   a v4.19 tree (arch/x86/mm/init_64.c): __flush_tlb_all() is called
 *     - in phys_p4d_init(): after descending into an existing PUD page, and after the loop
 *       (both only reached with 5-level paging: with the p4d folded the function returns
 *       phys_pud_init() at once);
 *     - in phys_pud_init(): after descending into an existing PMD page, and after the loop
 *       (the call in the seed's trace, reached on every hot-add);
 *     - in kernel_physical_mapping_init(): after sync_global_pgds(), at the end.
 *   phys_pmd_init() has NO __flush_tlb_all() in v4.19 (it only takes init_mm.page_table_lock
 *   around phys_pte_init() and around its stores), and neither has phys_pte_init(). The series
 *   removes exactly these five calls.
 * v1, v2 - the safe forms (set_*_safe(), *_populate_safe()) at every store, no local flush.
 * upstream - bool init threaded through phys_*_init(): set_*_init() / *_populate_init() use the
 *   safe forms when init is true (kernel_physical_mapping_init()) and the plain ones when it is
 *   false (kernel_physical_mapping_change(), whose caller flushes).
 *
 * Every function of the hotplug call chain is noinline so that the frame-pointer chain holds
 * one frame per function. With 4-level paging phys_p4d_init() tail-calls phys_pud_init(), so
 * (as in the seed's trace) phys_pud_init's caller in the chain is kernel_physical_mapping_init.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/spinlock.h>
#include <linux/memory_hotplug.h>
#include <asm/e820.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/pgalloc.h>
#include <asm/tlbflush.h>
#include "mm_internal.h"

struct mm_struct init_mm = {
	.pgd = init_top_pgt,
	.page_table_lock = __SPIN_LOCK_UNLOCKED(init_mm.page_table_lock),
	.pgd_list = LIST_HEAD_INIT(init_mm.pgd_list),
	.name = "init_mm",
};

bool tlbemu_remap_rewrite;		/* TEST-ONLY, see mm_internal.h */
unsigned long tlbemu_remap_rewrites;

/* ------------------------------------------------------------------------------------------ */
/* the store helpers of each variant                                                          */

#ifdef TLBEMU_INIT_THREADING
#define INIT_PARAM	, bool init
#define INIT_ARG	, init

static inline void set_pte_init(pte_t *ptep, pte_t pte, bool init)
{
	if (init)
		set_pte_safe(ptep, pte);
	else
		set_pte(ptep, pte);
}

static inline void set_pmd_init(pmd_t *pmdp, pmd_t pmd, bool init)
{
	if (init)
		set_pmd_safe(pmdp, pmd);
	else
		set_pmd(pmdp, pmd);
}

static inline void set_pud_init(pud_t *pudp, pud_t pud, bool init)
{
	if (init)
		set_pud_safe(pudp, pud);
	else
		set_pud(pudp, pud);
}

static inline void set_p4d_init(p4d_t *p4dp, p4d_t p4d, bool init)
{
	if (init)
		set_p4d_safe(p4dp, p4d);
	else
		set_p4d(p4dp, p4d);
}

static inline void pmd_populate_kernel_init(struct mm_struct *mm, pmd_t *pmd, pte_t *pte,
					    bool init)
{
	if (init)
		pmd_populate_kernel_safe(mm, pmd, pte);
	else
		pmd_populate_kernel(mm, pmd, pte);
}

static inline void pud_populate_init(struct mm_struct *mm, pud_t *pud, pmd_t *pmd, bool init)
{
	if (init)
		pud_populate_safe(mm, pud, pmd);
	else
		pud_populate(mm, pud, pmd);
}

static inline void p4d_populate_init(struct mm_struct *mm, p4d_t *p4d, pud_t *pud, bool init)
{
	if (init)
		p4d_populate_safe(mm, p4d, pud);
	else
		p4d_populate(mm, p4d, pud);
}

static inline void pgd_populate_init(struct mm_struct *mm, pgd_t *pgd, p4d_t *p4d, bool init)
{
	if (init)
		pgd_populate_safe(mm, pgd, p4d);
	else
		pgd_populate(mm, pgd, p4d);
}

#define KPMI_SET_PTE(p, v)		set_pte_init(p, v, init)
#define KPMI_SET_PMD(p, v)		set_pmd_init(p, v, init)
#define KPMI_SET_PUD(p, v)		set_pud_init(p, v, init)
#define KPMI_SET_P4D(p, v)		set_p4d_init(p, v, init)
#define KPMI_PMD_POPULATE(mm, p, t)	pmd_populate_kernel_init(mm, p, t, init)
#define KPMI_PUD_POPULATE(mm, p, t)	pud_populate_init(mm, p, t, init)
#define KPMI_P4D_POPULATE(mm, p, t)	p4d_populate_init(mm, p, t, init)
#define KPMI_PGD_POPULATE(mm, p, t)	pgd_populate_init(mm, p, t, init)

#elif defined(TLBEMU_SAFE_HELPERS)
#define INIT_PARAM
#define INIT_ARG
#define KPMI_SET_PTE(p, v)		set_pte_safe(p, v)
#define KPMI_SET_PMD(p, v)		set_pmd_safe(p, v)
#define KPMI_SET_PUD(p, v)		set_pud_safe(p, v)
#define KPMI_SET_P4D(p, v)		set_p4d_safe(p, v)
#define KPMI_PMD_POPULATE(mm, p, t)	pmd_populate_kernel_safe(mm, p, t)
#define KPMI_PUD_POPULATE(mm, p, t)	pud_populate_safe(mm, p, t)
#define KPMI_P4D_POPULATE(mm, p, t)	p4d_populate_safe(mm, p, t)
#define KPMI_PGD_POPULATE(mm, p, t)	pgd_populate_safe(mm, p, t)

#else /* v4.19 */
#define INIT_PARAM
#define INIT_ARG
#define KPMI_SET_PTE(p, v)		set_pte(p, v)
#define KPMI_SET_PMD(p, v)		set_pmd(p, v)
#define KPMI_SET_PUD(p, v)		set_pud(p, v)
#define KPMI_SET_P4D(p, v)		set_p4d(p, v)
#define KPMI_PMD_POPULATE(mm, p, t)	pmd_populate_kernel(mm, p, t)
#define KPMI_PUD_POPULATE(mm, p, t)	pud_populate(mm, p, t)
#define KPMI_P4D_POPULATE(mm, p, t)	p4d_populate(mm, p, t)
#define KPMI_PGD_POPULATE(mm, p, t)	pgd_populate(mm, p, t)
#endif

/* beyond the end of the range at boot: clear what is neither RAM nor kernel-reserved */
static bool __meminit boot_clear_unbacked(unsigned long start, unsigned long end)
{
	return !after_bootmem &&
	       !e820__mapped_any(start, end, E820_TYPE_RAM) &&
	       !e820__mapped_any(start, end, E820_TYPE_RESERVED_KERN);
}

/* ------------------------------------------------------------------------------------------ */
/* populate                                                                                   */

/*
 * 4K entries of one PTE page. Entries already present are kept (whoever set them up knew
 * better). Returns the last physical address mapped.
 */
static noinline __noclone unsigned long __meminit
phys_pte_init(pte_t *pte_page, unsigned long paddr, unsigned long paddr_end,
	      pgprot_t prot INIT_PARAM)
{
	unsigned long pages = 0, paddr_next;
	unsigned long paddr_last = paddr_end;
	pte_t *pte;
	int i;

	pte = pte_page + pte_index(paddr);
	i = pte_index(paddr);

	for (; i < PTRS_PER_PTE; i++, paddr = paddr_next, pte++) {
		paddr_next = (paddr & PAGE_MASK) + PAGE_SIZE;
		if (paddr >= paddr_end) {
			if (boot_clear_unbacked(paddr & PAGE_MASK, paddr_next))
				KPMI_SET_PTE(pte, __pte(0));
			continue;
		}

		if (!pte_none(*pte)) {
			if (!after_bootmem)
				pages++;
			if (likely(!tlbemu_remap_rewrite))
				continue;
			tlbemu_remap_rewrites++;	/* TEST-ONLY: rewrite it below */
		} else {
			pages++;
		}
		KPMI_SET_PTE(pte, pfn_pte(paddr >> PAGE_SHIFT, prot));
		paddr_last = (paddr & PAGE_MASK) + PAGE_SIZE;
	}

	update_page_count(PG_LEVEL_4K, pages);

	return paddr_last;
}

/*
 * 2M entries of one PMD page: descend into an existing PTE page, keep or split an existing
 * 2M page, write a 2M page, or build a new PTE page and link it.
 */
static noinline __noclone unsigned long __meminit
phys_pmd_init(pmd_t *pmd_page, unsigned long paddr, unsigned long paddr_end,
	      unsigned long page_size_mask, pgprot_t prot INIT_PARAM)
{
	unsigned long pages = 0, paddr_next;
	unsigned long paddr_last = paddr_end;
	int i = pmd_index(paddr);

	for (; i < PTRS_PER_PMD; i++, paddr = paddr_next) {
		pmd_t *pmd = pmd_page + pmd_index(paddr);
		pte_t *pte;
		pgprot_t new_prot = prot;

		paddr_next = (paddr & PMD_MASK) + PMD_SIZE;
		if (paddr >= paddr_end) {
			if (boot_clear_unbacked(paddr & PMD_MASK, paddr_next))
				KPMI_SET_PMD(pmd, __pmd(0));
			continue;
		}

		if (!pmd_none(*pmd)) {
			if (!pmd_large(*pmd)) {
				spin_lock(&init_mm.page_table_lock);
				pte = (pte_t *)pmd_page_vaddr(*pmd);
				paddr_last = phys_pte_init(pte, paddr, paddr_end, prot INIT_ARG);
				spin_unlock(&init_mm.page_table_lock);
				continue;
			}
			/*
			 * A 2M page: keep it when 2M pages are allowed here. Otherwise split it,
			 * giving the 4K entries the 2M page's own protection: while both sizes
			 * may sit in a TLB they must agree on frame and attributes (Intel TLB
			 * application note 317080).
			 */
			if (page_size_mask & (1 << PG_LEVEL_2M)) {
				if (!after_bootmem)
					pages++;
				paddr_last = paddr_next;
				if (likely(!tlbemu_remap_rewrite))
					continue;
				/* TEST-ONLY: rewrite it below; it is already counted */
				tlbemu_remap_rewrites++;
				pages--;
			} else {
				new_prot = pte_pgprot(pte_clrhuge(*(pte_t *)pmd));
			}
		}

		if (page_size_mask & (1 << PG_LEVEL_2M)) {
			pages++;
			spin_lock(&init_mm.page_table_lock);
			KPMI_SET_PTE((pte_t *)pmd,
				     pfn_pte((paddr & PMD_MASK) >> PAGE_SHIFT,
					     __pgprot(pgprot_val(prot) | _PAGE_PSE)));
			spin_unlock(&init_mm.page_table_lock);
			paddr_last = paddr_next;
			continue;
		}

		pte = alloc_low_page();
		paddr_last = phys_pte_init(pte, paddr, paddr_end, new_prot INIT_ARG);

		spin_lock(&init_mm.page_table_lock);
		KPMI_PMD_POPULATE(&init_mm, pmd, pte);
		spin_unlock(&init_mm.page_table_lock);
	}
	update_page_count(PG_LEVEL_2M, pages);
	return paddr_last;
}

/*
 * 1G entries of one PUD page; same shape one level up. In v4.19 this is where the hot-add
 * path calls __flush_tlb_all() from preemptible context (the seed's warning).
 */
static noinline __noclone unsigned long __meminit
phys_pud_init(pud_t *pud_page, unsigned long paddr, unsigned long paddr_end,
	      unsigned long page_size_mask INIT_PARAM)
{
	unsigned long pages = 0, paddr_next;
	unsigned long paddr_last = paddr_end;
	unsigned long vaddr = (unsigned long)__va(paddr);
	int i = pud_index(vaddr);

	for (; i < PTRS_PER_PUD; i++, paddr = paddr_next) {
		pud_t *pud;
		pmd_t *pmd;
		pgprot_t prot = PAGE_KERNEL;

		vaddr = (unsigned long)__va(paddr);
		pud = pud_page + pud_index(vaddr);
		paddr_next = (paddr & PUD_MASK) + PUD_SIZE;

		if (paddr >= paddr_end) {
			if (boot_clear_unbacked(paddr & PUD_MASK, paddr_next))
				KPMI_SET_PUD(pud, __pud(0));
			continue;
		}

		if (!pud_none(*pud)) {
			if (!pud_large(*pud)) {
				pmd = pmd_offset(pud, 0);
				paddr_last = phys_pmd_init(pmd, paddr, paddr_end, page_size_mask,
							   prot INIT_ARG);
#ifdef TLBEMU_KPMI_LOCAL_FLUSH
				__flush_tlb_all();
#endif
				continue;
			}
			/* a 1G page: keep it when allowed, else split with its protection */
			if (page_size_mask & (1 << PG_LEVEL_1G)) {
				if (!after_bootmem)
					pages++;
				paddr_last = paddr_next;
				if (likely(!tlbemu_remap_rewrite))
					continue;
				/* TEST-ONLY: rewrite it below; it is already counted */
				tlbemu_remap_rewrites++;
				pages--;
			} else {
				prot = pte_pgprot(pte_clrhuge(*(pte_t *)pud));
			}
		}

		if (page_size_mask & (1 << PG_LEVEL_1G)) {
			pages++;
			spin_lock(&init_mm.page_table_lock);
			KPMI_SET_PTE((pte_t *)pud,
				     pfn_pte((paddr & PUD_MASK) >> PAGE_SHIFT, PAGE_KERNEL_LARGE));
			spin_unlock(&init_mm.page_table_lock);
			paddr_last = paddr_next;
			continue;
		}

		pmd = alloc_low_page();
		paddr_last = phys_pmd_init(pmd, paddr, paddr_end, page_size_mask, prot INIT_ARG);

		spin_lock(&init_mm.page_table_lock);
		KPMI_PUD_POPULATE(&init_mm, pud, pmd);
		spin_unlock(&init_mm.page_table_lock);
	}
#ifdef TLBEMU_KPMI_LOCAL_FLUSH
	__flush_tlb_all();
#endif

	update_page_count(PG_LEVEL_1G, pages);

	return paddr_last;
}

/* 512G entries of one P4D page (5-level); a pass-through when the p4d level is folded */
static noinline __noclone unsigned long __meminit
phys_p4d_init(p4d_t *p4d_page, unsigned long paddr, unsigned long paddr_end,
	      unsigned long page_size_mask INIT_PARAM)
{
	unsigned long paddr_next, paddr_last = paddr_end;
	unsigned long vaddr = (unsigned long)__va(paddr);
	int i = p4d_index(vaddr);

	if (!pgtable_l5_enabled())
		return phys_pud_init((pud_t *)p4d_page, paddr, paddr_end, page_size_mask INIT_ARG);

	for (; i < PTRS_PER_P4D; i++, paddr = paddr_next) {
		p4d_t *p4d;
		pud_t *pud;

		vaddr = (unsigned long)__va(paddr);
		p4d = p4d_page + p4d_index(vaddr);
		paddr_next = (paddr & P4D_MASK) + P4D_SIZE;

		if (paddr >= paddr_end) {
			if (boot_clear_unbacked(paddr & P4D_MASK, paddr_next))
				KPMI_SET_P4D(p4d, __p4d(0));
			continue;
		}

		if (!p4d_none(*p4d)) {
			pud = pud_offset(p4d, 0);
			paddr_last = phys_pud_init(pud, paddr, paddr_end, page_size_mask INIT_ARG);
#ifdef TLBEMU_KPMI_LOCAL_FLUSH
			__flush_tlb_all();
#endif
			continue;
		}

		pud = alloc_low_page();
		paddr_last = phys_pud_init(pud, paddr, paddr_end, page_size_mask INIT_ARG);

		spin_lock(&init_mm.page_table_lock);
		KPMI_P4D_POPULATE(&init_mm, p4d, pud);
		spin_unlock(&init_mm.page_table_lock);
	}
#ifdef TLBEMU_KPMI_LOCAL_FLUSH
	__flush_tlb_all();
#endif

	return paddr_last;
}

/*
 * Create the direct mapping of [paddr_start, paddr_end). The virtual and physical addresses
 * have to be aligned at PMD level. Returns the last physical address mapped.
 */
#ifdef TLBEMU_INIT_THREADING
static noinline __noclone unsigned long __meminit
__kernel_physical_mapping_init(unsigned long paddr_start, unsigned long paddr_end,
			       unsigned long page_size_mask, bool init)
#else
noinline __noclone unsigned long __meminit
kernel_physical_mapping_init(unsigned long paddr_start, unsigned long paddr_end,
			     unsigned long page_size_mask)
#endif
{
	bool pgd_changed = false;
	unsigned long vaddr, vaddr_start, vaddr_end, vaddr_next, paddr_last;

	paddr_last = paddr_end;
	vaddr = (unsigned long)__va(paddr_start);
	vaddr_end = (unsigned long)__va(paddr_end);
	vaddr_start = vaddr;

	for (; vaddr < vaddr_end; vaddr = vaddr_next) {
		pgd_t *pgd = pgd_offset_k(vaddr);
		p4d_t *p4d;

		vaddr_next = (vaddr & PGDIR_MASK) + PGDIR_SIZE;

		if (pgd_val(*pgd)) {
			p4d = (p4d_t *)pgd_page_vaddr(*pgd);
			paddr_last = phys_p4d_init(p4d, __pa(vaddr), __pa(vaddr_end),
						   page_size_mask INIT_ARG);
			continue;
		}

		p4d = alloc_low_page();
		paddr_last = phys_p4d_init(p4d, __pa(vaddr), __pa(vaddr_end),
					   page_size_mask INIT_ARG);

		spin_lock(&init_mm.page_table_lock);
		if (pgtable_l5_enabled())
			KPMI_PGD_POPULATE(&init_mm, pgd, p4d);
		else
			KPMI_P4D_POPULATE(&init_mm, p4d_offset(pgd, vaddr), (pud_t *)p4d);
		spin_unlock(&init_mm.page_table_lock);
		pgd_changed = true;
	}

	if (pgd_changed)
		sync_global_pgds(vaddr_start, vaddr_end - 1);

#ifdef TLBEMU_KPMI_LOCAL_FLUSH
	__flush_tlb_all();
#endif

	return paddr_last;
}

#ifdef TLBEMU_INIT_THREADING
/*
 * Populate only: the checked stores warn if a present entry would change.
 */
noinline __noclone unsigned long __meminit
kernel_physical_mapping_init(unsigned long paddr_start, unsigned long paddr_end,
			     unsigned long page_size_mask)
{
	unsigned long ret;

	ret = __kernel_physical_mapping_init(paddr_start, paddr_end, page_size_mask, true);
	barrier();	/* keep this frame in the chain: no tail call */
	return ret;
}

/*
 * Like kernel_physical_mapping_init() but with the plain stores, for a caller that really
 * changes present entries (splitting a large page). The caller must flush the TLBs after.
 */
noinline __noclone unsigned long __meminit
kernel_physical_mapping_change(unsigned long paddr_start, unsigned long paddr_end,
			       unsigned long page_size_mask)
{
	unsigned long ret;

	ret = __kernel_physical_mapping_init(paddr_start, paddr_end, page_size_mask, false);
	barrier();
	return ret;
}
#endif

/* ------------------------------------------------------------------------------------------ */
/* sync_global_pgds: copy new kernel top-level entries into every other pgd (pgd_list)        */

extern spinlock_t pgd_lock;
extern struct list_head pgd_list;
unsigned long sync_global_pgds_copied;

static void sync_global_pgds_l5(unsigned long start, unsigned long end)
{
	unsigned long addr;

	for (addr = start; addr <= end; addr = ALIGN(addr + 1, PGDIR_SIZE)) {
		const pgd_t *pgd_ref = pgd_offset_k(addr);
		struct mm_struct *mm;

		if (pgd_none(*pgd_ref))
			continue;

		spin_lock(&pgd_lock);
		list_for_each_entry(mm, &pgd_list, pgd_list) {
			pgd_t *pgd = mm->pgd + pgd_index(addr);

			if (!pgd_none(*pgd_ref) && !pgd_none(*pgd))
				BUG_ON(pgd_page_vaddr(*pgd) != pgd_page_vaddr(*pgd_ref));

			if (pgd_none(*pgd)) {
				set_pgd(pgd, *pgd_ref);
				sync_global_pgds_copied++;
			}
		}
		spin_unlock(&pgd_lock);
	}
}

static void sync_global_pgds_l4(unsigned long start, unsigned long end)
{
	unsigned long addr;

	for (addr = start; addr <= end; addr = ALIGN(addr + 1, PGDIR_SIZE)) {
		pgd_t *pgd_ref = pgd_offset_k(addr);
		const p4d_t *p4d_ref;
		struct mm_struct *mm;

		/* with the p4d folded, the pgd entry is the p4d entry */
		p4d_ref = p4d_offset(pgd_ref, addr);
		if (p4d_none(*p4d_ref))
			continue;

		spin_lock(&pgd_lock);
		list_for_each_entry(mm, &pgd_list, pgd_list) {
			pgd_t *pgd = mm->pgd + pgd_index(addr);
			p4d_t *p4d = p4d_offset(pgd, addr);

			if (!p4d_none(*p4d_ref) && !p4d_none(*p4d))
				BUG_ON(p4d_page_vaddr(*p4d) != p4d_page_vaddr(*p4d_ref));

			if (p4d_none(*p4d)) {
				set_p4d(p4d, *p4d_ref);
				sync_global_pgds_copied++;
			}
		}
		spin_unlock(&pgd_lock);
	}
}

noinline __noclone void sync_global_pgds(unsigned long start, unsigned long end)
{
	if (pgtable_l5_enabled())
		sync_global_pgds_l5(start, end);
	else
		sync_global_pgds_l4(start, end);
}

/* ------------------------------------------------------------------------------------------ */
/* memory hotplug                                                                             */

static void update_end_of_memory_vars(u64 start, u64 size)
{
	unsigned long end_pfn = PFN_UP(start + size);

	if (end_pfn > max_pfn) {
		max_pfn = end_pfn;
		max_low_pfn = end_pfn;
		high_memory = (void *)__va(max_pfn * PAGE_SIZE - 1) + 1;
	}
}

int add_pages(int nid, unsigned long start_pfn, unsigned long nr_pages,
	      struct vmem_altmap *altmap, bool want_memblock)
{
	int ret;

	ret = __add_pages(nid, start_pfn, nr_pages, altmap, want_memblock);
	WARN_ON_ONCE(ret);

	update_end_of_memory_vars(start_pfn << PAGE_SHIFT, nr_pages << PAGE_SHIFT);

	return ret;
}

noinline __noclone int arch_add_memory(int nid, u64 start, u64 size, struct vmem_altmap *altmap,
			     bool want_memblock)
{
	unsigned long start_pfn = start >> PAGE_SHIFT;
	unsigned long nr_pages = size >> PAGE_SHIFT;

	init_memory_mapping(start, start + size);

	return add_pages(nid, start_pfn, nr_pages, altmap, want_memblock);
}

#define PAGE_INUSE 0xFD

/* no bootmem bookkeeping here: every page-table page goes back to the page allocator */
static void __meminit free_pagetable(struct page *page, int order)
{
	pgtable_pages_freed += 1UL << order;
	free_pages((unsigned long)page_address(page), order);
}

static void __meminit free_hugepage_table(struct page *page, struct vmem_altmap *altmap)
{
	(void)altmap;
	free_pagetable(page, get_order(PMD_SIZE));
}

static void __meminit free_pte_table(pte_t *pte_start, pmd_t *pmd)
{
	pte_t *pte;
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		pte = pte_start + i;
		if (!pte_none(*pte))
			return;
	}

	/* every entry is empty: give the PTE page back and unlink it */
	free_pagetable(pmd_page(*pmd), 0);
	spin_lock(&init_mm.page_table_lock);
	pmd_clear(pmd);
	spin_unlock(&init_mm.page_table_lock);
}

static void __meminit free_pmd_table(pmd_t *pmd_start, pud_t *pud)
{
	pmd_t *pmd;
	int i;

	for (i = 0; i < PTRS_PER_PMD; i++) {
		pmd = pmd_start + i;
		if (!pmd_none(*pmd))
			return;
	}

	/* every entry is empty: give the PMD page back and unlink it */
	free_pagetable(pud_page(*pud), 0);
	spin_lock(&init_mm.page_table_lock);
	pud_clear(pud);
	spin_unlock(&init_mm.page_table_lock);
}

static void __meminit free_pud_table(pud_t *pud_start, p4d_t *p4d)
{
	pud_t *pud;
	int i;

	for (i = 0; i < PTRS_PER_PUD; i++) {
		pud = pud_start + i;
		if (!pud_none(*pud))
			return;
	}

	/* every entry is empty: give the PUD page back and unlink it */
	free_pagetable(p4d_page(*p4d), 0);
	spin_lock(&init_mm.page_table_lock);
	p4d_clear(p4d);
	spin_unlock(&init_mm.page_table_lock);
}

/*
 * TEST-ONLY (tlbemu "noflush-teardown"): while arch_remove_memory() runs with this set, the
 * teardown's flush_tlb_all() calls are skipped on purpose, so that other CPUs keep stale
 * translations of the removed range. Never set in a normal run.
 */
bool tlbemu_noflush_teardown;
static bool teardown_flush_suppressed;
unsigned long tlbemu_teardown_flushes_skipped;

static void teardown_flush_tlb_all(void)
{
	if (unlikely(teardown_flush_suppressed)) {
		tlbemu_teardown_flushes_skipped++;
		return;
	}
	flush_tlb_all();
}

static noinline __noclone void __meminit
remove_pte_table(pte_t *pte_start, unsigned long addr, unsigned long end, bool direct)
{
	unsigned long next, pages = 0;
	pte_t *pte;
	void *page_addr;
	phys_addr_t phys_addr;

	pte = pte_start + pte_index(addr);
	for (; addr < end; addr = next, pte++) {
		next = (addr + PAGE_SIZE) & PAGE_MASK;
		if (next > end)
			next = end;

		if (!pte_present(*pte))
			continue;

		/*
		 * The first 1G is mapped by boot code and must stay (the sum below is how 4.19
		 * computes it; for the direct map it never falls under 1G).
		 */
		phys_addr = pte_val(*pte) + (addr & PAGE_MASK);
		if (phys_addr < (phys_addr_t)0x40000000)
			return;

		if (IS_ALIGNED(addr, PAGE_SIZE) && IS_ALIGNED(next, PAGE_SIZE)) {
			/* the direct map's pages are not ours to free */
			if (!direct)
				free_pagetable(pte_page(*pte), 0);

			spin_lock(&init_mm.page_table_lock);
			pte_clear(&init_mm, addr, pte);
			spin_unlock(&init_mm.page_table_lock);

			pages++;
		} else {
			/* vmemmap only: partially used pages are filled and freed when full */
			memset((void *)addr, PAGE_INUSE, next - addr);

			page_addr = page_address(pte_page(*pte));
			if (!memchr_inv(page_addr, PAGE_INUSE, PAGE_SIZE)) {
				free_pagetable(pte_page(*pte), 0);

				spin_lock(&init_mm.page_table_lock);
				pte_clear(&init_mm, addr, pte);
				spin_unlock(&init_mm.page_table_lock);
			}
		}
	}

	/* free_pte_table() runs in remove_pmd_table() */
	teardown_flush_tlb_all();
	if (direct)
		update_page_count(PG_LEVEL_4K, -(long)pages);
}

static noinline __noclone void __meminit
remove_pmd_table(pmd_t *pmd_start, unsigned long addr, unsigned long end, bool direct,
		 struct vmem_altmap *altmap)
{
	unsigned long next, pages = 0;
	pte_t *pte_base;
	pmd_t *pmd;
	void *page_addr;

	pmd = pmd_start + pmd_index(addr);
	for (; addr < end; addr = next, pmd++) {
		next = pmd_addr_end(addr, end);

		if (!pmd_present(*pmd))
			continue;

		if (pmd_large(*pmd)) {
			if (IS_ALIGNED(addr, PMD_SIZE) && IS_ALIGNED(next, PMD_SIZE)) {
				if (!direct)
					free_hugepage_table(pmd_page(*pmd), altmap);

				spin_lock(&init_mm.page_table_lock);
				pmd_clear(pmd);
				spin_unlock(&init_mm.page_table_lock);
				pages++;
			} else {
				/* vmemmap only */
				memset((void *)addr, PAGE_INUSE, next - addr);

				page_addr = page_address(pmd_page(*pmd));
				if (!memchr_inv(page_addr, PAGE_INUSE, PMD_SIZE)) {
					free_hugepage_table(pmd_page(*pmd), altmap);

					spin_lock(&init_mm.page_table_lock);
					pmd_clear(pmd);
					spin_unlock(&init_mm.page_table_lock);
				}
			}

			continue;
		}

		pte_base = (pte_t *)pmd_page_vaddr(*pmd);
		remove_pte_table(pte_base, addr, next, direct);
		free_pte_table(pte_base, pmd);
	}

	/* free_pmd_table() runs in remove_pud_table() */
	if (direct)
		update_page_count(PG_LEVEL_2M, -(long)pages);
}

static noinline __noclone void __meminit
remove_pud_table(pud_t *pud_start, unsigned long addr, unsigned long end,
		 struct vmem_altmap *altmap, bool direct)
{
	unsigned long next, pages = 0;
	pmd_t *pmd_base;
	pud_t *pud;
	void *page_addr;

	pud = pud_start + pud_index(addr);
	for (; addr < end; addr = next, pud++) {
		next = pud_addr_end(addr, end);

		if (!pud_present(*pud))
			continue;

		if (pud_large(*pud)) {
			if (IS_ALIGNED(addr, PUD_SIZE) && IS_ALIGNED(next, PUD_SIZE)) {
				if (!direct)
					free_pagetable(pud_page(*pud), get_order(PUD_SIZE));

				spin_lock(&init_mm.page_table_lock);
				pud_clear(pud);
				spin_unlock(&init_mm.page_table_lock);
				pages++;
			} else {
				/* vmemmap only */
				memset((void *)addr, PAGE_INUSE, next - addr);

				page_addr = page_address(pud_page(*pud));
				if (!memchr_inv(page_addr, PAGE_INUSE, PUD_SIZE)) {
					free_pagetable(pud_page(*pud), get_order(PUD_SIZE));

					spin_lock(&init_mm.page_table_lock);
					pud_clear(pud);
					spin_unlock(&init_mm.page_table_lock);
				}
			}

			continue;
		}

		pmd_base = pmd_offset(pud, 0);
		remove_pmd_table(pmd_base, addr, next, direct, altmap);
		free_pmd_table(pmd_base, pud);
	}

	if (direct)
		update_page_count(PG_LEVEL_1G, -(long)pages);
}

static noinline __noclone void __meminit
remove_p4d_table(p4d_t *p4d_start, unsigned long addr, unsigned long end,
		 struct vmem_altmap *altmap, bool direct)
{
	unsigned long next, pages = 0;
	pud_t *pud_base;
	p4d_t *p4d;

	p4d = p4d_start + p4d_index(addr);
	for (; addr < end; addr = next, p4d++) {
		next = p4d_addr_end(addr, end);

		if (!p4d_present(*p4d))
			continue;

		BUG_ON(p4d_large(*p4d));

		pud_base = pud_offset(p4d, 0);
		remove_pud_table(pud_base, addr, next, altmap, direct);
		/* PUD pages are freed with 5-level paging only, as in 4.19 */
		if (pgtable_l5_enabled())
			free_pud_table(pud_base, p4d);
	}

	if (direct)
		update_page_count(PG_LEVEL_512G, -(long)pages);
}

/* [start, end) is a range of kernel virtual addresses */
static noinline __noclone void __meminit
remove_pagetable(unsigned long start, unsigned long end, bool direct, struct vmem_altmap *altmap)
{
	unsigned long next;
	unsigned long addr;
	pgd_t *pgd;
	p4d_t *p4d;

	for (addr = start; addr < end; addr = next) {
		next = pgd_addr_end(addr, end);

		pgd = pgd_offset_k(addr);
		if (!pgd_present(*pgd))
			continue;

		p4d = p4d_offset(pgd, 0);
		remove_p4d_table(p4d, addr, next, altmap, direct);
	}

	teardown_flush_tlb_all();
}

static noinline __noclone void __meminit kernel_physical_mapping_remove(unsigned long start,
							      unsigned long end)
{
	start = (unsigned long)__va(start);
	end = (unsigned long)__va(end);

	remove_pagetable(start, end, true, NULL);
}

noinline __noclone int __ref arch_remove_memory(u64 start, u64 size, struct vmem_altmap *altmap)
{
	unsigned long start_pfn = start >> PAGE_SHIFT;
	unsigned long nr_pages = size >> PAGE_SHIFT;
	int ret;

	/* ZONE_DEVICE is the only hot-removable zone here (4.19 looks it up via the memmap) */
	ret = __remove_pages(&zone_device, start_pfn, nr_pages, altmap);
	WARN_ON_ONCE(ret);

	/* TEST-ONLY: tlbemu "noflush-teardown" (see teardown_flush_tlb_all()) */
	teardown_flush_suppressed = tlbemu_noflush_teardown;
	kernel_physical_mapping_remove(start, start + size);
	teardown_flush_suppressed = false;

	return ret;
}
