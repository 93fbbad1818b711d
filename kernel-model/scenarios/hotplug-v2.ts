import type { Scenario } from '../scenario.js';
import { MATRIX, PMEM_4G } from './common.js';

/** The posted v2 series: the population path only fills empty entries and no longer flushes. */
export const hotplugV2: Scenario = {
  name: 'hotplug-v2',
  summary: 'v2 series: same hot-add, no warning, no stale translation, same page tables as 4.19',
  variant: 'v2', cpus: 2, mem: '1G', pmem: PMEM_4G, paging: 4, seed: 1, checkTlb: true,
  cmdline: 'pmem=4G@8G hotplug=add',
  matrix: [...MATRIX, { cpus: 2, seed: 5, paging: 5 }],
  expect: { guestStatus: 1, warnings: [], staleUses: 'none', preemptibleFlush: false, ptdumpSameAs: 'hotplug-4.19' },
};
