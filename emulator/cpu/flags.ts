// Lazy arithmetic flags: the common ALU ops record (op, size, operands, result); CF/PF/AF/ZF/SF/OF are
// computed only when something reads them. Everything else writes flags eagerly via setArithFlags.
import {
  CpuState, CF, PF, AF, ZF, SF, OF, ARITH_FLAGS,
  LF_NONE, LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC, LF_ADC, LF_SBB,
} from './state.js';

// Lazy operations beyond state.ts's list, for the shifts (shift.ts): lfA = the original value (masked
// to the operand size), lfB = the masked count (never 0: a zero count leaves the flags alone).
export const LF_SHL = 8, LF_SHR = 9, LF_SAR = 10;

/** Parity flag of the low byte: PF set when the number of set bits is even. */
const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, n = 0;
  while (b) { n += b & 1; b >>= 1; }
  PARITY[i] = (n & 1) === 0 ? PF : 0;
}
export function parityFlag(lowByte: number): number {
  return PARITY[lowByte & 0xff];
}

/** Mask of an operand size in bytes (1, 2, 4) as an unsigned 32-bit value. */
export function sizeMask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

/** The sign bit of the operand of the given size, from the int32 that holds its top half. */
function signOf(size: number, lo: number, hi: number): number {
  switch (size) {
    case 1: return (lo >>> 7) & 1;
    case 2: return (lo >>> 15) & 1;
    case 4: return lo >>> 31;
    default: return hi >>> 31;
  }
}

/** Bit n (< 8 * size) of an operand. */
function bitAt(size: number, lo: number, hi: number, n: number): number {
  if (size === 8 && n >= 32) return (hi >>> (n - 32)) & 1;
  return (lo >>> n) & 1;
}

function isZero(size: number, lo: number, hi: number): boolean {
  switch (size) {
    case 1: return (lo & 0xff) === 0;
    case 2: return (lo & 0xffff) === 0;
    case 4: return lo === 0;
    default: return lo === 0 && hi === 0;
  }
}

/** Unsigned a < b at the given size. */
function ltU(size: number, aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  if (size === 8) {
    const ah = aHi >>> 0, bh = bHi >>> 0;
    return ah < bh || (ah === bh && (aLo >>> 0) < (bLo >>> 0));
  }
  const m = sizeMask(size);
  return ((aLo & m) >>> 0) < ((bLo & m) >>> 0);
}

function eqAt(size: number, aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  if (size === 8) return aLo === bLo && aHi === bHi;
  const m = sizeMask(size);
  return ((aLo ^ bLo) & m) === 0;
}

/** Computes the arithmetic flags of the pending lazy operation. */
export function computeArith(s: CpuState): number {
  const size = s.lfSize;
  const rl = s.lfRes, rh = s.lfResHi, al = s.lfA, ah = s.lfAHi, bl = s.lfB, bh = s.lfBHi;
  let f = parityFlag(rl);
  if (isZero(size, rl, rh)) f |= ZF;
  if (signOf(size, rl, rh)) f |= SF;
  switch (s.lfOp) {
    case LF_ADD:
      if (ltU(size, rl, rh, al, ah)) f |= CF;
      if (signOf(size, (al ^ rl) & (bl ^ rl), (ah ^ rh) & (bh ^ rh))) f |= OF;
      f |= (al ^ bl ^ rl) & AF;
      break;
    case LF_ADC:
      if (ltU(size, rl, rh, al, ah) || (s.lfCin !== 0 && eqAt(size, rl, rh, al, ah))) f |= CF;
      if (signOf(size, (al ^ rl) & (bl ^ rl), (ah ^ rh) & (bh ^ rh))) f |= OF;
      f |= (al ^ bl ^ rl) & AF;
      break;
    case LF_SUB:
      if (ltU(size, al, ah, bl, bh)) f |= CF;
      if (signOf(size, (al ^ bl) & (al ^ rl), (ah ^ bh) & (ah ^ rh))) f |= OF;
      f |= (al ^ bl ^ rl) & AF;
      break;
    case LF_SBB:
      if (ltU(size, al, ah, bl, bh) || (s.lfCin !== 0 && eqAt(size, al, ah, bl, bh))) f |= CF;
      if (signOf(size, (al ^ bl) & (al ^ rl), (ah ^ bh) & (ah ^ rh))) f |= OF;
      f |= (al ^ bl ^ rl) & AF;
      break;
    case LF_LOGIC:
      break; // CF = OF = 0; AF is undefined and we clear it, as most hardware does
    case LF_INC:
      if (s.lfCin) f |= CF;
      // overflow when the result is the minimum signed value of the size; AF when low nibble wrapped
      if (signOf(size, ~al & rl, ~ah & rh)) f |= OF;
      if ((rl & 0xf) === 0) f |= AF;
      break;
    case LF_DEC:
      if (s.lfCin) f |= CF;
      if (signOf(size, al & ~rl, ah & ~rh)) f |= OF;
      if ((rl & 0xf) === 0xf) f |= AF;
      break;
    // Shifts (SDM SAL/SAR/SHL/SHR): CF = the last bit shifted out; OF is defined for a count of 1 only.
    // For larger counts we use the same formula as for 1 (SHL: MSB(result) XOR CF; SHR: MSB of the value
    // shifted by count-1, which is 0; SAR: 0), as QEMU does. AF is undefined: cleared.
    case LF_SHL: {
      const c = bl, bits = size << 3;
      const cf = c <= bits ? bitAt(size, al, ah, bits - c) : 0;
      if (cf) f |= CF;
      if ((signOf(size, rl, rh) ^ cf) !== 0) f |= OF;
      break;
    }
    case LF_SHR:
      if (bl <= size << 3 && bitAt(size, al, ah, bl - 1)) f |= CF;
      if (bl === 1 && signOf(size, al, ah)) f |= OF;
      break;
    case LF_SAR:
      if (bl <= size << 3 ? bitAt(size, al, ah, bl - 1) : signOf(size, al, ah)) f |= CF;
      break;
  }
  return f;
}

/** Full RFLAGS value (as int32). */
export function getFlags(s: CpuState): number {
  if (s.lfOp === LF_NONE) return s.flags;
  return (s.flags & ~ARITH_FLAGS) | computeArith(s);
}

/** Materialises lazy flags into s.flags so they can be changed bit by bit. */
export function materialize(s: CpuState): void {
  if (s.lfOp !== LF_NONE) {
    s.flags = (s.flags & ~ARITH_FLAGS) | computeArith(s);
    s.lfOp = LF_NONE;
  }
}

export function getCF(s: CpuState): number {
  if (s.lfOp === LF_NONE) return s.flags & CF;
  switch (s.lfOp) {
    case LF_LOGIC: return 0;
    case LF_INC: case LF_DEC: return s.lfCin;
    default: return computeArith(s) & CF;
  }
}

export function getZF(s: CpuState): boolean {
  if (s.lfOp === LF_NONE) return (s.flags & ZF) !== 0;
  return isZero(s.lfSize, s.lfRes, s.lfResHi);
}

/** Sets the arithmetic flags eagerly (for operations without a lazy form). */
export function setArithFlags(s: CpuState, arith: number): void {
  s.flags = (s.flags & ~ARITH_FLAGS) | (arith & ARITH_FLAGS);
  s.lfOp = LF_NONE;
}

/** Records a lazy flag operation. Operands and result are halves; for sizes < 8 only lo matters. */
export function setLazy(s: CpuState, op: number, size: number, aLo: number, aHi: number, bLo: number, bHi: number, rLo: number, rHi: number): void {
  s.lfOp = op; s.lfSize = size;
  s.lfA = aLo; s.lfAHi = aHi; s.lfB = bLo; s.lfBHi = bHi; s.lfRes = rLo; s.lfResHi = rHi;
}

/** Evaluates condition code cc (0..15, the low nibble of Jcc/SETcc/CMOVcc). */
export function condition(s: CpuState, cc: number): boolean {
  // fast paths for the common lazy cases: ZF and SF come from the result of any lazy operation
  const op = s.lfOp;
  if (op !== LF_NONE && (cc & 0xe) === 4) return isZero(s.lfSize, s.lfRes, s.lfResHi) !== ((cc & 1) !== 0);
  if (op !== LF_NONE && (cc & 0xe) === 8) return (signOf(s.lfSize, s.lfRes, s.lfResHi) !== 0) !== ((cc & 1) !== 0);
  if (op === LF_SUB && cc >= 2) {
    const size = s.lfSize;
    switch (cc) {
      case 4: return eqAt(size, s.lfA, s.lfAHi, s.lfB, s.lfBHi);
      case 5: return !eqAt(size, s.lfA, s.lfAHi, s.lfB, s.lfBHi);
      case 2: return ltU(size, s.lfA, s.lfAHi, s.lfB, s.lfBHi);
      case 3: return !ltU(size, s.lfA, s.lfAHi, s.lfB, s.lfBHi);
    }
  }
  const f = getFlags(s);
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = (f & OF) !== 0; break;
    case 1: r = (f & CF) !== 0; break;
    case 2: r = (f & ZF) !== 0; break;
    case 3: r = (f & (CF | ZF)) !== 0; break;
    case 4: r = (f & SF) !== 0; break;
    case 5: r = (f & PF) !== 0; break;
    case 6: r = ((f & SF) !== 0) !== ((f & OF) !== 0); break;
    default: r = (f & ZF) !== 0 || (((f & SF) !== 0) !== ((f & OF) !== 0)); break;
  }
  return (cc & 1) ? !r : r;
}

/** Replaces the RFLAGS bits in `mask` by those of `bits` (materialising lazy flags first). */
export function updateFlags(s: CpuState, mask: number, bits: number): void {
  if (s.lfOp !== LF_NONE) {
    s.flags = (s.flags & ~ARITH_FLAGS) | computeArith(s);
    s.lfOp = LF_NONE;
  }
  s.flags = (s.flags & ~mask) | (bits & mask);
}

/** PF, ZF and SF of a result of the given size (halves; for sizes < 8 only lo matters). */
export function resultFlags(size: number, lo: number, hi: number): number {
  let f = parityFlag(lo);
  if (isZero(size, lo, hi)) f |= ZF;
  if (signOf(size, lo, hi)) f |= SF;
  return f;
}
