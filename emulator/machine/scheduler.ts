// The deterministic scheduler: one host thread runs the CPUs round-robin in slices of `quantum`
// instructions (or slice lengths drawn from a seeded PRNG). A CPU ends its slice early on HLT or PAUSE.
// A CPU halted with IF=1 sleeps (its clock still advances) until an interrupt is pending for it. The
// only wall-clock use is the optional timeout, checked between slices.
import { RUN_STOPPED } from '../cpu/cpu.js';
import { IF } from '../cpu/state.js';
import type { Machine } from './machine.js';

export type ExitReason = 'halted' | 'debug-exit' | 'triple-fault' | 'stopped' | 'max-insns' | 'timeout' | 'deadlock';

/** Exit statuses (DESIGN.md): even = tlbemu decided, odd = the guest chose through debug-exit. */
export const STATUS_HALTED = 0;
export const STATUS_BUDGET = 4;
export const STATUS_CRASH = 6;

/** Consecutive skips to a timer deadline that wake nobody before the machine is declared deadlocked. */
const MAX_IDLE_SKIPS = 1000;
/**
 * The shortest slice a lone running CPU gets: with nothing else to run between its slices their length
 * cannot be observed (a timer deadline or a stop request still ends one on the exact instruction, and
 * a halted CPU still sleeps in `quantum` steps), while each slice costs the host ~3500 instructions of
 * scheduling (cachegrind: 386 -> 316 host instructions per iteration of a 4-instruction guest loop
 * between slices of 200 and of 100 000).
 */
const SOLO_SLICE = 10_000;

export interface RunOptions {
  /** Instructions per slice (default 200). */
  quantum?: number;
  /** Seed of the slice-length PRNG; without it every slice is `quantum` long. */
  seed?: number;
  /** Total instruction budget over all CPUs (default: unlimited). */
  maxInsns?: number;
  /** Wall-clock limit in milliseconds (default: none). */
  timeoutMs?: number;
  /** Wall clock for the timeout (tests inject one); default performance.now. */
  now?: () => number;
  /** Called every few thousand slices with the instructions retired so far (progress display only:
   *  it cannot influence scheduling). */
  progress?: (instructions: number) => void;
}

export interface RunResult {
  reason: ExitReason;
  status: number;
  /** One line for the user; empty when the guest simply finished. */
  message: string;
  /** The CPU concerned (debug-exit writer, triple-faulting CPU), or -1. */
  cpu: number;
  /** Instructions retired during this run, all CPUs. */
  instructions: number;
  /** Slices run (CPU turns that executed at least one instruction or took an interrupt). */
  slices: number;
}

/** SplitMix32-style generator (seeded, no Math.random). */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed ^ Math.floor(seed / 4294967296) * 0x9e3779b9) | 0;
  }
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
}

export class Scheduler {
  readonly quantum: number;
  private readonly prng: Prng | null;
  private readonly maxInsns: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly progress: ((instructions: number) => void) | undefined;
  /** Slices each CPU spent asleep in HLT. */
  readonly haltedSlices: number[];

  constructor(private readonly m: Machine, opts: RunOptions = {}) {
    this.quantum = opts.quantum ?? 200;
    if (!Number.isInteger(this.quantum) || this.quantum < 1) throw new RangeError('quantum must be a positive integer');
    this.prng = opts.seed === undefined ? null : new Prng(opts.seed);
    this.maxInsns = opts.maxInsns ?? Infinity;
    this.timeoutMs = opts.timeoutMs ?? Infinity;
    this.now = opts.now ?? (() => performance.now());
    this.progress = opts.progress;
    this.haltedSlices = m.haltedSlices;
  }

  /** Length of the next slice: `quantum`, or uniform in [1, 2*quantum] with a seed. */
  private sliceLength(): number {
    return this.prng === null ? this.quantum : 1 + (this.prng.next() % (2 * this.quantum));
  }

  run(): RunResult {
    const m = this.m;
    const cpus = m.cpus;
    const n = cpus.length;
    const start = this.timeoutMs < Infinity ? this.now() : 0;
    let executed = 0;
    let slices = 0;
    let skips = 0, slicesAtSkip = -1;
    const result = (reason: ExitReason, status: number, message: string, cpu = -1): RunResult => {
      m.serial.flush();
      return { reason, status, message, cpu, instructions: executed, slices };
    };
    for (;;) {
      for (let i = 0; i < n; i++) {
        const cpu = cpus[i];
        if (cpu.stopped) continue;
        const slice = this.sliceLength();
        if (cpu.halted) {
          if ((cpu.flags & IF) === 0) continue; // halted for good (no NMI or INIT in this machine)
          if (m.intc.pendingInterrupt(i) < 0) {
            cpu.haltedInstructions += slice; // asleep: its clock runs on
            this.haltedSlices[i]++;
            continue;
          }
        }
        const left = this.maxInsns - executed;
        if (left <= 0) return result('max-insns', STATUS_BUDGET, `instruction budget of ${this.maxInsns} exhausted`);
        // end the slice exactly when the CPU's LAPIC timer is due, so the tick lands on the same
        // instruction whatever the slice lengths are
        let deadline = m.intc.timerDeadline?.(i) ?? -1;
        if (deadline >= 0 && m.clock(i) >= deadline) {
          m.intc.pendingInterrupt(i); // lets the controller fire the timer (it raises the CPU's line)
          deadline = m.intc.timerDeadline?.(i) ?? -1;
        }
        const due = deadline >= 0 ? Math.max(deadline - m.clock(i), 1) : Infinity;
        const before = cpu.instructions;
        m.currentCpu = i;
        const why = cpu.run(Math.min(n === 1 && slice < SOLO_SLICE ? SOLO_SLICE : slice, left, due));
        m.currentCpu = -1;
        executed += cpu.instructions - before;
        slices++;
        const stop = m.stopRequest;
        if (stop !== null) return result(stop.reason, stop.status, stop.message, stop.cpu);
        if (why === RUN_STOPPED || cpu.stopped) {
          const tf = cpu.describeTripleFault();
          if (tf !== '') return result('triple-fault', STATUS_CRASH, tf, i);
          return result('stopped', STATUS_CRASH, `CPU ${i} stopped`, i);
        }
        if (this.progress !== undefined && (slices & 4095) === 0) this.progress(executed);
        if (this.timeoutMs < Infinity && (slices & 15) === 0 && this.now() - start > this.timeoutMs) {
          return result('timeout', STATUS_BUDGET, `wall-clock timeout after ${this.timeoutMs / 1000} s`);
        }
      }
      if (this.timeoutMs < Infinity && this.now() - start > this.timeoutMs) {
        return result('timeout', STATUS_BUDGET, `wall-clock timeout after ${this.timeoutMs / 1000} s`);
      }
      // end of a round: has every CPU stopped making progress?
      let running = false, sleeping = 0, parked = 0;
      for (let i = 0; i < n; i++) {
        const cpu = cpus[i];
        if (cpu.stopped) continue;
        if (!cpu.halted) { running = true; break; }
        if ((cpu.flags & IF) === 0) parked++;
        else if (m.intc.pendingInterrupt(i) >= 0) { running = true; break; }
        else sleeping++;
      }
      if (running) continue;
      if (sleeping === 0) {
        return result('halted', STATUS_HALTED, parked > 0 ? '' : 'no CPU left running');
      }
      // every CPU sleeps: skip to the earliest timer deadline, if any
      let delta = Infinity;
      for (let i = 0; i < n; i++) {
        const cpu = cpus[i];
        if (cpu.stopped || (cpu.flags & IF) === 0) continue;
        const d = m.intc.timerDeadline?.(i) ?? -1;
        if (d >= 0) delta = Math.min(delta, Math.max(d - m.clock(i), 0));
      }
      // a timer that keeps expiring without ever posting an interrupt (masked) does not wake anyone
      if (slices !== slicesAtSkip) { skips = 0; slicesAtSkip = slices; }
      if (delta === Infinity || ++skips > MAX_IDLE_SKIPS) {
        return result('deadlock', STATUS_BUDGET,
          `deadlock: ${sleeping === n ? 'every CPU is' : `${sleeping} CPU${sleeping === 1 ? ' is' : 's are'}`} halted with ` +
          `interrupts enabled${parked > 0 ? ` (the others with interrupts off)` : ''} and no interrupt can arrive`);
      }
      delta = Math.max(delta, 1);
      for (let i = 0; i < n; i++) if (cpus[i].halted && !cpus[i].stopped) cpus[i].haltedInstructions += delta;
    }
  }
}
