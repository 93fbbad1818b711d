// Bit instructions: BT BTS BTR BTC (0F A3/AB/B3/BB by register, 0F BA /4-/7 by imm8), BSF BSR
// (0F BC/BD), TZCNT LZCNT (F3 0F BC/BD when CPUID reports BMI1/ABM, else executed as BSF/BSR, as an
// older processor ignores the F3), POPCNT (F3 0F B8). SDM vol. 2: "BT", "BSF", "TZCNT", "LZCNT", "POPCNT".
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineGroup, defineOp, IMM_8U, SZ_V } from '../opcodes.js';
import { computeOffset, readMem, readReg, readRM, writeMem, writeReg } from '../operands.js';
import { updateFlags, setArithFlags } from '../flags.js';
import { CpuFault, VEC_SS, VEC_UD } from '../faults.js';
import { u64, sar64 } from '../u64.js';
import { CF, ZF, SEG_FS, SEG_GS } from '../state.js';

const OP_BT = 0, OP_BTS = 1, OP_BTR = 2, OP_BTC = 3;

/** Applies a bit operation to one bit of (lo,hi); returns the new lo, new hi in u64.hi. */
function applyBit(op: number, lo: number, hi: number, bit: number): number {
  const inHi = bit >= 32;
  const m = 1 << (bit & 31);
  let w = inHi ? hi : lo;
  if (op === OP_BTS) w |= m;
  else if (op === OP_BTR) w &= ~m;
  else w ^= m;
  u64.hi = inHi ? w : hi;
  return inHi ? lo : w;
}

/**
 * BTx on a memory operand: the bit offset (signed, operand-sized when it comes from a register)
 * selects an operand-sized word at EA + (offset >> log2(bits)) * size (SDM "BT": bit offsets beyond
 * the operand address memory beyond it).
 */
function bitMem(cpu: Cpu, i: Insn, op: number, offLo: number, offHi: number, fromReg: boolean): void {
  const size = i.osize;
  computeOffset(cpu, i);
  let lo = cpu.eaLo, hi = cpu.eaHi;
  let bit: number;
  if (fromReg) {
    // byte displacement (halves) = (offset SAR log2(bits)) * size
    let dLo: number, dHi: number;
    if (size === 2) { const o = (offLo << 16) >> 16; dLo = (o >> 4) * 2; dHi = dLo >> 31; bit = o & 15; }
    else if (size === 4) { dLo = (offLo >> 5) * 4; dHi = dLo < 0 ? -1 : 0; bit = offLo & 31; }
    else {
      const q = sar64(offLo, offHi, 6);
      dHi = (u64.hi << 3) | (q >>> 29);
      dLo = q << 3;
      bit = offLo & 63;
    }
    const s = (lo >>> 0) + (dLo >>> 0);
    hi = (hi + dHi + (s > 0xffffffff ? 1 : 0)) | 0;
    lo = s | 0;
    if (i.asize === 4) hi = 0;
  } else {
    bit = offLo & ((size << 3) - 1);
  }
  const seg = i.seg;
  if (seg === SEG_FS || seg === SEG_GS) {
    const gLo = seg === SEG_FS ? cpu.fsBaseLo : cpu.gsBaseLo, gHi = seg === SEG_FS ? cpu.fsBaseHi : cpu.gsBaseHi;
    const s = (lo >>> 0) + (gLo >>> 0);
    hi = (hi + gHi + (s > 0xffffffff ? 1 : 0)) | 0;
    lo = s | 0;
  }
  if (i.stackRef && !cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_SS, 0);
  const v = readMem(cpu, lo, hi, size);
  const vHi = size === 8 ? cpu.opHi : 0;
  const cf = bit >= 32 ? (vHi >>> (bit - 32)) & 1 : (v >>> bit) & 1;
  if (op !== OP_BT) {
    const nLo = applyBit(op, v, vHi, bit);
    writeMem(cpu, lo, hi, size, nLo, u64.hi);
  }
  updateFlags(cpu, CF, cf);
}

function bitReg(cpu: Cpu, i: Insn, op: number, offLo: number): void {
  const size = i.osize;
  const v = readReg(cpu, i, i.rm, size);
  const vHi = size === 8 ? cpu.opHi : 0;
  const bit = offLo & ((size << 3) - 1);
  const cf = bit >= 32 ? (vHi >>> (bit - 32)) & 1 : (v >>> bit) & 1;
  if (op !== OP_BT) {
    const nLo = applyBit(op, v, vHi, bit);
    writeReg(cpu, i, i.rm, size, nLo, u64.hi);
  }
  updateFlags(cpu, CF, cf);
}

/** BTx r/m, reg (0F A3 / AB / B3 / BB). */
function btRegOffset(op: number) {
  return (cpu: Cpu, i: Insn): void => {
    const offLo = cpu.regs[i.reg << 1], offHi = cpu.regs[(i.reg << 1) | 1];
    if (i.isMem) bitMem(cpu, i, op, offLo, offHi, true);
    else bitReg(cpu, i, op, offLo);
  };
}
/** BTx r/m, imm8 (0F BA /4-/7): the offset is taken modulo the operand size. */
function btImm(op: number) {
  return (cpu: Cpu, i: Insn): void => {
    if (i.isMem) bitMem(cpu, i, op, i.imm, 0, false);
    else bitReg(cpu, i, op, i.imm);
  };
}
defineOp(0x1a3, { modrm: true, size: SZ_V, handler: btRegOffset(OP_BT) });
defineOp(0x1ab, { modrm: true, size: SZ_V, handler: btRegOffset(OP_BTS) });
defineOp(0x1b3, { modrm: true, size: SZ_V, handler: btRegOffset(OP_BTR) });
defineOp(0x1bb, { modrm: true, size: SZ_V, handler: btRegOffset(OP_BTC) });
defineGroup(0x1ba, SZ_V, [null, null, null, null, btImm(OP_BT), btImm(OP_BTS), btImm(OP_BTR), btImm(OP_BTC)], IMM_8U);

// ---------------------------------------------------------------- bit scans and counts

/** Index of the lowest set bit of a non-zero (lo,hi). */
function ctz64(lo: number, hi: number): number {
  return lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
}
/** Index of the highest set bit of a non-zero (lo,hi). */
function msbIndex64(lo: number, hi: number): number {
  return hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/**
 * BSF/BSR: ZF = source is zero, and then the destination keeps its value (AMD documents this; Intel
 * calls it undefined, but its processors write the old value back, so a 32-bit destination gets its
 * upper half cleared, as noted in Linux's arch/x86/include/asm/bitops.h ffs()). The other arithmetic
 * flags are undefined: unchanged here.
 */
function bsf(cpu: Cpu, i: Insn): void {
  if (i.rep === 1 && cpu.cpuid.bmi1) { tzcnt(cpu, i); return; }
  bitScan(cpu, i, false);
}
function bsr(cpu: Cpu, i: Insn): void {
  if (i.rep === 1 && cpu.cpuid.bmi1) { lzcnt(cpu, i); return; }
  bitScan(cpu, i, true);
}
function bitScan(cpu: Cpu, i: Insn, reverse: boolean): void {
  const size = i.osize;
  let lo = readRM(cpu, i, size);
  const hi = size === 8 ? cpu.opHi : 0;
  if (size === 2) lo &= 0xffff;
  if (lo === 0 && hi === 0) {
    if (size === 4) cpu.regs[(i.reg << 1) | 1] = 0;
    updateFlags(cpu, ZF, ZF);
    return;
  }
  writeReg(cpu, i, i.reg, size, reverse ? msbIndex64(lo, hi) : ctz64(lo, hi), 0);
  updateFlags(cpu, ZF, 0);
}

/** TZCNT/LZCNT: a zero source gives the operand size in bits and CF = 1; ZF = (result == 0). */
function tzcnt(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  let lo = readRM(cpu, i, size);
  const hi = size === 8 ? cpu.opHi : 0;
  if (size === 2) lo &= 0xffff;
  const zero = lo === 0 && hi === 0;
  const n = zero ? size << 3 : ctz64(lo, hi);
  writeReg(cpu, i, i.reg, size, n, 0);
  updateFlags(cpu, CF | ZF, (zero ? CF : 0) | (n === 0 ? ZF : 0));
}
function lzcnt(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  let lo = readRM(cpu, i, size);
  const hi = size === 8 ? cpu.opHi : 0;
  if (size === 2) lo &= 0xffff;
  const zero = lo === 0 && hi === 0;
  const n = zero ? size << 3 : (size === 8 ? 63 : (size << 3) - 1) - msbIndex64(lo, hi);
  writeReg(cpu, i, i.reg, size, n, 0);
  updateFlags(cpu, CF | ZF, (zero ? CF : 0) | (n === 0 ? ZF : 0));
}
defineOp(0x1bc, { modrm: true, size: SZ_V, handler: bsf });
defineOp(0x1bd, { modrm: true, size: SZ_V, handler: bsr });

/** POPCNT (F3 0F B8; without F3 it is JMPE, #UD here): OF SF AF CF PF cleared, ZF = source is zero. */
function popcnt(cpu: Cpu, i: Insn): void {
  if (i.rep !== 1) throw new CpuFault(VEC_UD);
  const size = i.osize;
  let lo = readRM(cpu, i, size);
  const hi = size === 8 ? cpu.opHi : 0;
  if (size === 2) lo &= 0xffff;
  writeReg(cpu, i, i.reg, size, popcount32(lo) + popcount32(hi), 0);
  setArithFlags(cpu, lo === 0 && hi === 0 ? ZF : 0);
}
defineOp(0x1b8, { modrm: true, size: SZ_V, handler: popcnt });
