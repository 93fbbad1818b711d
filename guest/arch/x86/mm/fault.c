// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel page faults. There is no user space and no demand paging: a #PF is either an expected
 * one (probe reads, resolved through __ex_table) or an oops.
 */
#include <linux/kernel.h>
#include <linux/hardirq.h>
#include <asm/traps.h>
#include <asm/extable.h>
#include <asm/pgtable.h>
#include <asm/special_insns.h>

static void dump_pagetable(unsigned long address)
{
	pgd_t *base = __va(__native_read_cr3() & PTE_PFN_MASK);
	pgd_t *pgd = base + pgd_index(address);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte;

	pr_cont("PGD %lx ", pgd_val(*pgd));
	if (!pgd_present(*pgd))
		goto out;
	p4d = p4d_offset(pgd, address);
	if (pgtable_l5_enabled())
		pr_cont("P4D %lx ", p4d_val(*p4d));
	if (!p4d_present(*p4d))
		goto out;
	pud = pud_offset(p4d, address);
	pr_cont("PUD %lx ", pud_val(*pud));
	if (!pud_present(*pud) || pud_large(*pud))
		goto out;
	pmd = pmd_offset(pud, address);
	pr_cont("PMD %lx ", pmd_val(*pmd));
	if (!pmd_present(*pmd) || pmd_large(*pmd))
		goto out;
	pte = pte_offset_kernel(pmd, address);
	pr_cont("PTE %lx", pte_val(*pte));
out:
	pr_cont("\n");
}

void do_page_fault(struct pt_regs *regs, unsigned long error_code)
{
	unsigned long address = read_cr2();

	if (!user_mode(regs) && fixup_exception(regs, X86_TRAP_PF)) {
		inc_irq_stat(page_faults_fixed);
		return;
	}

	pr_alert("BUG: unable to handle kernel %s at %016lx\n",
		 address < PAGE_SIZE ? "NULL pointer dereference" : "paging request", address);
	pr_alert("#PF error: [%s %s %s%s]\n",
		 (error_code & X86_PF_USER) ? "user" : "normal kernel",
		 (error_code & X86_PF_INSTR) ? "instruction fetch" :
		 (error_code & X86_PF_WRITE) ? "write" : "read",
		 (error_code & X86_PF_PROT) ? "protection" : "not-present",
		 (error_code & X86_PF_RSVD) ? " reserved-bit" : "");
	printk(KERN_ALERT "");
	dump_pagetable(address);
	die("Oops", regs, error_code);
}
