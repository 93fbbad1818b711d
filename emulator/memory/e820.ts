// e820-style physical address map: which ranges exist and what they are.

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;
export const E820_UNUSABLE = 5;
export const E820_PMEM = 7;

export interface E820Range {
  base: number; // physical address, exact in a JS number (MAXPHYADDR <= 52)
  length: number;
  type: number;
}

export function e820TypeName(type: number): string {
  switch (type) {
    case E820_RAM: return 'usable';
    case E820_RESERVED: return 'reserved';
    case E820_ACPI: return 'ACPI data';
    case E820_NVS: return 'ACPI NVS';
    case E820_UNUSABLE: return 'unusable';
    case E820_PMEM: return 'persistent (type 7)';
    default: return `type ${type}`;
  }
}

/** Sorted, non-overlapping list of ranges. Later insertions override earlier ones where they overlap. */
export class E820Map {
  private ranges: E820Range[] = [];

  add(base: number, length: number, type: number): void {
    if (!(length > 0)) throw new RangeError(`e820: empty range at 0x${base.toString(16)}`);
    const end = base + length;
    const out: E820Range[] = [];
    for (const r of this.ranges) {
      const rEnd = r.base + r.length;
      if (rEnd <= base || r.base >= end) { out.push(r); continue; }
      if (r.base < base) out.push({ base: r.base, length: base - r.base, type: r.type });
      if (rEnd > end) out.push({ base: end, length: rEnd - end, type: r.type });
    }
    out.push({ base, length, type });
    out.sort((a, b) => a.base - b.base);
    // merge adjacent ranges of the same type
    const merged: E820Range[] = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && last.type === r.type && last.base + last.length === r.base) last.length += r.length;
      else merged.push({ ...r });
    }
    this.ranges = merged;
  }

  /** The range containing the physical address, or undefined. */
  find(paddr: number): E820Range | undefined {
    const rs = this.ranges;
    let lo = 0, hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid];
      if (paddr < r.base) hi = mid - 1;
      else if (paddr >= r.base + r.length) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** True when [base, base+length) lies inside ranges of the given types. */
  covers(base: number, length: number, types: readonly number[]): boolean {
    let p = base;
    const end = base + length;
    while (p < end) {
      const r = this.find(p);
      if (!r || !types.includes(r.type)) return false;
      p = r.base + r.length;
    }
    return true;
  }

  entries(): readonly E820Range[] {
    return this.ranges;
  }
}
