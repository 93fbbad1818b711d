import type { Scenario } from '../scenario.js';
import { PMEM_4G } from './common.js';

/** The teardown's flush_tlb_all() skipped on purpose: another CPU reads a page that is no longer mapped. */
export const hotremoveNoflush: Scenario = {
  name: 'hotremove-noflush',
  summary: 'v2 with the teardown flush skipped: the oracle catches a stale translation used on another CPU',
  variant: 'v2', cpus: 4, mem: '1G', pmem: PMEM_4G, paging: 4, seed: 1, checkTlb: true,
  cmdline: 'pmem=4G@8G hotplug=add,remove noflush-teardown',
  matrix: [{ cpus: 2, seed: 1 }, { cpus: 4, seed: 9 }],
  expect: { guestStatus: 7, warnings: [], staleUses: 'other-cpu', preemptibleFlush: false },
};
