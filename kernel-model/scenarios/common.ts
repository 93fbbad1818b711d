// Pieces shared by the scenarios.
import type { WarningExpect } from '../scenario.js';

/** The seed report's call chain of the 4.19 warning (innermost first). */
export const SEED_CHAIN = [
  'phys_pud_init', 'kernel_physical_mapping_init', 'init_memory_mapping', 'arch_add_memory',
  'devm_memremap_pages', 'pmem_attach_disk',
];

export const TLBFLUSH_460: WarningExpect = {
  file: './arch/x86/include/asm/tlbflush.h', line: 460, function: '__flush_tlb_all', chainPrefix: SEED_CHAIN,
};

/** 4 GiB of persistent memory at 8 GiB, hot-added by the pmem driver (PID 911, "ndctl"). */
export const PMEM_4G = ['4G@8G'];
export const MATRIX = [{ cpus: 1, seed: 1 }, { cpus: 2, seed: 7 }, { cpus: 4, seed: 3 }];
