// Reads guest virtual memory from the host through a CPU's side-effect-free translation (no A/D
// writes, no TLB fills): what the unwinder, the per-CPU readers and the reports use.
import type { Cpu } from '../emulator/cpu/cpu.js';


export class GuestMemoryReader {
  constructor(readonly cpu: Cpu) {}

  /** Physical address of a virtual address, or -1 when unmapped/non-canonical. */
  translate(va: bigint): number {
    const u = BigInt.asUintN(64, va);
    const lo = Number(u & 0xffffffffn) | 0;
    const hi = Number(u >> 32n) | 0;
    return this.cpu.mmu.debugTranslate(lo, hi);
  }

  /** Reads a little-endian u64, or null when the page is not mapped. */
  u64(va: bigint): bigint | null {
    const p = this.translate(va);
    if (p < 0) return null;
    if ((p & 0xfff) > 0xff8) {
      const lo = this.u32(va), hi = this.u32(va + 4n);
      return lo === null || hi === null ? null : (BigInt(hi) << 32n) | BigInt(lo);
    }
    const mem = this.cpu.mem;
    return (BigInt(mem.read32(p + 4) >>> 0) << 32n) | BigInt(mem.read32(p) >>> 0);
  }

  u32(va: bigint): number | null {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const b = this.u8(va + BigInt(k));
      if (b === null) return null;
      v += b * 2 ** (8 * k);
    }
    return v;
  }

  u8(va: bigint): number | null {
    const p = this.translate(va);
    return p < 0 ? null : this.cpu.mem.read8(p);
  }

  bytes(va: bigint, n: number): Uint8Array | null {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const b = this.u8(va + BigInt(k));
      if (b === null) return null;
      out[k] = b;
    }
    return out;
  }

  /** NUL-terminated string of at most `max` bytes. */
  cstring(va: bigint, max = 256): string | null {
    let s = '';
    for (let k = 0; k < max; k++) {
      const b = this.u8(va + BigInt(k));
      if (b === null) return null;
      if (b === 0) break;
      s += String.fromCharCode(b);
    }
    return s;
  }
}

/** A 64-bit register pair as an unsigned BigInt. */
export function pairToBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
