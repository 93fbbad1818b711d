// The per-CPU TLB (SDM 4.10.2): translations from present, non-faulting walks, tagged with a PCID
// (global entries match every PCID). Nothing but an explicit flush removes an entry in the default,
// unbounded mode — a CPU keeps using a stale translation until told otherwise, which is what makes
// stale-TLB bugs reproducible. A bounded set-associative mode (--tlb-entries/--tlb-ways) evicts the
// least recently filled entry of a set, as real TLBs may drop entries at any time.

const TWO9 = 512;

export class TlbEntry {
  /** Linear page number of the page start at its own size (linear address >> (12 + 9*level)), 45-bit. */
  vpn = 0;
  /** 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB. */
  level = 0;
  /** Physical address of the page start. */
  pageBase = 0;
  /** Combined rights (PERM_* bits). */
  perm = 0;
  dirty = false;
  global = false;
  pcid = 0;
  /** False once flushed or evicted: front-end caches check it. */
  alive = true;
  /** Leaf entry's physical address and low word when filled (for the stale-TLB oracle). */
  leafPaddr = 0;
  leafLo = 0;
  leafHi = 0;
  /** Fill time (CPU retired-instruction count) and site (RIP halves). */
  fillTime = 0;
  fillRipLo = 0;
  fillRipHi = 0;
  /** Bounded mode: fill order for replacement. */
  seq = 0;

  /** 4 KiB-page number of the first 4 KiB page this entry covers. */
  firstVpn4k(): number {
    return this.vpn * Math.pow(TWO9, this.level);
  }
}

export interface DropResult {
  dropped: number;
  droppedGlobal: number;
}

/** What a TLB store offers: lookup, insert, and dropping by predicate (flushes are rare). */
export interface TlbStore {
  lookup(vpn4k: number, pcid: number, levelMask: number): TlbEntry | null;
  /** Adds an entry; returns the entry it displaced (same page and tag replaced, or evicted), else null. */
  insert(e: TlbEntry): TlbEntry | null;
  /** Removes one entry (a re-walk replaces it). */
  remove(e: TlbEntry): void;
  /** Drops entries matching the predicate; calls onDrop for each, before marking it dead. */
  dropWhere(pred: (e: TlbEntry) => boolean, onDrop: (e: TlbEntry) => void): DropResult;
  size(): number;
  entries(): IterableIterator<TlbEntry> | TlbEntry[];
  /** Bitmask of the levels that currently hold entries (lets lookups skip empty levels). */
  levelMask(): number;
}

function keyOf(vpn: number, level: number): number {
  return vpn * 4 + level; // vpn < 2^45, exact
}

/** Default: holds everything it is given until a flush drops it. */
export class UnboundedTlb implements TlbStore {
  /** Non-global entries per PCID, and the global ones, keyed by (vpn at level, level). */
  private readonly byPcid = new Map<number, Map<number, TlbEntry>>();
  private readonly globals = new Map<number, TlbEntry>();
  private readonly levelCounts = [0, 0, 0];
  private count = 0;

  lookup(vpn4k: number, pcid: number, levelMask: number): TlbEntry | null {
    const m = this.byPcid.get(pcid);
    let vpn = vpn4k;
    for (let level = 0; level < 3; level++) {
      if (level > 0) vpn = Math.floor(vpn / TWO9);
      if ((levelMask & (1 << level)) === 0) continue;
      const k = keyOf(vpn, level);
      if (m !== undefined) {
        const e = m.get(k);
        if (e !== undefined) return e;
      }
      const g = this.globals.get(k);
      if (g !== undefined) return g;
    }
    return null;
  }

  insert(e: TlbEntry): TlbEntry | null {
    const k = keyOf(e.vpn, e.level);
    let m: Map<number, TlbEntry> | undefined;
    if (e.global) m = this.globals;
    else {
      m = this.byPcid.get(e.pcid);
      if (m === undefined) { m = new Map(); this.byPcid.set(e.pcid, m); }
    }
    const old = m.get(k);
    if (old !== undefined) { old.alive = false; this.levelCounts[old.level]--; this.count--; }
    m.set(k, e);
    this.levelCounts[e.level]++;
    this.count++;
    return old ?? null;
  }

  remove(e: TlbEntry): void {
    const m = e.global ? this.globals : this.byPcid.get(e.pcid);
    const k = keyOf(e.vpn, e.level);
    if (m !== undefined && m.get(k) === e) {
      m.delete(k);
      e.alive = false;
      this.levelCounts[e.level]--;
      this.count--;
    }
  }

  dropWhere(pred: (e: TlbEntry) => boolean, onDrop: (e: TlbEntry) => void): DropResult {
    let dropped = 0, droppedGlobal = 0;
    const sweep = (m: Map<number, TlbEntry>) => {
      for (const [k, e] of m) {
        if (!pred(e)) continue;
        onDrop(e);
        e.alive = false;
        m.delete(k);
        this.levelCounts[e.level]--;
        this.count--;
        dropped++;
        if (e.global) droppedGlobal++;
      }
    };
    for (const m of this.byPcid.values()) sweep(m);
    sweep(this.globals);
    return { dropped, droppedGlobal };
  }

  size(): number { return this.count; }

  *entries(): IterableIterator<TlbEntry> {
    for (const m of this.byPcid.values()) yield* m.values();
    yield* this.globals.values();
  }

  levelMask(): number {
    return (this.levelCounts[0] > 0 ? 1 : 0) | (this.levelCounts[1] > 0 ? 2 : 0) | (this.levelCounts[2] > 0 ? 4 : 0);
  }
}

/**
 * Bounded, set-associative: `entries` slots in sets of `ways`, one array per page size (real CPUs keep
 * separate TLBs per size). The set index is the page number modulo the number of sets; a full set
 * evicts its oldest fill.
 */
export class SetAssociativeTlb implements TlbStore {
  private readonly sets: TlbEntry[][][]; // [level][set] -> entries
  private readonly nsets: number;
  private seq = 0;
  private readonly levelCounts = [0, 0, 0];

  constructor(readonly capacity: number, readonly ways: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('--tlb-entries must be a positive integer');
    if (!Number.isInteger(ways) || ways < 1 || capacity % ways !== 0) {
      throw new RangeError('--tlb-ways must be a positive integer that divides --tlb-entries');
    }
    this.nsets = capacity / ways;
    this.sets = [0, 1, 2].map(() => Array.from({ length: this.nsets }, () => [] as TlbEntry[]));
  }

  private setOf(vpn: number, level: number): TlbEntry[] {
    const idx = vpn % this.nsets;
    return this.sets[level][idx];
  }

  lookup(vpn4k: number, pcid: number, levelMask: number): TlbEntry | null {
    let vpn = vpn4k;
    for (let level = 0; level < 3; level++) {
      if (level > 0) vpn = Math.floor(vpn / TWO9);
      if ((levelMask & (1 << level)) === 0) continue;
      for (const e of this.setOf(vpn, level)) {
        if (e.vpn === vpn && (e.global || e.pcid === pcid)) return e;
      }
    }
    return null;
  }

  insert(e: TlbEntry): TlbEntry | null {
    const set = this.setOf(e.vpn, e.level);
    e.seq = ++this.seq;
    for (let i = 0; i < set.length; i++) {
      const o = set[i];
      if (o.vpn === e.vpn && (o.global === e.global) && (e.global || o.pcid === e.pcid)) {
        o.alive = false;
        set[i] = e;
        return o;
      }
    }
    this.levelCounts[e.level]++;
    if (set.length < this.ways) { set.push(e); return null; }
    let oldest = 0;
    for (let i = 1; i < set.length; i++) if (set[i].seq < set[oldest].seq) oldest = i;
    const victim = set[oldest];
    victim.alive = false;
    this.levelCounts[victim.level]--;
    set[oldest] = e;
    return victim;
  }

  remove(e: TlbEntry): void {
    const set = this.setOf(e.vpn, e.level);
    const i = set.indexOf(e);
    if (i >= 0) {
      set.splice(i, 1);
      e.alive = false;
      this.levelCounts[e.level]--;
    }
  }

  dropWhere(pred: (e: TlbEntry) => boolean, onDrop: (e: TlbEntry) => void): DropResult {
    let dropped = 0, droppedGlobal = 0;
    for (const level of this.sets) {
      for (let s = 0; s < level.length; s++) {
        const set = level[s];
        const keep: TlbEntry[] = [];
        for (const e of set) {
          if (!pred(e)) { keep.push(e); continue; }
          onDrop(e);
          e.alive = false;
          this.levelCounts[e.level]--;
          dropped++;
          if (e.global) droppedGlobal++;
        }
        if (keep.length !== set.length) level[s] = keep;
      }
    }
    return { dropped, droppedGlobal };
  }

  size(): number {
    return this.levelCounts[0] + this.levelCounts[1] + this.levelCounts[2];
  }

  entries(): TlbEntry[] {
    return this.sets.flat(2);
  }

  levelMask(): number {
    return (this.levelCounts[0] > 0 ? 1 : 0) | (this.levelCounts[1] > 0 ? 2 : 0) | (this.levelCounts[2] > 0 ? 4 : 0);
  }
}
