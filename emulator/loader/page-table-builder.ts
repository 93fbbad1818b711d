// Builds x86-64 page tables in guest physical memory (for the loader's boot tables and for tests).
// Edge code (runs before the guest starts): BigInt for 64-bit linear addresses is fine here.
import { PhysicalMemory } from '../memory/physical.js';

export const PT_P = 1n, PT_RW = 2n, PT_US = 4n, PT_PWT = 8n, PT_PCD = 16n, PT_A = 32n, PT_D = 64n,
  PT_PS = 128n, PT_G = 256n, PT_NX = 1n << 63n;

const ADDR_MASK = 0x000ffffffffff000n;

export class PageTableBuilder {
  /** Physical address of the top-level table (what CR3 points at). */
  readonly root: number;
  readonly poolStart: number;
  private next: number;

  /**
   * @param mem guest memory
   * @param poolStart physical address where table pages are allocated (4 KiB aligned)
   * @param poolEnd end of the pool (exclusive)
   * @param levels 4 or 5
   */
  constructor(readonly mem: PhysicalMemory, poolStart: number, readonly poolEnd: number, readonly levels = 4) {
    if (poolStart % 4096 !== 0) throw new RangeError('page-table pool must be 4 KiB aligned');
    this.poolStart = poolStart;
    this.next = poolStart;
    this.root = this.allocTable();
  }

  /** Bytes of the pool used so far. */
  get used(): number { return this.next - this.poolStart; }

  allocTable(): number {
    if (this.next + 4096 > this.poolEnd) throw new RangeError('page-table pool exhausted');
    const p = this.next;
    this.next += 4096;
    this.mem.writeBytes(p, new Uint8Array(4096));
    return p;
  }

  readEntry(paddr: number): bigint {
    const lo = BigInt(this.mem.read32(paddr) >>> 0);
    const hi = BigInt(this.mem.read32(paddr + 4) >>> 0);
    return (hi << 32n) | lo;
  }

  writeEntry(paddr: number, v: bigint): void {
    this.mem.write32(paddr, Number(v & 0xffffffffn) | 0);
    this.mem.write32(paddr + 4, Number((v >> 32n) & 0xffffffffn) | 0);
  }

  /**
   * Maps the page of size 4K (leafLevel 1), 2M (2) or 1G (3) at linear `va` to `pa` with leaf `flags`;
   * intermediate tables are created with `tableFlags`.
   */
  map(va: bigint, pa: number, leafLevel: 1 | 2 | 3, flags: bigint, tableFlags: bigint = PT_P | PT_RW | PT_US): void {
    let table = this.root;
    for (let level = this.levels; level > leafLevel; level--) {
      const shift = BigInt(12 + 9 * (level - 1));
      const idx = Number((va >> shift) & 511n);
      const ea = table + idx * 8;
      let e = this.readEntry(ea);
      if ((e & PT_P) === 0n) {
        const t = this.allocTable();
        e = BigInt(t) | tableFlags;
        this.writeEntry(ea, e);
      } else if ((e & PT_PS) !== 0n && level <= 3) {
        throw new RangeError(`0x${va.toString(16)} is already covered by a large page`);
      }
      table = Number(e & ADDR_MASK);
    }
    const shift = BigInt(12 + 9 * (leafLevel - 1));
    const idx = Number((va >> shift) & 511n);
    const leaf = BigInt(pa) | flags | (leafLevel > 1 ? PT_PS : 0n);
    this.writeEntry(table + idx * 8, leaf);
  }

  /** Maps [va, va+length) to [pa, ...) with 4 KiB pages. */
  mapRange4k(va: bigint, pa: number, length: number, flags: bigint): void {
    for (let off = 0; off < length; off += 4096) this.map(va + BigInt(off), pa + off, 1, flags);
  }

  /** Physical address of the leaf entry for `va` at `leafLevel`, or -1 if an upper level is missing. */
  entryAddress(va: bigint, leafLevel: 1 | 2 | 3 | 4 | 5): number {
    let table = this.root;
    for (let level = this.levels; level >= leafLevel; level--) {
      const shift = BigInt(12 + 9 * (level - 1));
      const ea = table + Number((va >> shift) & 511n) * 8;
      if (level === leafLevel) return ea;
      const e = this.readEntry(ea);
      if ((e & PT_P) === 0n || (e & PT_PS) !== 0n) return -1;
      table = Number(e & ADDR_MASK);
    }
    return -1;
  }
}

/** Sign-extends a canonical address given as an unsigned 64-bit BigInt. */
export function canonical(va: bigint): bigint {
  return BigInt.asUintN(64, va);
}
