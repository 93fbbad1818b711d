// Operand access for instruction handlers: registers of every size (legacy high-byte registers
// included), effective addresses and memory operands through the MMU.
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { CpuFault, VEC_SS } from './faults.js';
import { SEG_FS, SEG_GS } from './state.js';

/** Reads register r at size (1,2,4,8). Returns the low half; for size 8 the high half is in cpu.opHi. */
export function readReg(cpu: Cpu, i: Insn, r: number, size: number): number {
  const regs = cpu.regs;
  switch (size) {
    case 8: cpu.opHi = regs[(r << 1) | 1]; return regs[r << 1];
    case 4: return regs[r << 1];
    case 2: return regs[r << 1] & 0xffff;
    default:
      if (i.rex === 0 && r >= 4 && r < 8) return (regs[(r - 4) << 1] >>> 8) & 0xff; // AH CH DH BH
      return regs[r << 1] & 0xff;
  }
}

/** Writes register r at size; 32-bit writes zero the upper half, 8/16-bit writes merge (SDM 3.4.1.1). */
export function writeReg(cpu: Cpu, i: Insn, r: number, size: number, lo: number, hi: number): void {
  const regs = cpu.regs;
  switch (size) {
    case 8: regs[r << 1] = lo; regs[(r << 1) | 1] = hi; return;
    case 4: regs[r << 1] = lo; regs[(r << 1) | 1] = 0; return;
    case 2: regs[r << 1] = (regs[r << 1] & ~0xffff) | (lo & 0xffff); return;
    default:
      if (i.rex === 0 && r >= 4 && r < 8) {
        const k = (r - 4) << 1;
        regs[k] = (regs[k] & ~0xff00) | ((lo & 0xff) << 8);
      } else {
        regs[r << 1] = (regs[r << 1] & ~0xff) | (lo & 0xff);
      }
  }
}

/** The memory operand's effective address (no segment base, no checks) into cpu.eaLo / cpu.eaHi: LEA. */
export function computeOffset(cpu: Cpu, i: Insn): void {
  const regs = cpu.regs;
  let lo = i.disp >>> 0; // as unsigned low part, the sign goes into hi
  let hi = i.disp >> 31;
  const base = i.base;
  if (base >= 0) {
    let bLo: number, bHi: number;
    if (base === 16) { bLo = cpu.ripLo; bHi = cpu.ripHi; } // RIP of the next instruction
    else { bLo = regs[base << 1]; bHi = regs[(base << 1) | 1]; }
    const s = lo + (bLo >>> 0);
    hi = (hi + bHi + (s > 0xffffffff ? 1 : 0)) | 0;
    lo = s >>> 0;
  }
  const index = i.index;
  if (index >= 0) {
    let xLo = regs[index << 1], xHi = regs[(index << 1) | 1];
    const sc = i.scale;
    if (sc !== 1) {
      const k = sc === 2 ? 1 : sc === 4 ? 2 : 3;
      xHi = (xHi << k) | (xLo >>> (32 - k));
      xLo = xLo << k;
    }
    const s = lo + (xLo >>> 0);
    hi = (hi + xHi + (s > 0xffffffff ? 1 : 0)) | 0;
    lo = s >>> 0;
  }
  if (i.asize === 4) hi = 0; // 67h: the address wraps at 4 GiB and is zero-extended
  cpu.eaLo = lo | 0;
  cpu.eaHi = hi;
}

/** Computes the memory operand's linear address (FS/GS base added) into cpu.eaLo / cpu.eaHi. */
export function computeEA(cpu: Cpu, i: Insn): void {
  computeOffset(cpu, i);
  const seg = i.seg;
  if (seg === SEG_FS || seg === SEG_GS) {
    const gLo = seg === SEG_FS ? cpu.fsBaseLo : cpu.gsBaseLo;
    const gHi = seg === SEG_FS ? cpu.fsBaseHi : cpu.gsBaseHi;
    const s = (cpu.eaLo >>> 0) + (gLo >>> 0);
    cpu.eaHi = (cpu.eaHi + gHi + (s > 0xffffffff ? 1 : 0)) | 0;
    cpu.eaLo = s | 0;
  }
  // SS references fault with #SS rather than #GP on a non-canonical address (SDM 6.15, #SS)
  if (i.stackRef && !cpu.mmu.isCanonical(cpu.eaHi)) throw new CpuFault(VEC_SS, 0);
}

/** Adds the base of segment `seg` (only FS and GS have one in 64-bit mode) to (lo,hi): lo, hi in cpu.eaHi. */
export function addSegmentBase(cpu: Cpu, seg: number, lo: number, hi: number): number {
  if (seg !== SEG_FS && seg !== SEG_GS) { cpu.eaHi = hi; return lo; }
  const gLo = seg === SEG_FS ? cpu.fsBaseLo : cpu.gsBaseLo;
  const gHi = seg === SEG_FS ? cpu.fsBaseHi : cpu.gsBaseHi;
  const s = (lo >>> 0) + (gLo >>> 0);
  cpu.eaHi = (hi + gHi + (s > 0xffffffff ? 1 : 0)) | 0;
  return s | 0;
}

/** Reads memory at (lo,hi) with the given size (1,2,4,8); for 8 the high half goes to cpu.opHi. */
export function readMem(cpu: Cpu, lo: number, hi: number, size: number): number {
  const mmu = cpu.mmu;
  switch (size) {
    case 4: return mmu.read32(lo, hi);
    case 8: { const v = mmu.read64(lo, hi); cpu.opHi = mmu.hi; return v; }
    case 1: return mmu.read8(lo, hi);
    default: return mmu.read16(lo, hi);
  }
}

export function writeMem(cpu: Cpu, lo: number, hi: number, size: number, vLo: number, vHi: number): void {
  const mmu = cpu.mmu;
  switch (size) {
    case 4: mmu.write32(lo, hi, vLo); return;
    case 8: mmu.write64(lo, hi, vLo, vHi); return;
    case 1: mmu.write8(lo, hi, vLo); return;
    default: mmu.write16(lo, hi, vLo); return;
  }
}

/** Reads the r/m operand (register or memory; the EA stays in cpu.ea* for a later writeBackRM). */
export function readRM(cpu: Cpu, i: Insn, size: number): number {
  if (!i.isMem) return readReg(cpu, i, i.rm, size);
  computeEA(cpu, i);
  return readMem(cpu, cpu.eaLo, cpu.eaHi, size);
}

/** Writes the r/m operand after readRM (same EA: read-modify-write). */
export function writeBackRM(cpu: Cpu, i: Insn, size: number, lo: number, hi: number): void {
  if (!i.isMem) writeReg(cpu, i, i.rm, size, lo, hi);
  else writeMem(cpu, cpu.eaLo, cpu.eaHi, size, lo, hi);
}

/** Writes the r/m operand without reading it first. */
export function writeRM(cpu: Cpu, i: Insn, size: number, lo: number, hi: number): void {
  if (!i.isMem) { writeReg(cpu, i, i.rm, size, lo, hi); return; }
  computeEA(cpu, i);
  writeMem(cpu, cpu.eaLo, cpu.eaHi, size, lo, hi);
}

/** Masks a value to an operand size (sizes < 8 only use lo). */
export function truncate(v: number, size: number): number {
  return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v;
}
