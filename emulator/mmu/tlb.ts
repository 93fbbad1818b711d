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
import type { Frame } from '../memory/physical.js';

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
const F_VPN = 0, F_BASE = 1, F_LEAF = 2, F_TIME = 3;
// Int32 words (index slot*16 + k), after the four doubles.
const I_LEAFLO = 8, I_LEAFHI = 9, I_INFO = 10, I_PCID = 11, I_RIPLO = 12, I_RIPHI = 13, I_SEQ = 14;
/** INFO word: bits 1:0 page-size level, 4:2 PERM_* rights, then D, G and live. */
export const INFO_LEVEL = 3, INFO_PERM_SHIFT = 2, INFO_DIRTY = 32, INFO_GLOBAL = 64, INFO_LIVE = 128;

/** The entry storage shared by the TLB stores of one CPU: slots, a free list, lazily made objects. */
export class TlbSlab {
  f64: Float64Array;
  i32: Int32Array;
  /** For 4 KiB entries: the host frame of the page once known (frames are never freed). */
  frames: (Frame | null)[];
  private objs: (TlbEntry | null)[];
  private free: Int32Array;
  private freeTop = 0;
  capacity = 0;
  live = 0;

  constructor(initial = 256) {
    this.f64 = new Float64Array(0);
    this.i32 = new Int32Array(0);
    this.frames = [];
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
    for (let s = this.capacity; s < cap; s++) { this.frames.push(null); this.objs.push(null); }
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.freeTop));
    // new slots go on the stack so that low slots are handed out first
    let top = this.freeTop;
    for (let s = cap - 1; s >= this.capacity; s--) free[top++] = s;
    this.free = free;
    this.freeTop = top;
    this.capacity = cap;
  }

  /** A fresh slot with every field to be written by the caller (fill). */
  alloc(): number {
    if (this.freeTop === 0) this.grow(this.capacity * 2);
    this.live++;
    return this.free[--this.freeTop];
  }

  /** Returns a slot (already unlinked from its store); its object, if any, becomes dead. */
  release(slot: number): void {
    this.i32[slot * 16 + I_INFO] = 0;
    this.frames[slot] = null;
    const o = this.objs[slot];
    if (o !== null) { o.alive = false; this.objs[slot] = null; }
    this.free[this.freeTop++] = slot;
    this.live--;
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
    i32[i + I_RIPHI] = ripHi; // frames[slot] is already null: release() cleared it
  }

  vpn(slot: number): number { return this.f64[slot * 8 + F_VPN]; }
  pageBase(slot: number): number { return this.f64[slot * 8 + F_BASE]; }
  info(slot: number): number { return this.i32[slot * 16 + I_INFO]; }
  level(slot: number): number { return this.i32[slot * 16 + I_INFO] & INFO_LEVEL; }
  isGlobal(slot: number): boolean { return (this.i32[slot * 16 + I_INFO] & INFO_GLOBAL) !== 0; }
  pcid(slot: number): number { return this.i32[slot * 16 + I_PCID]; }
  seq(slot: number): number { return this.i32[slot * 16 + I_SEQ]; }
  setSeq(slot: number, v: number): void { this.i32[slot * 16 + I_SEQ] = v; }

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
    return o;
  }
}

/** What a TLB store offers; slots come from its slab. Removing never frees: the caller releases. */
export interface TlbStore {
  readonly slab: TlbSlab;
  /** The slot translating 4 KiB page `vpn4k` for `pcid` (global entries match any PCID), trying 4 KiB,
   *  then 2 MiB, then 1 GiB entries; -1 when none. */
  lookup(vpn4k: number, pcid: number): number;
  /** Links a written slot; returns the slot it displaced (same page and tag, or evicted), else -1. */
  insert(slot: number): number;
  /** Unlinks one slot (a re-walk replaces it). */
  remove(slot: number): void;
  /** Unlinks the entries of any size covering the page: non-global ones of `pcid` and/or global ones. */
  dropPage(vpn4k: number, pcid: number, nonGlobal: boolean, global: boolean, onDrop: (slot: number) => void): void;
  /** Unlinks the non-global entries of `pcid`, and with `taggedGlobals` the global ones filled under it. */
  dropPcid(pcid: number, taggedGlobals: boolean, onDrop: (slot: number) => void): void;
  /** Unlinks every entry, or every non-global one. */
  dropAll(keepGlobal: boolean, onDrop: (slot: number) => void): void;
  size(): number;
  /** Live slots (reports). */
  slots(): number[];
}

function keyOf(vpn: number, level: number): number {
  return vpn * 4 + level; // vpn < 2^45, exact
}

const EMPTY = -1;

/**
 * An open-addressing hash table (linear probing, backward-shift deletion) from a non-negative integer
 * key below 2^53 to a slot.
 */
class SlotTable {
  keys: Float64Array;
  vals: Int32Array;
  private shift: number;
  private mask: number;
  count = 0;
  /** Entries per page-size level, and the levels present as a bitmask. */
  readonly levelCounts = [0, 0, 0];
  levelMask = 0;

  constructor(bits = 6) {
    this.keys = new Float64Array(1 << bits).fill(EMPTY);
    this.vals = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
  }

  private home(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> this.shift;
  }

  get(key: number): number {
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) return this.vals[i];
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Inserts or replaces; returns the replaced slot or -1. */
  set(key: number, slot: number, level: number): number {
    if ((this.count + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === key) {
        const old = this.vals[i];
        this.vals[i] = slot;
        return old; // same key: same level, counts unchanged
      }
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    keys[i] = key;
    this.vals[i] = slot;
    this.count++;
    if (this.levelCounts[level]++ === 0) this.levelMask |= 1 << level;
    return -1;
  }

  /** Removes `key` (of page-size `level`); returns its slot or -1. */
  delete(key: number, level: number): number {
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const k = keys[i];
      if (k === EMPTY) return -1;
      if (k === key) break;
      i = (i + 1) & this.mask;
    }
    const slot = this.vals[i];
    // backward-shift deletion: move later members of the probe run into the hole
    const mask = this.mask, vals = this.vals;
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
    this.count--;
    if (--this.levelCounts[level] === 0) this.levelMask &= ~(1 << level);
    return slot;
  }

  private resize(size: number): void {
    const oldKeys = this.keys, oldVals = this.vals;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.vals = new Int32Array(size);
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

  /** Drops every entry, calling onDrop for each. A table that was oversized for what it held halves
   *  (a table emptied by a flush keeps its size for the refill that usually follows). */
  clear(onDrop: (slot: number) => void): void {
    if (this.count === 0) return;
    const keys = this.keys, vals = this.vals;
    for (let j = 0; j < keys.length; j++) if (keys[j] !== EMPTY) onDrop(vals[j]);
    if (keys.length > 64 && this.count * 4 < keys.length) {
      const size = keys.length >> 1;
      this.keys = new Float64Array(size).fill(EMPTY);
      this.vals = new Int32Array(size);
      this.shift = 32 - Math.log2(size);
      this.mask = size - 1;
    } else {
      keys.fill(EMPTY);
    }
    this.count = 0;
    this.levelCounts[0] = this.levelCounts[1] = this.levelCounts[2] = 0;
    this.levelMask = 0;
  }

  /** Drops the entries whose slot matches `pred` (rare: global entries by PCID tag). */
  sweep(slab: TlbSlab, pred: (slot: number) => boolean, onDrop: (slot: number) => void): void {
    if (this.count === 0) return;
    const victims: number[] = [];
    for (let j = 0; j < this.keys.length; j++) {
      if (this.keys[j] !== EMPTY && pred(this.vals[j])) victims.push(this.vals[j]);
    }
    for (const s of victims) {
      const lv = slab.level(s);
      this.delete(keyOf(slab.vpn(s), lv), lv);
      onDrop(s);
    }
  }

  pushSlots(out: number[]): void {
    for (let j = 0; j < this.keys.length; j++) if (this.keys[j] !== EMPTY) out.push(this.vals[j]);
  }
}

/** Default: holds everything it is given until an invalidation drops it. */
export class UnboundedTlb implements TlbStore {
  readonly slab = new TlbSlab();
  /** Non-global entries, one table per PCID, and the global ones, keyed by (vpn at level, level). */
  private readonly byPcid = new Map<number, SlotTable>();
  private readonly globals = new SlotTable();
  // the table of the PCID looked up last (PCID switches are rare next to lookups)
  private lastPcid = -1;
  private lastTable: SlotTable | null = null;

  private tableOf(pcid: number, create: boolean): SlotTable | null {
    if (pcid === this.lastPcid) return this.lastTable;
    let t = this.byPcid.get(pcid) ?? null;
    if (t === null && create) { t = new SlotTable(); this.byPcid.set(pcid, t); }
    if (t !== null) { this.lastPcid = pcid; this.lastTable = t; }
    return t;
  }

  lookup(vpn4k: number, pcid: number): number {
    const t = this.tableOf(pcid, false);
    const g = this.globals;
    const tm = t === null ? 0 : t.levelMask;
    const gm = g.levelMask;
    if ((tm | gm) === 0) return -1;
    let vpn = vpn4k;
    for (let level = 0; level < 3; level++) {
      if (level > 0) vpn = Math.floor(vpn / TWO9);
      const bit = 1 << level;
      if ((tm & bit) !== 0) {
        const s = (t as SlotTable).get(keyOf(vpn, level));
        if (s >= 0) return s;
      }
      if ((gm & bit) !== 0) {
        const s = g.get(keyOf(vpn, level));
        if (s >= 0) return s;
      }
    }
    return -1;
  }

  insert(slot: number): number {
    const slab = this.slab;
    const info = slab.info(slot);
    const level = info & INFO_LEVEL;
    const t = (info & INFO_GLOBAL) !== 0 ? this.globals : this.tableOf(slab.pcid(slot), true) as SlotTable;
    return t.set(keyOf(slab.vpn(slot), level), slot, level);
  }

  remove(slot: number): void {
    const slab = this.slab;
    const info = slab.info(slot);
    const level = info & INFO_LEVEL;
    const t = (info & INFO_GLOBAL) !== 0 ? this.globals : this.tableOf(slab.pcid(slot), false);
    if (t === null) return;
    const key = keyOf(slab.vpn(slot), level);
    if (t.get(key) === slot) t.delete(key, level);
  }

  dropPage(vpn4k: number, pcid: number, nonGlobal: boolean, global: boolean, onDrop: (slot: number) => void): void {
    const t = nonGlobal ? this.tableOf(pcid, false) : null;
    let vpn = vpn4k;
    for (let level = 0; level < 3; level++) {
      if (level > 0) vpn = Math.floor(vpn / TWO9);
      const key = keyOf(vpn, level);
      if (t !== null && (t.levelMask & (1 << level)) !== 0) {
        const s = t.delete(key, level);
        if (s >= 0) onDrop(s);
      }
      if (global && (this.globals.levelMask & (1 << level)) !== 0) {
        const s = this.globals.delete(key, level);
        if (s >= 0) onDrop(s);
      }
    }
  }

  dropPcid(pcid: number, taggedGlobals: boolean, onDrop: (slot: number) => void): void {
    const t = this.byPcid.get(pcid);
    if (t !== undefined) t.clear(onDrop);
    if (taggedGlobals) this.globals.sweep(this.slab, (s) => this.slab.pcid(s) === pcid, onDrop);
  }

  dropAll(keepGlobal: boolean, onDrop: (slot: number) => void): void {
    for (const t of this.byPcid.values()) t.clear(onDrop);
    if (!keepGlobal) this.globals.clear(onDrop);
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

  insert(slot: number): number {
    const slab = this.slab;
    const level = slab.level(slot), vpn = slab.vpn(slot), global = slab.isGlobal(slot), pcid = slab.pcid(slot);
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

  private dropWhere(pred: (slot: number) => boolean, onDrop: (slot: number) => void): void {
    for (let level = 0; level < 3; level++) {
      if (this.levelCounts[level] === 0) continue;
      const set = this.sets[level];
      for (let k = 0; k < set.length; k++) {
        const s = set[k];
        if (s < 0 || !pred(s)) continue;
        set[k] = -1;
        this.levelCounts[level]--;
        onDrop(s);
      }
    }
  }

  dropPage(vpn4k: number, pcid: number, nonGlobal: boolean, global: boolean, onDrop: (slot: number) => void): void {
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
        onDrop(s);
      }
    }
  }

  dropPcid(pcid: number, taggedGlobals: boolean, onDrop: (slot: number) => void): void {
    const slab = this.slab;
    this.dropWhere((s) => slab.pcid(s) === pcid && (taggedGlobals || !slab.isGlobal(s)), onDrop);
  }

  dropAll(keepGlobal: boolean, onDrop: (slot: number) => void): void {
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
