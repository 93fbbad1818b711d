// Decoder + executor fuzzing: random byte sequences (half fully random, half shaped like instructions:
// prefixes, REX, one/two/three-byte opcodes, ModRM/SIB/displacement/immediates) run on a fresh CPU
// whose IDT sends every exception to a recorder that halts. Whatever the bytes, only architectural
// outcomes may happen: instructions retire, or an exception is delivered (#UD #GP #PF #DE #SS ...,
// possibly escalating to a triple fault). A host exception escaping cpu.run() fails the test with
// everything needed to replay the case. Each case has an instruction budget, so the run is bounded.
// The one accepted non-architectural outcome is UnsupportedByEmulator (system-desc.ts): the emulator
// models 64-bit mode only and refuses, by name, transfers into compatibility mode or through call gates.
//
// Seed: FUZZ_SEED (default below); cases: FUZZ_CASES (default 100000).
import { describe, expect, it } from 'vitest';
import { Cpu, RUN_BUDGET, RUN_HALT, RUN_PAUSE, RUN_STOPPED } from '../../emulator/cpu/cpu.js';
import {
  createTestMachine, installExceptionRecorder, TestMachine, CODE_BASE,
} from '../helpers/test-machine.js';
import { RSP } from '../../emulator/cpu/state.js';
import { UnsupportedByEmulator } from '../../emulator/cpu/ops/system-desc.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7e1b0c0d);
const CASES = Number(process.env.FUZZ_CASES ?? 100000);
const BUDGET = 200;
/** Cases between rebuilds of the machine (random stores may hit page tables, GDT, IDT, handlers). */
const REBUILD_EVERY = 2000;
const SCRATCH = 0x400000;

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

const PREFIXES = [0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65];

/** Appends one instruction-shaped byte run to `out`. */
function shapedInsn(r: () => number, out: number[]): void {
  const np = r() % 4;
  for (let k = 0; k < np; k++) if (r() % 3 === 0) out.push(PREFIXES[r() % PREFIXES.length]);
  if (r() % 2 === 0) out.push(0x40 | (r() % 16));
  const kind = r() % 10;
  if (kind < 5) out.push(r() & 0xff);
  else if (kind < 9) out.push(0x0f, r() & 0xff);
  else out.push(0x0f, r() % 2 ? 0x38 : 0x3a, r() & 0xff);
  // ModRM: register forms and every memory form (SIB, disp8, disp32, RIP-relative)
  const mod = r() % 4;
  const modrm = (mod << 6) | (r() & 0x3f);
  out.push(modrm);
  if (mod !== 3 && (modrm & 7) === 4) out.push(r() & 0xff);
  const disp = mod === 1 ? 1 : mod === 2 || (mod === 0 && (modrm & 7) === 5) ? 4 : 0;
  for (let k = 0; k < disp; k++) out.push(r() & 0xff);
  const imm = [0, 1, 2, 4, 8][r() % 5];
  for (let k = 0; k < imm; k++) out.push(r() & 0xff);
}

function randomValue(r: () => number): [number, number] {
  switch (r() % 8) {
    case 0: case 1: case 2: case 3: return [SCRATCH + (r() % 0x100000), 0];
    case 4: return [r() % 64, 0];
    case 5: {
      const sp = [[0, 0], [-1, -1], [0, 0x8000], [-1, 0x7fff], [0, -0x80000000], [0x7fffffff, 0], [-0x80000000, -1], [1, 0]];
      return sp[r() % sp.length] as [number, number];
    }
    default: return [r() | 0, r() | 0];
  }
}

interface Template {
  m: TestMachine;
  cpu: Cpu;
  /** The CPU's scalar fields and register arrays right after setup, restored before every case. */
  scalars: [string, unknown][];
  regs: Int32Array;
  sel: Uint16Array;
}

function build(): Template {
  const m = createTestMachine();
  installExceptionRecorder(m);
  const cpu = m.cpu as unknown as Record<string, unknown>;
  const scalars = Object.keys(cpu)
    .filter((k) => cpu[k] === null || typeof cpu[k] === 'number' || typeof cpu[k] === 'boolean')
    .map((k): [string, unknown] => [k, cpu[k]]);
  return { m, cpu: m.cpu, scalars, regs: m.cpu.regs.slice(), sel: m.cpu.sel.slice() };
}

/**
 * Puts the template's CPU back in its initial architectural state (constructing a Cpu per case would
 * cost more than running it): every scalar field, the registers, and an empty TLB and
 * paging-structure cache (INVPCID type 2 drops everything).
 */
function freshCpu(t: Template): Cpu {
  const c = t.cpu, rec = c as unknown as Record<string, unknown>;
  for (const [k, v] of t.scalars) rec[k] = v;
  c.regs.set(t.regs);
  c.sel.set(t.sel);
  c.mmu.invpcid(2, 0, 0, 0);
  c.mmu.modeChanged();
  return c;
}

describe('fuzz: random bytes through decoder and executor', () => {
  it(`only architectural outcomes (seed 0x${SEED.toString(16)}, ${CASES} cases)`, () => {
    console.log(`fuzz seed 0x${SEED.toString(16)} (FUZZ_SEED), ${CASES} cases (FUZZ_CASES)`);
    const r = prng(SEED);
    let t = build();
    const outcomes = new Map<string, number>();
    const note = (k: string): void => { outcomes.set(k, (outcomes.get(k) ?? 0) + 1); };
    let retired = 0;
    for (let n = 0; n < CASES; n++) {
      if (n > 0 && n % REBUILD_EVERY === 0) t = build();
      const bytes: number[] = [];
      if (r() % 2 === 0) for (let k = 0; k < 16; k++) bytes.push(r() & 0xff);
      else while (bytes.length < 16) shapedInsn(r, bytes);
      for (let k = 0; k < 8; k++) bytes.push(0xf4); // hlt after the random bytes
      const code = new Uint8Array(bytes);
      const mem = t.m.mem;
      mem.writeBytes(CODE_BASE, code);
      const cpu = freshCpu(t);
      let firstVector = -1;
      cpu.setHooks({ interrupt: (_c, vector) => { if (firstVector < 0) firstVector = vector; } });
      for (let k = 0; k < 16; k++) {
        const [lo, hi] = randomValue(r);
        cpu.regs[2 * k] = lo; cpu.regs[2 * k + 1] = hi;
      }
      cpu.regs[RSP << 1] = 0x80000 - 8 * (r() % 64); cpu.regs[(RSP << 1) | 1] = 0;
      cpu.setFlags((r() & 0x8d5) | (r() % 4 === 0 ? 0x400 : 0));
      if (r() % 4 === 0) { cpu.fsBaseLo = SCRATCH; cpu.gsBaseLo = SCRATCH + 0x8000; }
      cpu.ripLo = CODE_BASE; cpu.ripHi = 0;
      const regsIn = Array.from(cpu.regs);
      let why: number;
      const t0 = performance.now();
      try {
        why = cpu.run(BUDGET);
      } catch (e) {
        if (e instanceof UnsupportedByEmulator) { note('unsupported by emulator'); continue; }
        const hex = Array.from(code.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
        throw new Error(`host exception in case ${n} (seed 0x${SEED.toString(16)}): ${(e as Error)?.stack ?? e}\n` +
          `bytes: ${hex}\nregs: ${regsIn.map((v) => (v >>> 0).toString(16)).join(' ')}`);
      }
      const ms = performance.now() - t0;
      // bounded: the run returned within its budget, and no single case took absurdly long (plain
      // checks: expect() per case would cost more than the case)
      if (cpu.instructions > BUDGET) throw new Error(`case ${n} retired ${cpu.instructions} > ${BUDGET}`);
      if (ms > 2000) throw new Error(`case ${n} took ${ms} ms`);
      if (why !== RUN_BUDGET && why !== RUN_HALT && why !== RUN_PAUSE && why !== RUN_STOPPED) {
        throw new Error(`case ${n}: run() returned ${why}`);
      }
      if (cpu.stopped) note('triple fault');
      else if (firstVector >= 32) note('INT n');
      else if (firstVector >= 0) note(`vector ${firstVector}`);
      else note(why === RUN_HALT ? 'halted' : why === RUN_PAUSE ? 'pause' : 'budget');
      retired += cpu.instructions;
    }
    console.log(`fuzz outcomes: ${[...outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}; ${retired} instructions retired`);
    // the generator must reach the interesting paths, else the test proves little
    expect(outcomes.get('vector 6') ?? 0).toBeGreaterThan(CASES / 100);
    expect(outcomes.get('vector 13') ?? 0).toBeGreaterThan(CASES / 100);
    expect(outcomes.get('vector 14') ?? 0).toBeGreaterThan(CASES / 1000);
    expect(outcomes.get('halted') ?? 0).toBeGreaterThan(CASES / 100);
  });
});
