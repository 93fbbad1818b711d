import type { Scenario } from '../scenario.js';
import { MATRIX, PMEM_4G, TLBFLUSH_460 } from './common.js';

/** Linux 4.19: the hot-add path calls __flush_tlb_all() from preemptible context and warns. */
export const hotplug419: Scenario = {
  name: 'hotplug-4.19',
  summary: 'v4.19 hot-adds 4 GiB of pmem: VM_WARN_ON_ONCE(preemptible()) at tlbflush.h:460 from phys_pud_init',
  variant: 'v4.19', cpus: 2, mem: '1G', pmem: PMEM_4G, paging: 4, seed: 1, checkTlb: true,
  cmdline: 'pmem=4G@8G hotplug=add',
  matrix: MATRIX,
  expect: { guestStatus: 1, warnings: [TLBFLUSH_460], staleUses: 'none', preemptibleFlush: true },
};
