import type { Scenario } from '../scenario.js';
import { MATRIX, PMEM_4G } from './common.js';

/** What was merged (the `init` flag and set_*_init helpers): same outcome as v2. */
export const hotplugUpstream: Scenario = {
  name: 'hotplug-upstream',
  summary: 'merged form (bool init, set_*_init): no warning, no stale translation, same page tables as 4.19',
  variant: 'upstream', cpus: 2, mem: '1G', pmem: PMEM_4G, paging: 4, seed: 1, checkTlb: true,
  cmdline: 'pmem=4G@8G hotplug=add',
  matrix: MATRIX,
  expect: { guestStatus: 1, warnings: [], staleUses: 'none', preemptibleFlush: false, ptdumpSameAs: 'hotplug-4.19' },
};
