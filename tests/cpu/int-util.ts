// Shared helpers for the integer-instruction suites (tests/cpu/*.test.ts).
import { expect } from 'vitest';
import {
  createTestMachine, loadCode, runToHalt, installExceptionRecorder, lastException, TestMachine, CODE_BASE,
} from '../helpers/test-machine.js';
import { getFlags } from '../../emulator/cpu/flags.js';
import { assemble } from '../helpers/asm.js';

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;

/** Scratch data area (identity-mapped, well away from code, stack and tables). */
export const DATA = 0x300000;

/** Runs `src` + hlt with the exception recorder installed (faults halt in the recorder). */
export function run(src: string, setup?: (m: TestMachine) => void): TestMachine {
  const m = createTestMachine();
  installExceptionRecorder(m);
  setup?.(m);
  loadCode(m, `${src}\nhlt`);
  runToHalt(m);
  return m;
}

/** The arithmetic flags (or `mask` of RFLAGS) after a run. */
export function flags(m: TestMachine, mask = ARITH): number {
  return getFlags(m.cpu) & mask;
}

/** Asserts that no exception was delivered during the run. */
export function expectNoFault(m: TestMachine): void {
  expect(lastException(m).count).toBe(0);
}

/** Asserts that exactly one exception `vector` was delivered, at the instruction after `prefix`. */
export function expectFault(m: TestMachine, vector: number, prefix: string, errorCode = -1n): void {
  const e = lastException(m);
  expect(e.count).toBe(1);
  expect(e.vector).toBe(vector);
  expect(e.errorCode).toBe(errorCode);
  expect(e.rip).toBe(BigInt(CODE_BASE + (prefix === '' ? 0 : assemble(prefix, CODE_BASE).length)));
}

export function read64(m: TestMachine, a: number): bigint {
  return (BigInt(m.mem.read32(a + 4) >>> 0) << 32n) | BigInt(m.mem.read32(a) >>> 0);
}
export function write64(m: TestMachine, a: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  m.mem.write32(a, Number(u & 0xffffffffn) | 0);
  m.mem.write32(a + 4, Number(u >> 32n) | 0);
}

/** A fresh machine without running anything (for tests that drive cpu.run themselves). */
export function machine(): TestMachine {
  const m = createTestMachine();
  installExceptionRecorder(m);
  return m;
}
export { runToHalt, loadCode };
