import type { Scenario } from '../scenario.js';
import { PMEM_4G } from './common.js';

/**
 * A caller that really changes existing entries (the SME encryption-attribute change) through the
 * population code: v2's safe helpers warn, and since v2 no longer flushes there, the other CPUs keep
 * using the old translations — the case upstream's kernel_physical_mapping_change() + flush exists for.
 */
export const changeNoflush: Scenario = {
  name: 'change-noflush',
  summary: 'v2: changing a live mapping through the safe helpers warns, and without a flush a stale use is caught',
  variant: 'v2', cpus: 2, mem: '1G', pmem: PMEM_4G, paging: 4, seed: 1, checkTlb: true,
  cmdline: 'pmem=4G@8G hotplug=add change-noflush',
  matrix: [{ cpus: 2, seed: 1 }, { cpus: 4, seed: 3 }],
  expect: {
    guestStatus: 1,
    warnings: [
      { file: './arch/x86/include/asm/pgalloc.h', line: 92, function: 'phys_pud_init', chainPrefix: ['kernel_physical_mapping_init', 'early_set_memory_enc_dec'] },
      { file: './arch/x86/include/asm/pgalloc.h', line: 87, function: 'phys_pmd_init', chainPrefix: ['phys_pud_init', 'kernel_physical_mapping_init'] },
    ],
    staleUses: 'other-cpu', preemptibleFlush: false,
  },
};
