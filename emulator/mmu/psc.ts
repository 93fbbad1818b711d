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

/**
 * The tag of linear address (lo, hi) at `level` (2..5): address bits 56:12+9(level-1), which is the
 * 4 KiB page number (bits 56:12) divided by 2^(9*(level-1)), computed without a division.
 */
export function pscTag(level: number, lo: number, hi: number): number {
  const h = hi & 0x1ffffff;
  return level === 2 ? h * 2048 + (lo >>> 21) : level === 3 ? h * 4 + (lo >>> 30) : level === 4 ? h >>> 7 : h >>> 16;
}

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

const EMPTY = -1;

/**
 * One level's cache: open addressing with linear probing and backward-shift deletion, keyed by
 * tag * 4096 + pcid (tag < 2^36, so keys are exact doubles), so that a lookup boxes nothing.
 */
class PscTable {
  private keys = new Float64Array(16).fill(EMPTY);
  private vals: (PscEntry | null)[] = new Array<PscEntry | null>(16).fill(null);
  private mask = 15;
  private shift = 28;
  count = 0;
  // bounds of the keys set since the table was last empty: a key outside misses without a probe
  private minKey = Infinity;
  private maxKey = -1;

  private home(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> this.shift;
  }

  get(key: number): PscEntry | null {
    if (key < this.minKey || key > this.maxKey) return null;
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) return this.vals[i];
      if (k === EMPTY) return null;
      i = (i + 1) & this.mask;
    }
  }

  /** Inserts or replaces; returns the replaced entry or null. */
  set(key: number, e: PscEntry): PscEntry | null {
    if ((this.count + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) {
        const old = this.vals[i];
        this.vals[i] = e;
        return old;
      }
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    keys[i] = key;
    this.vals[i] = e;
    this.count++;
    if (key < this.minKey) this.minKey = key;
    if (key > this.maxKey) this.maxKey = key;
    return null;
  }

  /** Removes `key`; returns its entry or null. */
  delete(key: number): PscEntry | null {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === EMPTY) return null;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    const e = vals[i];
    let hole = i;
    for (;;) {
      i = (i + 1) & mask;
      const k = keys[i];
      if (k === EMPTY) break;
      const h = this.home(k);
      if (((i - h) & mask) >= ((i - hole) & mask)) {
        keys[hole] = k;
        vals[hole] = vals[i];
        hole = i;
      }
    }
    keys[hole] = EMPTY;
    vals[hole] = null;
    if (--this.count === 0) { this.minKey = Infinity; this.maxKey = -1; }
    return e;
  }

  private resize(size: number): void {
    const oldKeys = this.keys, oldVals = this.vals;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.vals = new Array<PscEntry | null>(size).fill(null);
    this.shift = 32 - Math.log2(size);
    this.mask = size - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j];
      if (k === EMPTY) continue;
      let i = this.home(k);
      while (this.keys[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.vals[i] = oldVals[j];
    }
  }

  /** Drops everything (entries become dead); returns how many. */
  clear(): number {
    const n = this.count;
    if (n === 0) return 0;
    const keys = this.keys, vals = this.vals;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === EMPTY) continue;
      (vals[j] as PscEntry).alive = false;
      vals[j] = null;
      keys[j] = EMPTY;
    }
    this.count = 0;
    this.minKey = Infinity;
    this.maxKey = -1;
    // a table much larger than what it held shrinks (flushes scan the whole array)
    if (keys.length > 64 && n * 8 < keys.length) this.resize(keys.length >> 1);
    return n;
  }

  /** Drops the entries tagged with `pcid`; returns how many. */
  dropPcid(pcid: number): number {
    if (this.count === 0) return 0;
    const keys = this.keys;
    let match = 0;
    for (let j = 0; j < keys.length; j++) if (keys[j] !== EMPTY && keys[j] % 4096 === pcid) match++;
    if (match === 0) return 0;
    if (match === this.count) return this.clear();
    // entries of other PCIDs stay: take them out and put them back into the emptied table
    const keep: PscEntry[] = [];
    const keepKeys: number[] = [];
    const vals = this.vals;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (k === EMPTY) continue;
      if (k % 4096 === pcid) (vals[j] as PscEntry).alive = false;
      else { keep.push(vals[j] as PscEntry); keepKeys.push(k); }
      keys[j] = EMPTY;
      vals[j] = null;
    }
    this.count = 0;
    this.minKey = Infinity;
    this.maxKey = -1;
    for (let j = 0; j < keep.length; j++) this.set(keepKeys[j], keep[j]);
    return match;
  }

  pushEntries(out: PscEntry[]): void {
    for (let j = 0; j < this.keys.length; j++) if (this.keys[j] !== EMPTY) out.push(this.vals[j] as PscEntry);
  }
}

/**
 * Unbounded like the default TLB: an entry stays until an invalidation drops it. Keys are
 * tag * 4096 + pcid (tag < 2^36, so keys stay exact doubles).
 */
export class PagingStructureCache {
  /** Switched off: lookups miss and nothing is filled (the walker reads every level). */
  enabled = true;
  /** One table per level, index level - 2. */
  private readonly tables = [new PscTable(), new PscTable(), new PscTable(), new PscTable()];
  // One-entry memo per level in front of the tables: consecutive walks usually share their upper levels.
  private readonly lastKey = new Float64Array([-1, -1, -1, -1]);
  private readonly lastEntry: (PscEntry | null)[] = [null, null, null, null];
  private count = 0;

  /** The cached entry at `level` (2..5) for 4 KiB page number `vpn4k` and `pcid`, or null. */
  lookup(level: number, vpn4k: number, pcid: number): PscEntry | null {
    return this.lookupTag(level, Math.floor(vpn4k / SHIFT_DIV[level]), pcid);
  }

  /** The same by tag (pscTag). */
  lookupTag(level: number, tag: number, pcid: number): PscEntry | null {
    const i = level - 2;
    const t = this.tables[i];
    if (t.count === 0) return null;
    const key = tag * 4096 + pcid;
    if (this.lastKey[i] === key) return this.lastEntry[i];
    const e = t.get(key);
    if (e === null) return null;
    this.lastKey[i] = key;
    this.lastEntry[i] = e;
    return e;
  }

  insert(level: number, vpn4k: number, pcid: number, table: number, perm: number, entryPaddr: number): void {
    this.insertTag(level, Math.floor(vpn4k / SHIFT_DIV[level]), pcid, table, perm, entryPaddr);
  }

  /** The same by tag (pscTag). */
  insertTag(level: number, tag: number, pcid: number, table: number, perm: number, entryPaddr: number): PscEntry {
    const key = tag * 4096 + pcid;
    const i = level - 2;
    const e = new PscEntry(level, tag, pcid, table, perm, entryPaddr);
    const old = this.tables[i].set(key, e);
    if (old !== null) old.alive = false;
    else this.count++;
    this.lastKey[i] = key;
    this.lastEntry[i] = e;
    return e;
  }

  /** Drops the entries of every level that would be used for `vpn4k` in `pcid` (a #PF does this). */
  dropAddress(vpn4k: number, pcid: number): number {
    if (this.count === 0) return 0;
    let n = 0;
    for (let level = 2; level <= 5; level++) {
      const t = this.tables[level - 2];
      if (t.count === 0) continue;
      const e = t.delete(Math.floor(vpn4k / SHIFT_DIV[level]) * 4096 + pcid);
      if (e !== null) { e.alive = false; n++; }
    }
    this.count -= n;
    if (n !== 0) this.forgetMemo();
    return n;
  }

  /** Drops every entry tagged with `pcid`. */
  dropPcid(pcid: number): number {
    if (this.count === 0) return 0;
    let n = 0;
    for (const t of this.tables) n += t.dropPcid(pcid);
    this.count -= n;
    if (n !== 0) this.forgetMemo();
    return n;
  }

  /** Drops everything (all PCIDs). */
  dropAll(): number {
    const n = this.count;
    if (n === 0) return 0;
    for (const t of this.tables) t.clear();
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
  sizes(): number[] { return this.tables.map((t) => t.count); }

  entries(): PscEntry[] {
    const out: PscEntry[] = [];
    for (const t of this.tables) t.pushEntries(out);
    return out;
  }
}
