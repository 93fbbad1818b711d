import type { Scenario } from '../scenario.js';
import { MATRIX, PMEM_4G } from './common.js';

/**
 * The series' first version warned on any present entry: mapping a range again (`remap`, an identical
 * rewrite through the real mapping code) trips set_pud_safe() — a false positive that v2 fixed.
 */
export const hotplugV1: Scenario = {
  name: 'hotplug-v1',
  summary: 'v1 series: an identical rewrite of a present entry (remap) gives a false-positive warning',
  variant: 'v1', cpus: 2, mem: '1G', pmem: PMEM_4G, paging: 4, seed: 1, checkTlb: true,
  cmdline: 'pmem=4G@8G hotplug=add remap',
  matrix: MATRIX,
  expect: {
    guestStatus: 1,
    warnings: [{ file: 'arch/x86/mm/init_64.c', function: 'phys_pud_init', chainPrefix: ['kernel_physical_mapping_init', 'init_memory_mapping'] }],
    staleUses: 'none', preemptibleFlush: false,
  },
};
