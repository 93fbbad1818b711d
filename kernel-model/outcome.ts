// Compares what a scenario run did with what the scenario expects; returns the differences.
import type { ScenarioExpect } from './scenario.js';
import type { WarningRecord } from './kernel-model.js';
import type { StaleUse } from './stale-oracle.js';

export interface RunFacts {
  guestStatus: number;
  warnings: WarningRecord[];
  /** null when the oracle was off. */
  staleUses: StaleUse[] | null;
  /** Writer CPU of each stale use's culprit write (-1 unknown), aligned with staleUses. */
  preemptibleFlushes: number;
}

export function compareOutcome(expect: ScenarioExpect, f: RunFacts): string[] {
  const diffs: string[] = [];
  if (f.guestStatus !== expect.guestStatus) diffs.push(`guest exit status ${f.guestStatus}, expected ${expect.guestStatus}`);
  const w = f.warnings;
  if (w.length !== expect.warnings.length) {
    diffs.push(`${w.length} warning(s) (${w.map((x) => `${x.file}:${x.line}`).join(', ') || 'none'}), expected ${expect.warnings.length}`);
  }
  expect.warnings.forEach((e, k) => {
    const got = w[k];
    if (got === undefined) return;
    if (got.file !== e.file || (e.line !== undefined && got.line !== e.line)) {
      diffs.push(`warning ${k + 1} at ${got.file}:${got.line}, expected ${e.file}${e.line !== undefined ? ':' + e.line : ''}`);
    }
    if (got.function !== e.function) diffs.push(`warning ${k + 1} in ${got.function}, expected ${e.function}`);
    if (e.chainPrefix !== undefined) {
      const chain = got.callChain.slice(0, e.chainPrefix.length);
      if (chain.join(' <- ') !== e.chainPrefix.join(' <- ')) {
        diffs.push(`warning ${k + 1} call chain ${got.callChain.join(' <- ')}, expected it to start ${e.chainPrefix.join(' <- ')}`);
      }
    }
  });
  if (f.staleUses !== null) {
    const other = f.staleUses.filter((s) => s.culprit === null || s.culprit.cpu !== s.cpu);
    if (expect.staleUses === 'none' && f.staleUses.length > 0) {
      diffs.push(`${f.staleUses.length} stale translation use(s), expected none`);
    }
    if (expect.staleUses === 'other-cpu' && other.length === 0) {
      diffs.push('no stale translation use on a CPU other than the page-table writer, expected one');
    }
  }
  if (expect.preemptibleFlush !== (f.preemptibleFlushes > 0)) {
    diffs.push(expect.preemptibleFlush ? 'no local flush while preemptible, expected one' : `${f.preemptibleFlushes} local flush(es) while preemptible, expected none`);
  }
  return diffs;
}
