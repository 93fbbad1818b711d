// Stack pushes and pops through the MMU (stack references: a non-canonical RSP raises #SS(0)).
import type { Cpu } from './cpu.js';
import { CpuFault, VEC_SS } from './faults.js';
import { RSP } from './state.js';

/** Pushes a value of `size` bytes (2 or 8). */
export function push(cpu: Cpu, size: number, lo: number, hi: number): void {
  const regs = cpu.regs;
  const sLo = regs[RSP << 1];
  const nLo = (sLo - size) | 0;
  const nHi = (sLo >>> 0) < size ? (regs[(RSP << 1) | 1] - 1) | 0 : regs[(RSP << 1) | 1];
  if (!cpu.mmu.isCanonical(nHi)) throw new CpuFault(VEC_SS, 0);
  if (size === 8) cpu.mmu.write64(nLo, nHi, lo, hi);
  else cpu.mmu.write16(nLo, nHi, lo);
  regs[RSP << 1] = nLo;
  regs[(RSP << 1) | 1] = nHi;
}

/** Pops a value of `size` bytes (2 or 8); returns lo, high half in cpu.opHi. */
export function pop(cpu: Cpu, size: number): number {
  const regs = cpu.regs;
  const sLo = regs[RSP << 1], sHi = regs[(RSP << 1) | 1];
  if (!cpu.mmu.isCanonical(sHi)) throw new CpuFault(VEC_SS, 0);
  let v: number;
  if (size === 8) { v = cpu.mmu.read64(sLo, sHi); cpu.opHi = cpu.mmu.hi; }
  else { v = cpu.mmu.read16(sLo, sHi); cpu.opHi = 0; }
  const nLo = (sLo + size) | 0;
  regs[RSP << 1] = nLo;
  if ((nLo >>> 0) < (sLo >>> 0)) regs[(RSP << 1) | 1] = (sHi + 1) | 0;
  return v;
}
