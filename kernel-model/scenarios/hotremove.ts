import type { Scenario } from '../scenario.js';
import { PMEM_4G } from './common.js';

/** Teardown: every CPU read the range, so its removal must reach every TLB — flush_tlb_all() by IPI. */
export const hotremove: Scenario = {
  name: 'hotremove',
  summary: 'v2: hot-add then hot-remove while other CPUs read the range; the all-CPU flush leaves no stale entry',
  variant: 'v2', cpus: 4, mem: '1G', pmem: PMEM_4G, paging: 4, seed: 1, checkTlb: true,
  cmdline: 'pmem=4G@8G hotplug=add,remove',
  matrix: [{ cpus: 2, seed: 1 }, { cpus: 4, seed: 9 }, { cpus: 4, seed: 2, paging: 5 }],
  expect: { guestStatus: 1, warnings: [], staleUses: 'none', preemptibleFlush: false },
};
