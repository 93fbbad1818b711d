// Flush trap: every TLB flush by any CPU, recorded with its kind, CPU, call chain and the CPU's
// preemption state (preempt_count and RFLAGS.IF), independent of the guest's own checks. A flush meant
// for "this CPU" that runs while the caller is preemptible (preempt_count == 0 and interrupts on) may
// run on a different CPU than the one whose TLB the caller meant: that is reported as a diagnostic
// naming the call site, even for a guest built without CONFIG_DEBUG_VM.
import type { Cpu } from '../emulator/cpu/cpu.js';
import type { EmulatorHooks, FlushEvent } from '../emulator/hooks.js';
import { FLUSH_KIND_NAMES } from '../emulator/hooks.js';
import { IF } from '../emulator/cpu/state.js';
import { getFlags } from '../emulator/cpu/flags.js';

export interface PreemptState {
  /** preempt_count() (PREEMPT_NEED_RESCHED masked off), or -1 when unknown. */
  preemptCount: number;
  irqsEnabled: boolean;
}

export interface RecordedFlush {
  cpu: number;
  kind: string;
  rip: bigint;
  /** Symbolized call chain, innermost first. */
  chain: string[];
  /** Function names of the chain (for matching). */
  functions: string[];
  preemptCount: number;
  irqsEnabled: boolean;
  preemptible: boolean;
  dropped: number;
  droppedGlobal: number;
  time: number;
}

export interface FlushTrapOptions {
  cpus: Cpu[];
  preemptState: (cpu: Cpu) => PreemptState;
  /** Symbolized frames (text, function) of a CPU's current stack. */
  stack: (cpu: Cpu) => { text: string; fn: string }[];
  /** Keep at most this many records (counts continue). */
  maxRecords?: number;
}

export interface PreemptibleFlushDiagnostic {
  cpu: number;
  kind: string;
  site: string;
  chain: string[];
  count: number;
}

export class FlushTrap {
  readonly records: RecordedFlush[] = [];
  total = 0;
  /** Diagnostics keyed by call chain. */
  readonly diagnostics = new Map<string, PreemptibleFlushDiagnostic>();

  constructor(readonly opts: FlushTrapOptions) {}

  hooks(): EmulatorHooks {
    return { tlbFlush: (ev) => this.onFlush(ev) };
  }

  private onFlush(ev: FlushEvent): void {
    this.total++;
    const cpu = this.opts.cpus[ev.cpu];
    const ps = this.opts.preemptState(cpu);
    const irqsEnabled = (getFlags(cpu) & IF) !== 0;
    const preemptible = ps.preemptCount === 0 && irqsEnabled;
    const frames = this.opts.stack(cpu);
    const rec: RecordedFlush = {
      cpu: ev.cpu, kind: FLUSH_KIND_NAMES[ev.kind], rip: (BigInt(ev.ripHi >>> 0) << 32n) | BigInt(ev.ripLo >>> 0),
      chain: frames.map((f) => f.text), functions: frames.map((f) => f.fn),
      preemptCount: ps.preemptCount, irqsEnabled, preemptible, dropped: ev.dropped, droppedGlobal: ev.droppedGlobal,
      time: ev.time,
    };
    if (this.records.length < (this.opts.maxRecords ?? 100_000)) this.records.push(rec);
    if (preemptible) {
      const key = `${rec.kind}|${rec.functions.join('<')}`;
      const d = this.diagnostics.get(key);
      if (d !== undefined) d.count++;
      else {
        this.diagnostics.set(key, {
          cpu: ev.cpu, kind: rec.kind, site: rec.chain.find((_, k) => k > 0) ?? rec.chain[0] ?? '?',
          chain: rec.chain, count: 1,
        });
      }
    }
  }

  /** Host diagnostics in one line each. */
  diagnosticLines(): string[] {
    return [...this.diagnostics.values()].map((d) =>
      `tlbemu-host: local TLB flush (${d.kind}) while preemptible on CPU ${d.cpu} at ${d.chain[0] ?? '?'}` +
      ` called from ${d.chain.slice(1).map((c) => c).join(' <- ')}${d.count > 1 ? ` (${d.count} times)` : ''}`);
  }
}
