// 64-bit arithmetic on 32-bit halves (DESIGN.md "Hot paths": no BigInt in the CPU, MMU or memory).
// A 64-bit value is a pair (lo, hi) of int32s. Functions that produce a 64-bit result return the low
// half and leave the high half in `u64.hi` (a module-level scratch slot, so nothing is allocated).

export const TWO32 = 4294967296;

/** Scratch register for the high half of the last 64-bit result. */
export const u64 = { hi: 0 };

/** (aLo,aHi) + (bLo,bHi); returns lo, high half in u64.hi. */
export function add64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  const lo = (aLo >>> 0) + (bLo >>> 0);
  u64.hi = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) | 0;
  return lo | 0;
}

/** (aLo,aHi) - (bLo,bHi); returns lo, high half in u64.hi. */
export function sub64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  const borrow = (aLo >>> 0) < (bLo >>> 0) ? 1 : 0;
  u64.hi = (aHi - bHi - borrow) | 0;
  return (aLo - bLo) | 0;
}

/** Adds a signed JS number |d| < 2^53 to (lo,hi). */
export function addSigned(lo: number, hi: number, d: number): number {
  const s = (lo >>> 0) + d;
  const carry = Math.floor(s / TWO32);
  u64.hi = (hi + carry) | 0;
  return (s - carry * TWO32) | 0;
}

/** Unsigned 32x32 -> 64 multiply; returns lo, high half in u64.hi. */
export function mulU32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const aL = a & 0xffff, aH = a >>> 16, bL = b & 0xffff, bH = b >>> 16;
  const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
  const mid = lh + hl + (ll >>> 16); // < 2^34, exact
  const lo = ((mid & 0xffff) * 65536 + (ll & 0xffff));
  u64.hi = (hh + Math.floor(mid / 65536)) | 0;
  return lo | 0;
}

/** Full 64x64 unsigned multiply: returns the 128-bit product as four int32 words (w0 lowest) in out. */
export function mulU64(aLo: number, aHi: number, bLo: number, bHi: number, out: Int32Array): void {
  const p00l = mulU32(aLo, bLo), p00h = u64.hi;
  const p01l = mulU32(aLo, bHi), p01h = u64.hi;
  const p10l = mulU32(aHi, bLo), p10h = u64.hi;
  const p11l = mulU32(aHi, bHi), p11h = u64.hi;
  out[0] = p00l;
  let s1 = (p00h >>> 0) + (p01l >>> 0) + (p10l >>> 0);
  out[1] = s1 | 0;
  let c1 = Math.floor(s1 / TWO32);
  let s2 = (p01h >>> 0) + (p10h >>> 0) + (p11l >>> 0) + c1;
  out[2] = s2 | 0;
  const c2 = Math.floor(s2 / TWO32);
  out[3] = (p11h + c2) | 0;
}

/** Negates a 128-bit value held as four int32 words, in place. */
export function neg128(w: Int32Array): void {
  let carry = 1;
  for (let i = 0; i < 4; i++) {
    const s = ((~w[i]) >>> 0) + carry;
    w[i] = s | 0;
    carry = s > 0xffffffff ? 1 : 0;
  }
}

/** Unsigned compare of two 64-bit values: -1, 0 or 1. */
export function cmpU64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  const ah = aHi >>> 0, bh = bHi >>> 0;
  if (ah !== bh) return ah < bh ? -1 : 1;
  const al = aLo >>> 0, bl = bLo >>> 0;
  return al === bl ? 0 : al < bl ? -1 : 1;
}

/** Value of (lo,hi) as an exact JS number when it fits in 53 bits signed; used for addresses. */
export function toNumberSigned(lo: number, hi: number): number {
  return (hi | 0) * TWO32 + (lo >>> 0);
}

/** Value of (lo,hi) as an unsigned JS number; exact below 2^53. */
export function toNumberUnsigned(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}

/** Splits a non-negative or negative integer number (|n| < 2^53) into halves: returns lo, hi in u64.hi. */
export function fromNumber(n: number): number {
  const hi = Math.floor(n / TWO32);
  u64.hi = hi | 0;
  return (n - hi * TWO32) | 0;
}

/** Edge helpers (CLI, JSON, tests): BigInt conversions are fine outside the hot paths. */
export function toBigInt(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
export function fromBigInt(v: bigint): [number, number] {
  const m = BigInt.asUintN(64, v);
  return [Number(m & 0xffffffffn) | 0, Number(m >> 32n) | 0];
}
export function hex64(lo: number, hi: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
