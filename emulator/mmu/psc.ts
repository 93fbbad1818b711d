// Paging-structure caches (SDM vol. 3A 4.10.3): per CPU, one cache per non-leaf level (PML5E, PML4E,
// PDPTE, PDE), tagged by PCID. An entry caches a *present, non-leaf* paging-structure entry with no
// reserved bit set: the physical address of the table it points to and the rights combined over it and
// every level above (R/W and U/S AND-ed, XD OR-ed; SDM 4.10.3.1). The walker starts at the deepest
// entry it finds and reads only the levels below from memory (4.10.3.2).
//
// Why this matters: a cached PDE keeps pointing at its page table after the PDE in memory changed or
// was cleared. If the kernel frees that page-table page without a flush, a later walk on this CPU for
// *any* address under that PDE — even one that was never in the TLB — still reads the freed page,
// which by then may hold anything. Only MOV CR3 / INVLPG / INVPCID / the CR4 and CR0 rules drop these
// entries; note that INVLPG drops every paging-structure-cache entry of the current PCID, whatever the
// address (4.10.4.1), which is why a single INVLPG after a table free is enough on the local CPU.

/** Index of the four caches: level 2 (PDE) .. 5 (PML5E), stored at [level - 2]. */
export const PSC_PDE = 2, PSC_PDPTE = 3, PSC_PML4E = 4, PSC_PML5E = 5;
export const PSC_LEVEL_NAMES = ['pde', 'pdpte', 'pml4e', 'pml5e'];

/** 2^(9*(level-1)) for levels 2..5: divides a 4 KiB page number into the cache's tag (bits 56:12+9(l-1)). */
const SHIFT_DIV = [0, 0, 512, 262144, 134217728, 68719476736];

export class PscEntry {
  constructor(
    /** Paging level of the cached entry (2 = PDE .. 5 = PML5E). */
    readonly level: number,
    /** Linear-address tag: the 4 KiB page number divided by 2^(9*(level-1)). */
    readonly tag: number,
    readonly pcid: number,
    /** Physical address of the table the entry points to. */
    readonly table: number,
    /** Rights combined from the top level down to this entry (PERM_* bits). */
    readonly perm: number,
    /** Physical address of the paging-structure entry (reports). */
    readonly entryPaddr: number,
  ) {}
  /** False once dropped (reports only; lookups never see dropped entries). */
  alive = true;
  /** Words of the host frame of `table`, found on first use (frames are never freed: it stays right). */
  words: Int32Array | null = null;
}

export interface PscDrop {
  dropped: number;
}

/**
 * Unbounded like the default TLB: an entry stays until an invalidation drops it. Keys are
 * tag * 4096 + pcid (tag < 2^36, so keys stay exact doubles).
 */
export class PagingStructureCache {
  /** Switched off: lookups miss and nothing is filled (the walker reads every level). */
  enabled = true;
  private readonly maps: Map<number, PscEntry>[] = [new Map(), new Map(), new Map(), new Map()];
  // One-entry memo per level in front of the maps: consecutive walks usually share their upper levels.
  private readonly lastKey = new Float64Array([-1, -1, -1, -1]);
  private readonly lastEntry: (PscEntry | null)[] = [null, null, null, null];
  private count = 0;

  /** The cached entry at `level` (2..5) for 4 KiB page number `vpn4k` and `pcid`, or null. */
  lookup(level: number, vpn4k: number, pcid: number): PscEntry | null {
    const key = Math.floor(vpn4k / SHIFT_DIV[level]) * 4096 + pcid;
    const i = level - 2;
    if (this.lastKey[i] === key) return this.lastEntry[i];
    const e = this.maps[i].get(key);
    if (e === undefined) return null;
    this.lastKey[i] = key;
    this.lastEntry[i] = e;
    return e;
  }

  insert(level: number, vpn4k: number, pcid: number, table: number, perm: number, entryPaddr: number): void {
    const tag = Math.floor(vpn4k / SHIFT_DIV[level]);
    const key = tag * 4096 + pcid;
    const i = level - 2;
    const m = this.maps[i];
    const old = m.get(key);
    if (old !== undefined) { old.alive = false; this.count--; }
    const e = new PscEntry(level, tag, pcid, table, perm, entryPaddr);
    m.set(key, e);
    this.count++;
    this.lastKey[i] = key;
    this.lastEntry[i] = e;
  }

  /** Drops the entries of every level that would be used for `vpn4k` in `pcid` (a #PF does this). */
  dropAddress(vpn4k: number, pcid: number): number {
    let n = 0;
    for (let level = 2; level <= 5; level++) {
      const key = Math.floor(vpn4k / SHIFT_DIV[level]) * 4096 + pcid;
      const m = this.maps[level - 2];
      const e = m.get(key);
      if (e !== undefined) { e.alive = false; m.delete(key); n++; }
    }
    this.count -= n;
    if (n !== 0) this.forgetMemo();
    return n;
  }

  /** Drops every entry tagged with `pcid`. */
  dropPcid(pcid: number): number {
    if (this.count === 0) return 0;
    let n = 0;
    for (const m of this.maps) {
      for (const [k, e] of m) {
        if (e.pcid !== pcid) continue;
        e.alive = false;
        m.delete(k);
        n++;
      }
    }
    this.count -= n;
    if (n !== 0) this.forgetMemo();
    return n;
  }

  /** Drops everything (all PCIDs). */
  dropAll(): number {
    const n = this.count;
    if (n === 0) return 0;
    for (const m of this.maps) {
      for (const e of m.values()) e.alive = false;
      m.clear();
    }
    this.count = 0;
    this.forgetMemo();
    return n;
  }

  private forgetMemo(): void {
    this.lastKey.fill(-1);
    this.lastEntry.fill(null);
  }

  size(): number { return this.count; }

  /** Entries per level (index 0 = PDE cache .. 3 = PML5E cache). */
  sizes(): number[] { return this.maps.map((m) => m.size); }

  entries(): PscEntry[] {
    const out: PscEntry[] = [];
    for (const m of this.maps) out.push(...m.values());
    return out;
  }
}
