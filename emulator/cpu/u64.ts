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

// ---------------------------------------------------------------- shifts (0 <= n < 64)

/** (lo,hi) << n; returns lo, high half in u64.hi. */
export function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { u64.hi = hi; return lo; }
  if (n < 32) { u64.hi = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  u64.hi = lo << (n - 32);
  return 0;
}

/** (lo,hi) >>> n (logical); returns lo, high half in u64.hi. */
export function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { u64.hi = hi; return lo; }
  if (n < 32) { u64.hi = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  u64.hi = 0;
  return hi >>> (n - 32);
}

/** (lo,hi) >> n (arithmetic); returns lo, high half in u64.hi. */
export function sar64(lo: number, hi: number, n: number): number {
  if (n === 0) { u64.hi = hi; return lo; }
  if (n < 32) { u64.hi = hi >> n; return (lo >>> n) | (hi << (32 - n)); }
  u64.hi = hi >> 31;
  return hi >> (n - 32);
}

/** Bit n (0..63) of (lo,hi) as 0 or 1. */
export function bit64(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}

// ---------------------------------------------------------------- division

const B16 = 65536;
// Scratch digits (base 2^16, least significant first) for divU128: dividend (+1 for normalisation),
// divisor and quotient. Module-level so that dividing allocates nothing.
const un = new Float64Array(9);
const vn = new Float64Array(4);
const qd = new Float64Array(8);

/**
 * Unsigned 128-by-64 division: (n3:n2:n1:n0) / (dHi:dLo), words as int32. Returns false when the
 * divisor is zero or the quotient does not fit in 64 bits (then `out` is untouched: the caller raises
 * #DE). Otherwise out[0], out[1] = quotient lo, hi and out[2], out[3] = remainder lo, hi.
 * Knuth's algorithm D (TAOCP vol. 2, 4.3.1) on 16-bit digits, so every product is exact in a double.
 */
export function divU128(n0: number, n1: number, n2: number, n3: number, dLo: number, dHi: number, out: Int32Array): boolean {
  if (dLo === 0 && dHi === 0) return false;
  // the quotient fits in 64 bits iff the dividend's high half is below the divisor
  if (cmpU64(n2, n3, dLo, dHi) >= 0) return false;
  if (n2 === 0 && n3 === 0 && (n1 >>> 0) < 0x200000 && (dHi >>> 0) < 0x200000) {
    // both below 2^53: exact doubles; floor of the rounded quotient is off by at most one
    const a = (n1 >>> 0) * TWO32 + (n0 >>> 0), d = (dHi >>> 0) * TWO32 + (dLo >>> 0);
    let q = Math.floor(a / d);
    let r = a - q * d;
    if (r < 0) { q -= 1; r += d; } else if (r >= d) { q += 1; r -= d; }
    out[0] = q | 0; out[1] = Math.floor(q / TWO32) | 0;
    out[2] = r | 0; out[3] = Math.floor(r / TWO32) | 0;
    return true;
  }
  if (dHi === 0) {
    // 32-bit divisor: schoolbook on 16-bit digits; the running remainder stays below d < 2^32, so
    // r * 2^16 + digit < 2^48 is exact. The high half (n3:n2) < d, so it starts as the remainder.
    const d = dLo >>> 0;
    let r = n2 >>> 0;
    let t = r * B16 + (n1 >>> 16);
    let q3 = Math.floor(t / d); r = t - q3 * d;
    if (r < 0) { q3--; r += d; } else if (r >= d) { q3++; r -= d; }
    t = r * B16 + (n1 & 0xffff);
    let q2 = Math.floor(t / d); r = t - q2 * d;
    if (r < 0) { q2--; r += d; } else if (r >= d) { q2++; r -= d; }
    t = r * B16 + (n0 >>> 16);
    let q1 = Math.floor(t / d); r = t - q1 * d;
    if (r < 0) { q1--; r += d; } else if (r >= d) { q1++; r -= d; }
    t = r * B16 + (n0 & 0xffff);
    let q0 = Math.floor(t / d); r = t - q0 * d;
    if (r < 0) { q0--; r += d; } else if (r >= d) { q0++; r -= d; }
    out[0] = (q1 << 16) | q0; out[1] = (q3 << 16) | q2;
    out[2] = r | 0; out[3] = 0;
    return true;
  }
  // General case: the divisor has 3 or 4 digits. Normalise so its top digit has bit 15 set.
  const dig3 = dHi >>> 16;
  const n = dig3 !== 0 ? 4 : 3;
  const top = n === 4 ? dig3 : dHi & 0xffff;
  const s = Math.clz32(top) - 16;
  // vn = divisor << s
  const v0 = dLo & 0xffff, v1 = dLo >>> 16, v2 = dHi & 0xffff, v3 = dig3;
  if (s === 0) { vn[0] = v0; vn[1] = v1; vn[2] = v2; vn[3] = v3; } else {
    vn[0] = (v0 << s) & 0xffff;
    vn[1] = ((v1 << s) | (v0 >>> (16 - s))) & 0xffff;
    vn[2] = ((v2 << s) | (v1 >>> (16 - s))) & 0xffff;
    vn[3] = ((v3 << s) | (v2 >>> (16 - s))) & 0xffff;
  }
  // un = dividend << s (9 digits)
  const u0 = n0 & 0xffff, u1 = n0 >>> 16, u2 = n1 & 0xffff, u3 = n1 >>> 16;
  const u4 = n2 & 0xffff, u5 = n2 >>> 16, u6 = n3 & 0xffff, u7 = n3 >>> 16;
  if (s === 0) {
    un[0] = u0; un[1] = u1; un[2] = u2; un[3] = u3; un[4] = u4; un[5] = u5; un[6] = u6; un[7] = u7; un[8] = 0;
  } else {
    const r = 16 - s;
    un[0] = (u0 << s) & 0xffff;
    un[1] = ((u1 << s) | (u0 >>> r)) & 0xffff;
    un[2] = ((u2 << s) | (u1 >>> r)) & 0xffff;
    un[3] = ((u3 << s) | (u2 >>> r)) & 0xffff;
    un[4] = ((u4 << s) | (u3 >>> r)) & 0xffff;
    un[5] = ((u5 << s) | (u4 >>> r)) & 0xffff;
    un[6] = ((u6 << s) | (u5 >>> r)) & 0xffff;
    un[7] = ((u7 << s) | (u6 >>> r)) & 0xffff;
    un[8] = u7 >>> r;
  }
  const vTop = vn[n - 1], vNext = vn[n - 2];
  for (let j = 8 - n; j >= 0; j--) {
    // estimate the quotient digit from the top two dividend digits, then correct it (at most twice)
    const num = un[j + n] * B16 + un[j + n - 1];
    let qhat = Math.floor(num / vTop);
    let rhat = num - qhat * vTop;
    while (qhat >= B16 || qhat * vNext > rhat * B16 + un[j + n - 2]) {
      qhat--;
      rhat += vTop;
      if (rhat >= B16) break;
    }
    // un[j..j+n] -= qhat * vn
    let borrow = 0;
    for (let k = 0; k < n; k++) {
      const p = qhat * vn[k];
      const t = un[k + j] - borrow - (p % B16);
      un[k + j] = t & 0xffff;
      borrow = Math.floor(p / B16) - (t >> 16);
    }
    const t = un[j + n] - borrow;
    un[j + n] = t & 0xffff;
    if (t < 0) {
      // qhat was one too large: add the divisor back
      qhat--;
      let carry = 0;
      for (let k = 0; k < n; k++) {
        const a = un[k + j] + vn[k] + carry;
        un[k + j] = a & 0xffff;
        carry = a >>> 16;
      }
      un[j + n] = (un[j + n] + carry) & 0xffff;
    }
    qd[j] = qhat;
  }
  out[0] = (qd[1] << 16) | qd[0];
  out[1] = (qd[3] << 16) | qd[2];
  // remainder = un[0..n-1] >> s
  let r0: number, r1: number, r2: number, r3: number;
  if (s === 0) { r0 = un[0]; r1 = un[1]; r2 = un[2]; r3 = n === 4 ? un[3] : 0; } else {
    const r = 16 - s;
    const w3 = n === 4 ? un[3] : 0, w4 = n === 4 ? un[4] : un[3];
    r0 = ((un[0] >>> s) | (un[1] << r)) & 0xffff;
    r1 = ((un[1] >>> s) | (un[2] << r)) & 0xffff;
    r2 = ((un[2] >>> s) | (w3 << r)) & 0xffff;
    r3 = n === 4 ? ((w3 >>> s) | (w4 << r)) & 0xffff : 0;
  }
  out[2] = (r1 << 16) | r0;
  out[3] = (r3 << 16) | r2;
  return true;
}
