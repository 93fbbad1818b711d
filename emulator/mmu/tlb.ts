// The per-CPU TLB (SDM 4.10.2): translations from present, non-faulting walks, tagged with a PCID
// (global entries match every PCID). Nothing but an explicit invalidation removes an entry in the
// default, unbounded mode — a CPU keeps using a stale translation until told otherwise, which is what
// makes stale-TLB bugs reproducible. A bounded set-associative mode (--tlb-entries/--tlb-ways) evicts
// the least recently filled entry of a set, as real TLBs may drop entries at any time.
//
// Storage: every entry lives in a slot of a TlbSlab, 64 bytes of typed arrays (one cache line), so a
// fill, a lookup or a flush allocates nothing and touches no boxed numbers. A TlbEntry object is made
// for a slot only when someone outside the MMU asks for it (hooks, reports); it then keeps its
// identity until the slot is dropped (alive = false from then on).

const TWO9 = 512;

/** An entry as seen outside the MMU (hooks, reports). Fields never change once filled. */
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
  /** False once flushed, evicted or replaced. */
  alive = true;
  /** Leaf entry's physical address and its words when filled (for the stale-TLB oracle). */
  leafPaddr = 0;
  leafLo = 0;
  leafHi = 0;
  /** Fill time (CPU retired-instruction count) and site (RIP halves of the filling instruction). */
  fillTime = 0;
  fillRipLo = 0;
  fillRipHi = 0;

  /** 4 KiB-page number of the first 4 KiB page this entry covers. */
  firstVpn4k(): number {
    return this.vpn * Math.pow(TWO9, this.level);
  }
}

// Slot layout. Float64 words (index slot*8 + k): vpn, page base, leaf entry address, fill time.
// Int32 words (index slot*16 + k), after the four doubles. TlbSlab.write fills a slot; the MMU's quick
// refill writes the same words itself (a call with fourteen number arguments costs more than the fill).
export const F_VPN = 0, F_BASE = 1, F_LEAF = 2, F_TIME = 3;
export const I_LEAFLO = 8, I_LEAFHI = 9, I_INFO = 10, I_PCID = 11, I_RIPLO = 12, I_RIPHI = 13;
const I_SEQ = 14;
/** For 4 KiB entries: the host page of the page's frame once known (PhysicalMemory.hostPage; frames are
 *  never freed), -1 until then. A word of the slot's own cache line, where an array of frames would be a
 *  second line and a write barrier per fill. */
export const I_HOST = 15;
/** INFO word: bits 1:0 page-size level, 4:2 PERM_* rights, then D, G and live. */
export const INFO_LEVEL = 3, INFO_PERM_SHIFT = 2, INFO_DIRTY = 32, INFO_GLOBAL = 64, INFO_LIVE = 128;

/** The entry storage shared by the TLB stores of one CPU: slots, a free list, lazily made objects. */
export class TlbSlab {
  f64: Float64Array;
  i32: Int32Array;
  private objs: (TlbEntry | null)[];
  /** Slots with an object (release skips the lookup while there are none). */
  objCount = 0;
  /** Released slots (a stack), and the first slot never handed out since the slab was last emptied:
   *  slots from `fresh` up are free too, and are handed out in order. */
  private free: Int32Array;
  private freeTop = 0;
  private fresh = 0;
  capacity = 0;
  live = 0;
  /** Running totals of released slots and of the global ones among them (flushes count by difference). */
  released = 0;
  releasedGlobal = 0;

  constructor(initial = 256) {
    this.f64 = new Float64Array(0);
    this.i32 = new Int32Array(0);
    this.objs = [];
    this.free = new Int32Array(0);
    this.grow(initial);
  }

  private grow(cap: number): void {
    const buf = new ArrayBuffer(cap * 64);
    const f64 = new Float64Array(buf);
    f64.set(this.f64);
    this.f64 = f64;
    this.i32 = new Int32Array(buf);
    for (let s = this.capacity; s < cap; s++) this.objs.push(null);
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.freeTop));
    this.free = free;
    this.capacity = cap;
  }

  /** A fresh slot with every field to be written by the caller (fill). */
  alloc(): number {
    this.live++;
    if (this.freeTop !== 0) return this.free[--this.freeTop];
    if (this.fresh === this.capacity) this.grow(this.capacity * 2);
    return this.fresh++;
  }

  /** Returns a slot (already unlinked from its store); its object, if any, becomes dead. */
  release(slot: number): void {
    const i = slot * 16 + I_INFO;
    if ((this.i32[i] & INFO_GLOBAL) !== 0) this.releasedGlobal++;
    this.released++;
    this.i32[i] = 0;
    if (this.objCount !== 0) {
      const o = this.objs[slot];
      if (o !== null) { o.alive = false; this.objs[slot] = null; this.objCount--; }
    }
    this.free[this.freeTop++] = slot;
    this.live--;
  }

  /**
   * Releases every slot at once, when the caller knows that all `live` slots are being dropped and none
   * has an object (nothing to mark dead); `globals` of them are global. Slots are then handed out from
   * 0 up again, so that the refill that follows a flush writes the slab sequentially.
   */
  releaseAll(globals: number): void {
    this.released += this.live;
    this.releasedGlobal += globals;
    this.live = 0;
    this.freeTop = 0;
    this.fresh = 0;
  }

  write(slot: number, vpn: number, level: number, pageBase: number, perm: number, dirty: boolean, global: boolean,
    pcid: number, leafPaddr: number, leafLo: number, leafHi: number, time: number, ripLo: number, ripHi: number): void {
    const f = slot * 8, i = slot * 16;
    const f64 = this.f64, i32 = this.i32;
    f64[f + F_VPN] = vpn;
    f64[f + F_BASE] = pageBase;
    f64[f + F_LEAF] = leafPaddr;
    f64[f + F_TIME] = time;
    i32[i + I_LEAFLO] = leafLo;
    i32[i + I_LEAFHI] = leafHi;
    i32[i + I_INFO] = level | (perm << INFO_PERM_SHIFT) | (dirty ? INFO_DIRTY : 0) | (global ? INFO_GLOBAL : 0) | INFO_LIVE;
    i32[i + I_PCID] = pcid;
    i32[i + I_RIPLO] = ripLo;
    i32[i + I_RIPHI] = ripHi;
    i32[i + I_HOST] = -1;
  }

  vpn(slot: number): number { return this.f64[slot * 8 + F_VPN]; }
  pageBase(slot: number): number { return this.f64[slot * 8 + F_BASE]; }
  info(slot: number): number { return this.i32[slot * 16 + I_INFO]; }
  level(slot: number): number { return this.i32[slot * 16 + I_INFO] & INFO_LEVEL; }
  isGlobal(slot: number): boolean { return (this.i32[slot * 16 + I_INFO] & INFO_GLOBAL) !== 0; }
  pcid(slot: number): number { return this.i32[slot * 16 + I_PCID]; }
  seq(slot: number): number { return this.i32[slot * 16 + I_SEQ]; }
  setSeq(slot: number, v: number): void { this.i32[slot * 16 + I_SEQ] = v; }
  hostPage(slot: number): number { return this.i32[slot * 16 + I_HOST]; }
  setHostPage(slot: number, h: number): void { this.i32[slot * 16 + I_HOST] = h; }

  /** The object for a live slot (made on first request; the same object until the slot is dropped). */
  object(slot: number): TlbEntry {
    let o = this.objs[slot];
    if (o !== null) return o;
    o = new TlbEntry();
    const f = slot * 8, i = slot * 16;
    const info = this.i32[i + I_INFO];
    o.vpn = this.f64[f + F_VPN];
    o.level = info & INFO_LEVEL;
    o.pageBase = this.f64[f + F_BASE];
    o.perm = (info >> INFO_PERM_SHIFT) & 7;
    o.dirty = (info & INFO_DIRTY) !== 0;
    o.global = (info & INFO_GLOBAL) !== 0;
    o.pcid = this.i32[i + I_PCID];
    o.leafPaddr = this.f64[f + F_LEAF];
    o.leafLo = this.i32[i + I_LEAFLO];
    o.leafHi = this.i32[i + I_LEAFHI];
    o.fillTime = this.f64[f + F_TIME];
    o.fillRipLo = this.i32[i + I_RIPLO];
    o.fillRipHi = this.i32[i + I_RIPHI];
    this.objs[slot] = o;
    this.objCount++;
    return o;
  }
}

/**
 * What a TLB store offers; slots come from its slab. Removing never frees: the caller releases, through
 * `onDrop` for the bulk drops — or, when `onDrop` is null, the store releases each dropped slot to its
 * slab itself (the slab's `released` totals count them).
 */
export interface TlbStore {
  readonly slab: TlbSlab;
  /** The slot translating 4 KiB page `vpn4k` for `pcid` (global entries match any PCID), trying 4 KiB,
   *  then 2 MiB, then 1 GiB entries; -1 when none. */
  lookup(vpn4k: number, pcid: number): number;
  /** Links a written slot (the page number at its size, its size level, whether global, its PCID: what
   *  the caller just wrote); returns the slot it displaced (same page and tag, or evicted), else -1. */
  insert(slot: number, vpn: number, level: number, global: boolean, pcid: number): number;
  /** Unlinks one slot (a re-walk replaces it). */
  remove(slot: number): void;
  /** Unlinks the entries of any size covering the page: non-global ones of `pcid` and/or global ones. */
  dropPage(vpn4k: number, pcid: number, nonGlobal: boolean, global: boolean, onDrop: DropFn | null): void;
  /** Unlinks the non-global entries of `pcid`, and with `taggedGlobals` the global ones filled under it. */
  dropPcid(pcid: number, taggedGlobals: boolean, onDrop: DropFn | null): void;
  /** Unlinks every entry, or every non-global one. */
  dropAll(keepGlobal: boolean, onDrop: DropFn | null): void;
  size(): number;
  /** Live slots (reports). */
  slots(): number[];
}

/** Told each slot a bulk drop unlinks. */
export type DropFn = (slot: number) => void;

/** Hands an unlinked slot to `onDrop`, or releases it when there is none. */
function drop(slab: TlbSlab, slot: number, onDrop: DropFn | null): void {
  if (onDrop === null) slab.release(slot);
  else onDrop(slot);
}

const EMPTY = -1;
/** Entries per chunk: the page numbers of one chunk share all bits but the low CHUNK_BITS. */
const CHUNK_BITS = 6;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const INV_CHUNK = 1 / CHUNK;

/** The slots of CHUNK consecutive page numbers of one size (-1 = none). */
class Chunk {
  readonly slots = new Int32Array(CHUNK).fill(-1);
  /** Slots in use. */
  n = 0;
}

/**
 * The entries of one page size under one tag, as a radix map: page number -> chunk (open-addressing
 * directory keyed by page number / CHUNK, with a one-entry memo in front) -> slot. Translations of
 * neighbouring pages share a chunk, so the usual lookup or fill is a compare and an array access.
 * A chunk stays in the directory until the map is cleared, even once empty.
 */
class LevelMap {
  private keys = new Float64Array(16).fill(EMPTY);
  private vals: (Chunk | null)[] = new Array<Chunk | null>(16).fill(null);
  private mask = 15;
  private shift = 28;
  private nChunks = 0;
  // not an integer: the field holds a double from the start (chunk numbers of high addresses exceed
  // int32), so a compare with it needs no int32 check
  private memoKey = -0.5;
  private memoChunk: Chunk | null = null;
  /** Entries held. */
  count = 0;

  constructor(private readonly pool: Chunk[]) {}

  private home(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> this.shift;
  }

  /** The chunk for chunk number `ck`, or null. */
  private chunk(ck: number): Chunk | null {
    if (this.memoKey === ck) return this.memoChunk;
    const keys = this.keys;
    let i = this.home(ck);
    for (;;) {
      const k = keys[i];
      if (k === ck) break;
      if (k === EMPTY) return null;
      i = (i + 1) & this.mask;
    }
    const c = this.vals[i];
    this.memoKey = ck;
    this.memoChunk = c;
    return c;
  }

  get(vpn: number): number {
    const c = this.chunk(Math.floor(vpn * INV_CHUNK));
    return c === null ? -1 : c.slots[vpn & CHUNK_MASK]; // & keeps the low bits of any integer < 2^53
  }

  /** Inserts or replaces; returns the replaced slot or -1. */
  set(vpn: number, slot: number): number {
    const ck = Math.floor(vpn * INV_CHUNK);
    let c = this.chunk(ck);
    if (c === null) c = this.addChunk(ck);
    const j = vpn & CHUNK_MASK;
    const old = c.slots[j];
    c.slots[j] = slot;
    if (old < 0) { c.n++; this.count++; }
    return old;
  }

  /** Removes the entry of page `vpn`; returns its slot or -1. */
  delete(vpn: number): number {
    const c = this.chunk(Math.floor(vpn * INV_CHUNK));
    if (c === null) return -1;
    const j = vpn & CHUNK_MASK;
    const old = c.slots[j];
    if (old >= 0) { c.slots[j] = -1; c.n--; this.count--; }
    return old;
  }

  private addChunk(ck: number): Chunk {
    if ((this.nChunks + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    const c = this.pool.length !== 0 ? this.pool.pop() as Chunk : new Chunk();
    const keys = this.keys;
    let i = this.home(ck);
    while (keys[i] !== EMPTY) i = (i + 1) & this.mask;
    keys[i] = ck;
    this.vals[i] = c;
    this.nChunks++;
    this.memoKey = ck;
    this.memoChunk = c;
    return c;
  }

  private resize(size: number): void {
    const oldKeys = this.keys, oldVals = this.vals;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.vals = new Array<Chunk | null>(size).fill(null);
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

  /**
   * Drops every entry: hands each slot to `onDrop` when there is one, releases it to `slab` when
   * `release`, else leaves the slots to the caller (it released the whole slab). The chunks go back to
   * the pool; a directory much larger than what it held shrinks.
   */
  clear(slab: TlbSlab, onDrop: DropFn | null, release: boolean): void {
    if (this.nChunks === 0) return;
    const keys = this.keys, vals = this.vals, pool = this.pool;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === EMPTY) continue;
      const c = vals[i] as Chunk;
      if (c.n !== 0) {
        const sl = c.slots;
        if (onDrop !== null) {
          for (let j = 0; j < CHUNK; j++) if (sl[j] >= 0) onDrop(sl[j]);
        } else if (release) {
          for (let j = 0; j < CHUNK; j++) if (sl[j] >= 0) slab.release(sl[j]);
        }
        sl.fill(-1);
        c.n = 0;
      }
      pool.push(c);
      keys[i] = EMPTY;
      vals[i] = null;
    }
    if (keys.length > 64 && this.nChunks * 8 < keys.length) {
      const size = keys.length >> 1;
      this.keys = new Float64Array(size).fill(EMPTY);
      this.vals = new Array<Chunk | null>(size).fill(null);
      this.shift = 32 - Math.log2(size);
      this.mask = size - 1;
    }
    this.nChunks = 0;
    this.count = 0;
    this.memoKey = -0.5;
    this.memoChunk = null;
  }

  pushSlots(out: number[]): void {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] === EMPTY) continue;
      const c = this.vals[i] as Chunk;
      if (c.n === 0) continue;
      for (let j = 0; j < CHUNK; j++) if (c.slots[j] >= 0) out.push(c.slots[j]);
    }
  }
}

/** The entries of one tag (one PCID's non-global entries, or the global ones), one map per page size. */
class SlotTable {
  private readonly maps: LevelMap[];
  /** maps[0], the 4 KiB entries: the usual lookup reads it without indexing the array. */
  readonly map4k: LevelMap;
  /** The page sizes present, as a bitmask (bit = level). */
  levelMask = 0;

  /** @param global the table of global entries (else of one PCID's non-global ones) */
  constructor(readonly global: boolean, pool: Chunk[]) {
    this.maps = [new LevelMap(pool), new LevelMap(pool), new LevelMap(pool)];
    this.map4k = this.maps[0];
  }

  get count(): number { return this.maps[0].count + this.maps[1].count + this.maps[2].count; }

  /** The slot of page number `vpn` (at the page size of `level`), or -1. */
  get(vpn: number, level: number): number {
    return this.maps[level].get(vpn);
  }

  /** Inserts or replaces; returns the replaced slot or -1. */
  set(vpn: number, level: number, slot: number): number {
    this.levelMask |= 1 << level;
    return this.maps[level].set(vpn, slot);
  }

  /** Removes the entry; returns its slot or -1. */
  delete(vpn: number, level: number): number {
    const m = this.maps[level];
    const s = m.delete(vpn);
    if (s >= 0 && m.count === 0) this.levelMask &= ~(1 << level);
    return s;
  }

  /** Drops every entry, handing each to onDrop (or releasing it when onDrop is null). */
  clear(slab: TlbSlab, onDrop: DropFn | null): void {
    if (this.levelMask === 0) return;
    const maps = this.maps;
    // this table holds every live slot and none has an object: release the whole slab at once
    const all = onDrop === null && slab.objCount === 0 && maps[0].count + maps[1].count + maps[2].count === slab.live;
    if (all) slab.releaseAll(this.global ? slab.live : 0);
    for (let l = 0; l < 3; l++) maps[l].clear(slab, onDrop, !all);
    this.levelMask = 0;
  }

  /** Drops the entries whose slot matches `pred` (rare: global entries by PCID tag). */
  sweep(slab: TlbSlab, pred: (slot: number) => boolean, onDrop: DropFn | null): void {
    if (this.levelMask === 0) return;
    const victims: number[] = [];
    this.pushSlots(victims);
    for (const s of victims) {
      if (!pred(s)) continue;
      this.delete(slab.vpn(s), slab.level(s));
      drop(slab, s, onDrop);
    }
  }

  pushSlots(out: number[]): void {
    for (const m of this.maps) m.pushSlots(out);
  }
}

/** Default: holds everything it is given until an invalidation drops it. */
export class UnboundedTlb implements TlbStore {
  readonly slab = new TlbSlab();
  /** Chunks no map uses, shared by all maps. */
  private readonly pool: Chunk[] = [];
  /** Non-global entries, one table per PCID, and the global ones. */
  private readonly byPcid = new Map<number, SlotTable>();
  private readonly globals = new SlotTable(true, this.pool);
  // the table of the PCID looked up last (PCID switches are rare next to lookups)
  private lastPcid = -1;
  private lastTable: SlotTable | null = null;

  private tableOf(pcid: number, create: boolean): SlotTable | null {
    if (pcid === this.lastPcid) return this.lastTable;
    let t = this.byPcid.get(pcid) ?? null;
    if (t === null && create) { t = new SlotTable(false, this.pool); this.byPcid.set(pcid, t); }
    if (t !== null) { this.lastPcid = pcid; this.lastTable = t; }
    return t;
  }

  lookup(vpn4k: number, pcid: number): number {
    const t = this.tableOf(pcid, false);
    const g = this.globals;
    const tm = t === null ? 0 : t.levelMask;
    const gm = g.levelMask;
    if ((tm | gm) === 0) return -1;
    // 4 KiB entries first, written out: most lookups end here, one way or the other
    if ((tm & 1) !== 0) {
      const s = (t as SlotTable).map4k.get(vpn4k);
      if (s >= 0) return s;
    }
    if ((gm & 1) !== 0) {
      const s = g.map4k.get(vpn4k);
      if (s >= 0) return s;
    }
    if (((tm | gm) >> 1) === 0) return -1;
    let vpn = vpn4k;
    for (let level = 1; level < 3; level++) {
      vpn = Math.floor(vpn / TWO9);
      const bit = 1 << level;
      if ((tm & bit) !== 0) {
        const s = (t as SlotTable).get(vpn, level);
        if (s >= 0) return s;
      }
      if ((gm & bit) !== 0) {
        const s = g.get(vpn, level);
        if (s >= 0) return s;
      }
      if (((tm | gm) >> (level + 1)) === 0) break;
    }
    return -1;
  }

  insert(slot: number, vpn: number, level: number, global: boolean, pcid: number): number {
    const t = global ? this.globals : this.tableOf(pcid, true) as SlotTable;
    return t.set(vpn, level, slot);
  }

  remove(slot: number): void {
    const slab = this.slab;
    const info = slab.info(slot);
    const level = info & INFO_LEVEL;
    const t = (info & INFO_GLOBAL) !== 0 ? this.globals : this.tableOf(slab.pcid(slot), false);
    if (t === null) return;
    const vpn = slab.vpn(slot);
    if (t.get(vpn, level) === slot) t.delete(vpn, level);
  }

  dropPage(vpn4k: number, pcid: number, nonGlobal: boolean, global: boolean, onDrop: DropFn | null): void {
    const t = nonGlobal ? this.tableOf(pcid, false) : null;
    const slab = this.slab;
    let vpn = vpn4k;
    for (let level = 0; level < 3; level++) {
      if (level > 0) vpn = Math.floor(vpn / TWO9);
      if (t !== null && (t.levelMask & (1 << level)) !== 0) {
        const s = t.delete(vpn, level);
        if (s >= 0) drop(slab, s, onDrop);
      }
      if (global && (this.globals.levelMask & (1 << level)) !== 0) {
        const s = this.globals.delete(vpn, level);
        if (s >= 0) drop(slab, s, onDrop);
      }
    }
  }

  dropPcid(pcid: number, taggedGlobals: boolean, onDrop: DropFn | null): void {
    const t = this.tableOf(pcid, false);
    if (t !== null) t.clear(this.slab, onDrop);
    if (taggedGlobals) this.globals.sweep(this.slab, (s) => this.slab.pcid(s) === pcid, onDrop);
  }

  dropAll(keepGlobal: boolean, onDrop: DropFn | null): void {
    for (const t of this.byPcid.values()) t.clear(this.slab, onDrop);
    if (!keepGlobal) this.globals.clear(this.slab, onDrop);
  }

  size(): number {
    return this.slab.live;
  }

  slots(): number[] {
    const out: number[] = [];
    for (const t of this.byPcid.values()) t.pushSlots(out);
    this.globals.pushSlots(out);
    return out;
  }
}

/**
 * Bounded, set-associative: `entries` slots in sets of `ways`, one array per page size (real CPUs keep
 * separate TLBs per size). The set index is the page number modulo the number of sets; a full set
 * evicts its oldest fill.
 */
export class SetAssociativeTlb implements TlbStore {
  readonly slab: TlbSlab;
  /** [level][set * ways + way] -> slot, -1 when empty. */
  private readonly sets: Int32Array[];
  private readonly nsets: number;
  private seq = 0;
  private readonly levelCounts = [0, 0, 0];

  constructor(readonly capacity: number, readonly ways: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('--tlb-entries must be a positive integer');
    if (!Number.isInteger(ways) || ways < 1 || capacity % ways !== 0) {
      throw new RangeError('--tlb-ways must be a positive integer that divides --tlb-entries');
    }
    this.nsets = capacity / ways;
    this.sets = [0, 1, 2].map(() => new Int32Array(capacity).fill(-1));
    this.slab = new TlbSlab(Math.min(3 * capacity + 1, 1 << 16));
  }

  lookup(vpn4k: number, pcid: number): number {
    const slab = this.slab;
    let vpn = vpn4k;
    for (let level = 0; level < 3; level++) {
      if (level > 0) vpn = Math.floor(vpn / TWO9);
      if (this.levelCounts[level] === 0) continue;
      const set = this.sets[level];
      const base = (vpn % this.nsets) * this.ways;
      for (let w = 0; w < this.ways; w++) {
        const s = set[base + w];
        if (s >= 0 && slab.vpn(s) === vpn && (slab.isGlobal(s) || slab.pcid(s) === pcid)) return s;
      }
    }
    return -1;
  }

  insert(slot: number, vpn: number, level: number, global: boolean, pcid: number): number {
    const slab = this.slab;
    const set = this.sets[level];
    const base = (vpn % this.nsets) * this.ways;
    slab.setSeq(slot, ++this.seq);
    let empty = -1;
    for (let w = 0; w < this.ways; w++) {
      const o = set[base + w];
      if (o < 0) { if (empty < 0) empty = w; continue; }
      if (slab.vpn(o) === vpn && slab.isGlobal(o) === global && (global || slab.pcid(o) === pcid)) {
        set[base + w] = slot;
        return o;
      }
    }
    if (empty >= 0) {
      set[base + empty] = slot;
      this.levelCounts[level]++;
      return -1;
    }
    let oldest = 0;
    for (let w = 1; w < this.ways; w++) if (slab.seq(set[base + w]) - slab.seq(set[base + oldest]) < 0) oldest = w;
    const victim = set[base + oldest];
    set[base + oldest] = slot;
    return victim;
  }

  remove(slot: number): void {
    const slab = this.slab;
    const level = slab.level(slot);
    const set = this.sets[level];
    const base = (slab.vpn(slot) % this.nsets) * this.ways;
    for (let w = 0; w < this.ways; w++) {
      if (set[base + w] === slot) { set[base + w] = -1; this.levelCounts[level]--; return; }
    }
  }

  private dropWhere(pred: (slot: number) => boolean, onDrop: DropFn | null): void {
    for (let level = 0; level < 3; level++) {
      if (this.levelCounts[level] === 0) continue;
      const set = this.sets[level];
      for (let k = 0; k < set.length; k++) {
        const s = set[k];
        if (s < 0 || !pred(s)) continue;
        set[k] = -1;
        this.levelCounts[level]--;
        drop(this.slab, s, onDrop);
      }
    }
  }

  dropPage(vpn4k: number, pcid: number, nonGlobal: boolean, global: boolean, onDrop: DropFn | null): void {
    const slab = this.slab;
    let vpn = vpn4k;
    for (let level = 0; level < 3; level++) {
      if (level > 0) vpn = Math.floor(vpn / TWO9);
      if (this.levelCounts[level] === 0) continue;
      const set = this.sets[level];
      const base = (vpn % this.nsets) * this.ways;
      for (let w = 0; w < this.ways; w++) {
        const s = set[base + w];
        if (s < 0 || slab.vpn(s) !== vpn) continue;
        const g = slab.isGlobal(s);
        if (g ? !global : !(nonGlobal && slab.pcid(s) === pcid)) continue;
        set[base + w] = -1;
        this.levelCounts[level]--;
        drop(slab, s, onDrop);
      }
    }
  }

  dropPcid(pcid: number, taggedGlobals: boolean, onDrop: DropFn | null): void {
    const slab = this.slab;
    this.dropWhere((s) => slab.pcid(s) === pcid && (taggedGlobals || !slab.isGlobal(s)), onDrop);
  }

  dropAll(keepGlobal: boolean, onDrop: DropFn | null): void {
    const slab = this.slab;
    this.dropWhere(keepGlobal ? (s) => !slab.isGlobal(s) : () => true, onDrop);
  }

  size(): number {
    return this.levelCounts[0] + this.levelCounts[1] + this.levelCounts[2];
  }

  slots(): number[] {
    const out: number[] = [];
    for (const set of this.sets) for (const s of set) if (s >= 0) out.push(s);
    return out;
  }
}
