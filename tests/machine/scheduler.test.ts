import { describe, expect, it } from 'vitest';
import { bootTestImage } from '../helpers/boot-image.js';
import { Prng } from '../../emulator/machine/scheduler.js';
import type { InterruptController } from '../../emulator/machine/interrupt-controller.js';
import type { Machine } from '../../emulator/machine/machine.js';

describe('PRNG', () => {
  it('is a pure function of its seed', () => {
    const a = new Prng(42), b = new Prng(42), c = new Prng(43);
    const xs = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
  });
});

describe('run endings', () => {
  it('all CPUs halted with interrupts off: status 0', () => {
    const { m } = bootTestImage('halt', { cpus: 3 });
    const r = m.run();
    expect(r).toMatchObject({ reason: 'halted', status: 0, message: '' });
    expect(m.cpus.every((c) => c.halted)).toBe(true);
  });

  it('all CPUs halted with interrupts on and nothing to wake them: deadlock, status 4', () => {
    const { m } = bootTestImage('halt', { cpus: 2, cmdline: 'sti' });
    const r = m.run();
    expect(r.reason).toBe('deadlock');
    expect(r.status).toBe(4);
    expect(r.message).toBe('deadlock: every CPU is halted with interrupts enabled and no interrupt can arrive');
  });

  it('debug-exit ends the run right after the OUT, with the writer named', () => {
    const { m, serial } = bootTestImage('exitcode', { cmdline: 'exit=7' });
    const r = m.run();
    expect(r).toMatchObject({ reason: 'debug-exit', status: 15, cpu: 0 });
    expect(serial.text()).toBe('exiting with 7\n');
  });

  it('a triple fault: status 6 and the CPU, RIP and vector chain', () => {
    const { m } = bootTestImage('triple');
    const r = m.run();
    expect(r.reason).toBe('triple-fault');
    expect(r.status).toBe(6);
    expect(r.cpu).toBe(0);
    expect(r.message).toMatch(/^triple fault on CPU 0 at RIP 0x[0-9a-f]{16}: #UD -> .*#DF.*$/);
  });

  it('--max-insns: exactly the budget is executed, status 4', () => {
    const { m } = bootTestImage('spin', { cpus: 2 });
    const r = m.run({ maxInsns: 12345, quantum: 100 });
    expect(r).toMatchObject({ reason: 'max-insns', status: 4, instructions: 12345 });
    expect(m.cpus[0].instructions + m.cpus[1].instructions).toBe(12345);
    // round-robin: both CPUs got turns
    expect(Math.abs(m.cpus[0].instructions - m.cpus[1].instructions)).toBeLessThanOrEqual(100);
  });

  it('--timeout is checked between slices against the wall clock', () => {
    const { m } = bootTestImage('spin', { cpus: 2 });
    let t = 0;
    const r = m.run({ timeoutMs: 1000, now: () => (t += 10), quantum: 50 });
    expect(r.reason).toBe('timeout');
    expect(r.status).toBe(4);
    expect(r.instructions).toBeGreaterThan(0);
    expect(r.instructions).toBeLessThan(200 * 50);
  });

  it('a lone CPU runs in slices of at least 10 000 instructions, whatever the quantum', () => {
    const run = (cpus: number): { slices: number; insns: number } => {
      const { m } = bootTestImage('spin', { cpus });
      const r = m.run({ maxInsns: 100_000, quantum: 50 });
      expect(r).toMatchObject({ reason: 'max-insns', instructions: 100_000 });
      return { slices: r.slices, insns: m.cpus[0].instructions };
    };
    // nothing else runs between a lone CPU's slices: only the host's cost of switching changes
    expect(run(1)).toEqual({ slices: 10, insns: 100_000 });
    const two = run(2);
    expect(two.slices).toBe(2000);
    expect(two.insns).toBe(50_000);
  });
});

describe('slices', () => {
  function smp(cpus: number, opts: { quantum?: number; seed?: number }): { out: string; insns: number[] } {
    const { m, serial } = bootTestImage('smp', { cpus });
    const r = m.run({ ...opts, maxInsns: 5_000_000 });
    expect(r.reason).toBe('debug-exit');
    return { out: serial.text(), insns: m.cpus.map((c) => c.instructions) };
  }

  it('the same seed gives the same interleaving; every CPU arrives', () => {
    const a = smp(4, { seed: 1234 });
    const b = smp(4, { seed: 1234 });
    expect(a).toEqual(b);
    expect(a.out).toMatch(/^cpus arrived: 4, order:( [0-3]){4}\n$/);
    const order = a.out.trim().split(': ')[2].split(' ').map(Number).sort();
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('the seed changes slice lengths (so instruction counts differ between seeds)', () => {
    const runs = [1, 2, 3].map((seed) => smp(3, { seed }).insns.join(','));
    expect(new Set(runs).size).toBeGreaterThan(1);
  });

  it('PAUSE ends a slice early, so a spinning CPU does not burn its whole quantum', () => {
    const { m } = bootTestImage('smp', { cpus: 2 });
    m.run({ quantum: 10_000, maxInsns: 1_000_000 });
    expect(m.cpus[0].pauses).toBeGreaterThan(0);
    expect(m.cpus[0].instructions).toBeLessThan(10_000);
  });
});

/** A controller whose timer posts vector 0x20 every `period` clock ticks of CPU 0. */
class FakeTimer implements InterruptController {
  deadline: number;
  posted = 0;
  acked: number[] = [];
  constructor(private readonly m: Machine, private readonly period: number) {
    this.deadline = period;
  }
  pendingInterrupt(cpu: number): number {
    if (cpu !== 0) return -1;
    if (this.posted === 0 && this.m.clock(0) >= this.deadline) this.posted = 1;
    return this.posted > 0 ? 0x20 : -1;
  }
  acknowledgeInterrupt(cpu: number, vector: number): void {
    this.acked.push(vector);
    this.posted = 0;
    this.deadline = this.m.clock(cpu) + this.period;
  }
  msrRead(): boolean { return false; }
  msrWrite(): boolean { return false; }
  timerDeadline(cpu: number): number { return cpu === 0 ? this.deadline : -1; }
}

describe('sleeping CPUs and the interrupt controller', () => {
  it('a CPU in sti;hlt sleeps until its timer fires; an all-asleep machine skips ahead', () => {
    const { m, serial } = bootTestImage('wake', { cpus: 2 });
    const timer = new FakeTimer(m, 1_000_000);
    m.setInterruptController(timer);
    const r = m.run({ quantum: 200 });
    expect(r.reason).toBe('debug-exit');
    expect(serial.text()).toBe('sleeping\nwoken by 2 interrupts\n');
    expect(timer.acked).toEqual([0x20, 0x20]);
    expect(m.cpus[0].interruptsTaken).toBe(2);
    // two waits of a million clock ticks each, almost all of them asleep
    expect(m.clock(0)).toBeGreaterThanOrEqual(2_000_000);
    expect(m.cpus[0].instructions).toBeLessThan(10_000);
    expect(m.cpus[0].haltedInstructions).toBeGreaterThan(1_990_000);
    expect(m.haltedSlices[0]).toBeGreaterThan(0);
    expect(m.counters(0)).toMatchObject({ interrupts: 2, haltedSlices: m.haltedSlices[0] });
  });

  it('a masked timer that keeps expiring does not hang the scheduler', () => {
    const { m } = bootTestImage('halt', { cmdline: 'sti' });
    m.setInterruptController({
      pendingInterrupt: () => -1, acknowledgeInterrupt: () => {}, msrRead: () => false, msrWrite: () => false,
      timerDeadline: (cpu) => m.clock(cpu) + 100,
    });
    const r = m.run();
    expect(r.reason).toBe('deadlock');
  });
});
