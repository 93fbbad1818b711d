// A scenario: a declarative machine configuration, guest variant and command line, and the outcome
// the run must have. `tlbemu boot NAME` runs it and says whether the outcome matched.
export type Variant = 'v4.19' | 'v1' | 'v2' | 'upstream';
export const VARIANTS: readonly Variant[] = ['v4.19', 'v1', 'v2', 'upstream'];

export interface WarningExpect {
  file: string;
  line?: number;
  function: string;
  /** The Call Trace must start with these functions (innermost first). */
  chainPrefix?: string[];
}

export interface ScenarioExpect {
  /** Process status the guest chooses through debug-exit (1 = its self-checks passed, 7 = stale TLB seen). */
  guestStatus: number;
  /** Exactly these warnings, in order ([] = none). */
  warnings: WarningExpect[];
  /** With --check tlb: no stale translation use, or at least one on a CPU other than the writer's. */
  staleUses: 'none' | 'other-cpu';
  /** Whether the host's flush trap must report a local flush run while preemptible. */
  preemptibleFlush: boolean;
  /** The final kernel page tables must dump identically to this scenario's (checked by the tests and npm start). */
  ptdumpSameAs?: string;
}

export interface Scenario {
  name: string;
  summary: string;
  variant: Variant;
  cpus: number;
  mem: string;
  pmem: string[];
  paging: 4 | 5;
  cmdline: string;
  seed: number;
  /** Run with the stale-TLB oracle by default. */
  checkTlb: boolean;
  /** Other CPU counts and seeds the test suite runs it with (the expectation must hold for each). */
  matrix: { cpus: number; seed: number; paging?: 4 | 5 }[];
  expect: ScenarioExpect;
}
