// 64-bit arithmetic on int32 halves (emulator/cpu/u64.ts), checked against BigInt: the 128-by-64
// division behind DIV/IDIV r64, the 64x64 multiply, and the shifts.
import { describe, expect, it } from 'vitest';
import {
  divU128, mulU64, neg128, shl64, shr64, sar64, bit64, u64, fromBigInt, toBigInt,
} from '../../emulator/cpu/u64.js';

const SEED = Number(process.env.U64_SEED ?? 0x5eed);
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

/** Random 64-bit values biased toward edge shapes (few bits, all ones, powers of two). */
function gen64(r: () => number): bigint {
  switch (r() % 6) {
    case 0: return BigInt(r() % 1000);
    case 1: return (1n << BigInt(r() % 64)) + BigInt(r() % 3) - 1n;
    case 2: return BigInt.asUintN(64, -1n - BigInt(r() % 1000));
    case 3: return BigInt(r());
    case 4: return BigInt.asUintN(64, (BigInt(r()) << 32n) | BigInt(r())) >> BigInt(r() % 64);
    default: return BigInt.asUintN(64, (BigInt(r()) << 32n) | BigInt(r()));
  }
}

function div(n: bigint, d: bigint): [bigint, bigint] | null {
  const out = new Int32Array(4);
  const w = [0, 1, 2, 3].map((k) => Number((n >> BigInt(32 * k)) & 0xffffffffn) | 0);
  const [dLo, dHi] = fromBigInt(d);
  if (!divU128(w[0], w[1], w[2], w[3], dLo, dHi, out)) return null;
  return [toBigInt(out[0], out[1]), toBigInt(out[2], out[3])];
}

describe('divU128', () => {
  it('hand-checked cases', () => {
    expect(div(0xffffffffffffffffn, 10n)).toEqual([0x1999999999999999n, 5n]);
    expect(div(1n << 64n, 2n)).toEqual([1n << 63n, 0n]);
    // (2^64-1)(2^63+1) + 5
    expect(div((1n << 127n) + (1n << 64n) - (1n << 63n) + 4n, (1n << 63n) + 1n)).toEqual([(1n << 64n) - 1n, 5n]);
    expect(div(7n, 0n)).toBeNull(); // zero divisor
    expect(div(5n << 64n, 5n)).toBeNull(); // quotient 2^64 does not fit
    expect(div((5n << 64n) - 1n, 5n)).toEqual([0xffffffffffffffffn, 4n]);
  });
  it(`agrees with BigInt on random operands (seed ${SEED})`, () => {
    console.log(`u64 division seed ${SEED}`);
    const r = prng(SEED);
    let checked = 0;
    for (let k = 0; k < 100000; k++) {
      const d = gen64(r);
      const hi = gen64(r), lo = gen64(r);
      const n = (hi << 64n) | lo;
      const got = div(n, d);
      if (d === 0n || hi >= d) { expect(got).toBeNull(); continue; }
      const want: [bigint, bigint] = [n / d, n % d];
      if (got === null || got[0] !== want[0] || got[1] !== want[1]) {
        throw new Error(`divU128(0x${n.toString(16)}, 0x${d.toString(16)}) = ${got} want ${want}`);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(25000);
  });
});

describe('mulU64 / neg128', () => {
  it('agrees with BigInt', () => {
    const r = prng(SEED + 1);
    const out = new Int32Array(4);
    for (let k = 0; k < 20000; k++) {
      const a = gen64(r), b = gen64(r);
      const [aLo, aHi] = fromBigInt(a), [bLo, bHi] = fromBigInt(b);
      mulU64(aLo, aHi, bLo, bHi, out);
      const got = toBigInt(out[0], out[1]) | (toBigInt(out[2], out[3]) << 64n);
      expect(got).toBe(a * b);
      neg128(out);
      expect(toBigInt(out[0], out[1]) | (toBigInt(out[2], out[3]) << 64n)).toBe(BigInt.asUintN(128, -(a * b)));
    }
  });
});

describe('shifts', () => {
  it('shl64 / shr64 / sar64 / bit64 for every count', () => {
    const v = 0x8123456789abcdefn;
    const [lo, hi] = fromBigInt(v);
    for (let n = 0; n < 64; n++) {
      const a = shl64(lo, hi, n);
      expect(toBigInt(a, u64.hi)).toBe(BigInt.asUintN(64, v << BigInt(n)));
      const b = shr64(lo, hi, n);
      expect(toBigInt(b, u64.hi)).toBe(v >> BigInt(n));
      const c = sar64(lo, hi, n);
      expect(toBigInt(c, u64.hi)).toBe(BigInt.asUintN(64, BigInt.asIntN(64, v) >> BigInt(n)));
      expect(bit64(lo, hi, n)).toBe(Number((v >> BigInt(n)) & 1n));
    }
  });
});
