// MUL and IMUL (F6/F7 /4 /5 one-operand, 0F AF two-operand, 69/6B three-operand), DIV and IDIV
// (F6/F7 /6 /7). SDM vol. 2: "MUL", "IMUL", "DIV", "IDIV".
// Flags: after MUL/IMUL, CF = OF = 1 when the high half of the product is significant (MUL: non-zero;
// IMUL: not the sign extension of the low half). SF ZF AF PF are undefined: we set SF ZF PF from the
// low half and clear AF, as QEMU does. DIV/IDIV leave every flag unchanged (all undefined).
// #DE (a fault: nothing is written) on a zero divisor or a quotient that does not fit the destination.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, IMM_8, IMM_Z, SZ_V } from '../opcodes.js';
import { readReg, readRM, writeReg } from '../operands.js';
import { setArithFlags, resultFlags } from '../flags.js';
import { CpuFault, VEC_DE } from '../faults.js';
import { u64, mulU32, mulU64, neg128, divU128 } from '../u64.js';
import { CF, OF, RDX } from '../state.js';

const wide = new Int32Array(4);
// local copies: V8 does not fold imported constants into arithmetic
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
const TWO_62 = 4611686018427387904;
const TWO_64 = 18446744073709551616;
/** High halves in [-SMALL_HI, SMALL_HI) make 64-bit values of magnitude below 2^53. */
const SMALL_HI = 0x200000;
const quot = new Int32Array(4);

function mulFlags(cpu: Cpu, size: number, lo: number, hi: number, significant: boolean): void {
  setArithFlags(cpu, resultFlags(size, lo, hi) | (significant ? CF | OF : 0));
}

/** Signed 64x64 -> 128 product into `wide` (w0 lowest): the unsigned product, then for each negative
 *  factor subtract the other factor from the high half (two's complement identity). */
function imul64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (aHi === aLo >> 31 && bHi === bLo >> 31) {
    // both factors are sign-extended 32-bit values (immediates, small counts): one 32x32 product
    wide[0] = imul32(aLo, bLo);
    wide[1] = u64.hi;
    wide[2] = wide[3] = u64.hi >> 31;
    return;
  }
  if (aHi >= -SMALL_HI && aHi < SMALL_HI && bHi >= -SMALL_HI && bHi < SMALL_HI) {
    // both factors below 2^53 in magnitude (exact doubles): a product below 2^53 is exact too
    const p = (aHi * TWO_32 + (aLo >>> 0)) * (bHi * TWO_32 + (bLo >>> 0));
    if (p > -TWO_53 && p < TWO_53) {
      const hi = Math.floor(p / TWO_32);
      wide[0] = (p - hi * TWO_32) | 0;
      wide[1] = hi | 0;
      wide[2] = wide[3] = hi < 0 ? -1 : 0;
      return;
    }
  }
  mulU64(aLo, aHi, bLo, bHi, wide);
  if (aHi < 0) subHigh(bLo, bHi);
  if (bHi < 0) subHigh(aLo, aHi);
}
function subHigh(lo: number, hi: number): void {
  const borrow = (wide[2] >>> 0) < (lo >>> 0) ? 1 : 0;
  wide[2] = (wide[2] - lo) | 0;
  wide[3] = (wide[3] - hi - borrow) | 0;
}

/** Signed 32x32 -> 64: returns lo, high half in u64.hi. */
function imul32(a: number, b: number): number {
  const lo = mulU32(a, b);
  let hi = u64.hi;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  u64.hi = hi;
  return lo;
}

// ---------------------------------------------------------------- one-operand MUL / IMUL

export function mulHandler(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const r = cpu.regs;
  const b = readRM(cpu, i, size);
  switch (size) {
    case 1: {
      const p = (r[0] & 0xff) * b; // AX = AL * r/m8
      r[0] = (r[0] & ~0xffff) | p;
      mulFlags(cpu, 1, p, 0, p > 0xff);
      return;
    }
    case 2: {
      const p = (r[0] & 0xffff) * b; // DX:AX = AX * r/m16
      r[0] = (r[0] & ~0xffff) | (p & 0xffff);
      r[RDX << 1] = (r[RDX << 1] & ~0xffff) | (p >>> 16);
      mulFlags(cpu, 2, p, 0, p > 0xffff);
      return;
    }
    case 4: {
      const lo = mulU32(r[0], b), hi = u64.hi; // EDX:EAX = EAX * r/m32, both zero-extended
      r[0] = lo; r[1] = 0;
      r[RDX << 1] = hi; r[(RDX << 1) | 1] = 0;
      mulFlags(cpu, 4, lo, 0, hi !== 0);
      return;
    }
    default: {
      mulU64(r[0], r[1], b, cpu.opHi, wide); // RDX:RAX = RAX * r/m64
      r[0] = wide[0]; r[1] = wide[1];
      r[RDX << 1] = wide[2]; r[(RDX << 1) | 1] = wide[3];
      mulFlags(cpu, 8, wide[0], wide[1], (wide[2] | wide[3]) !== 0);
    }
  }
}

export function imulOneHandler(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const r = cpu.regs;
  const b = readRM(cpu, i, size);
  switch (size) {
    case 1: {
      const p = ((r[0] << 24) >> 24) * ((b << 24) >> 24);
      r[0] = (r[0] & ~0xffff) | (p & 0xffff);
      mulFlags(cpu, 1, p, 0, p !== (p << 24) >> 24);
      return;
    }
    case 2: {
      const p = ((r[0] << 16) >> 16) * ((b << 16) >> 16); // |p| <= 2^30: exact
      r[0] = (r[0] & ~0xffff) | (p & 0xffff);
      r[RDX << 1] = (r[RDX << 1] & ~0xffff) | ((p >>> 16) & 0xffff);
      mulFlags(cpu, 2, p, 0, p !== (p << 16) >> 16);
      return;
    }
    case 4: {
      const lo = imul32(r[0], b), hi = u64.hi;
      r[0] = lo; r[1] = 0;
      r[RDX << 1] = hi; r[(RDX << 1) | 1] = 0;
      mulFlags(cpu, 4, lo, 0, hi !== lo >> 31);
      return;
    }
    default: {
      imul64(r[0], r[1], b, cpu.opHi);
      r[0] = wide[0]; r[1] = wide[1];
      r[RDX << 1] = wide[2]; r[(RDX << 1) | 1] = wide[3];
      const sx = wide[1] >> 31;
      mulFlags(cpu, 8, wide[0], wide[1], wide[2] !== sx || wide[3] !== sx);
    }
  }
}

// ---------------------------------------------------------------- IMUL r, r/m [, imm]

/** dest = a * b truncated to the operand size (16, 32 or 64); CF = OF = the product did not fit. */
function imulTruncated(cpu: Cpu, i: Insn, a: number, aHi: number, b: number, bHi: number): void {
  const size = i.osize;
  let lo: number, hi = 0, overflow: boolean;
  if (size === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    lo = p & 0xffff;
    overflow = p !== (p << 16) >> 16;
  } else if (size === 4) {
    lo = imul32(a, b);
    overflow = u64.hi !== lo >> 31;
  } else {
    // |a * b| from the factors as doubles (relative error below 2^-51): far enough from 2^63, it
    // decides the overflow, and only the low 64 bits of the product are needed (hash multiplies
    // by 0x9e3779b97f4a7c15 land here)
    const mag = Math.abs((aHi * TWO_32 + (a >>> 0)) * (bHi * TWO_32 + (b >>> 0)));
    if (mag < TWO_62 || mag > TWO_64) {
      lo = mulU32(a, b);
      hi = (u64.hi + Math.imul(a, bHi) + Math.imul(aHi, b)) | 0;
      overflow = mag > TWO_64;
    } else {
      imul64(a, aHi, b, bHi);
      lo = wide[0]; hi = wide[1];
      const sx = hi >> 31;
      overflow = wide[2] !== sx || wide[3] !== sx;
    }
  }
  writeReg(cpu, i, i.reg, size, lo, hi);
  mulFlags(cpu, size, lo, hi, overflow);
}

function imulRegRm(cpu: Cpu, i: Insn): void {
  const b = readRM(cpu, i, i.osize);
  const bHi = cpu.opHi;
  const a = readReg(cpu, i, i.reg, i.osize);
  imulTruncated(cpu, i, a, cpu.opHi, b, bHi);
}
function imulRegRmImm(cpu: Cpu, i: Insn): void {
  const a = readRM(cpu, i, i.osize);
  imulTruncated(cpu, i, a, cpu.opHi, i.imm, i.immHi);
}
defineOp(0x1af, { modrm: true, size: SZ_V, handler: imulRegRm });
defineOp(0x69, { modrm: true, size: SZ_V, imm: IMM_Z, handler: imulRegRmImm });
defineOp(0x6b, { modrm: true, size: SZ_V, imm: IMM_8, handler: imulRegRmImm });

// ---------------------------------------------------------------- DIV / IDIV

export function divHandler(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const r = cpu.regs;
  const d = readRM(cpu, i, size);
  switch (size) {
    case 1: {
      if (d === 0) throw new CpuFault(VEC_DE);
      const n = r[0] & 0xffff; // AX / r/m8: AL = quotient, AH = remainder
      const q = Math.floor(n / d);
      if (q > 0xff) throw new CpuFault(VEC_DE);
      r[0] = (r[0] & ~0xffff) | ((n - q * d) << 8) | q;
      return;
    }
    case 2: {
      if (d === 0) throw new CpuFault(VEC_DE);
      const n = (r[RDX << 1] & 0xffff) * 65536 + (r[0] & 0xffff); // DX:AX / r/m16
      const q = Math.floor(n / d);
      if (q > 0xffff) throw new CpuFault(VEC_DE);
      r[0] = (r[0] & ~0xffff) | q;
      r[RDX << 1] = (r[RDX << 1] & ~0xffff) | (n - q * d);
      return;
    }
    case 4: {
      // EDX:EAX / r/m32: the quotient must fit in 32 bits
      if (!divU128(r[0], r[RDX << 1], 0, 0, d, 0, quot) || quot[1] !== 0) throw new CpuFault(VEC_DE);
      r[0] = quot[0]; r[1] = 0;
      r[RDX << 1] = quot[2]; r[(RDX << 1) | 1] = 0;
      return;
    }
    default: {
      // RDX:RAX / r/m64 (divU128 refuses a zero divisor and RDX >= divisor)
      if (!divU128(r[0], r[1], r[RDX << 1], r[(RDX << 1) | 1], d, cpu.opHi, quot)) throw new CpuFault(VEC_DE);
      r[0] = quot[0]; r[1] = quot[1];
      r[RDX << 1] = quot[2]; r[(RDX << 1) | 1] = quot[3];
    }
  }
}

export function idivHandler(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const r = cpu.regs;
  const dRaw = readRM(cpu, i, size);
  switch (size) {
    case 1: case 2: {
      // exact in doubles: the quotient truncates toward zero, the remainder has the dividend's sign
      const d = size === 1 ? (dRaw << 24) >> 24 : (dRaw << 16) >> 16;
      if (d === 0) throw new CpuFault(VEC_DE);
      const n = size === 1 ? (r[0] << 16) >> 16 : ((r[RDX << 1] << 16) | (r[0] & 0xffff));
      const q = Math.trunc(n / d);
      const lim = size === 1 ? 0x80 : 0x8000;
      if (q >= lim || q < -lim) throw new CpuFault(VEC_DE);
      const rem = n - q * d;
      if (size === 1) r[0] = (r[0] & ~0xffff) | ((rem & 0xff) << 8) | (q & 0xff);
      else {
        r[0] = (r[0] & ~0xffff) | (q & 0xffff);
        r[RDX << 1] = (r[RDX << 1] & ~0xffff) | (rem & 0xffff);
      }
      return;
    }
    case 4: {
      // |EDX:EAX| / |r/m32| unsigned, then the signs
      let nLo = r[0], nHi = r[RDX << 1];
      const nNeg = nHi < 0;
      if (nNeg) { nLo = -nLo | 0; nHi = (~nHi + (nLo === 0 ? 1 : 0)) | 0; }
      const dNeg = dRaw < 0;
      const dMag = dNeg ? -dRaw | 0 : dRaw; // 2^31 stays 0x80000000 as unsigned
      if (!divU128(nLo, nHi, 0, 0, dMag, 0, quot) || quot[1] !== 0) throw new CpuFault(VEC_DE);
      const qMag = quot[0] >>> 0;
      const neg = nNeg !== dNeg;
      if (qMag > (neg ? 0x80000000 : 0x7fffffff)) throw new CpuFault(VEC_DE);
      r[0] = neg ? -qMag | 0 : qMag | 0; r[1] = 0;
      r[RDX << 1] = nNeg ? -quot[2] | 0 : quot[2]; r[(RDX << 1) | 1] = 0;
      return;
    }
    default: {
      const dHiRaw = cpu.opHi;
      wide[0] = r[0]; wide[1] = r[1]; wide[2] = r[RDX << 1]; wide[3] = r[(RDX << 1) | 1];
      const nNeg = wide[3] < 0;
      if (nNeg) neg128(wide);
      const dNeg = dHiRaw < 0;
      let dLo = dRaw, dHi = dHiRaw;
      if (dNeg) { dLo = -dRaw | 0; dHi = (~dHiRaw + (dLo === 0 ? 1 : 0)) | 0; }
      if (!divU128(wide[0], wide[1], wide[2], wide[3], dLo, dHi, quot)) throw new CpuFault(VEC_DE);
      const neg = nNeg !== dNeg;
      const qHi = quot[1] >>> 0;
      // the magnitude may reach 2^63 only for a negative quotient
      if (neg ? qHi > 0x80000000 || (qHi === 0x80000000 && quot[0] !== 0) : qHi >= 0x80000000) {
        throw new CpuFault(VEC_DE);
      }
      let qLo = quot[0], qh = quot[1], rLo = quot[2], rHi = quot[3];
      if (neg) { qLo = -qLo | 0; qh = (~qh + (qLo === 0 ? 1 : 0)) | 0; }
      if (nNeg) { rLo = -rLo | 0; rHi = (~rHi + (rLo === 0 ? 1 : 0)) | 0; }
      r[0] = qLo; r[1] = qh;
      r[RDX << 1] = rLo; r[(RDX << 1) | 1] = rHi;
    }
  }
}

