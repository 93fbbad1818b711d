// The one entry point for every linear address of a CPU: data, stack, instruction fetch, descriptor
// tables. Three layers, each a cache of the one below (README.md in this folder):
//   1. a direct-mapped front-end (one tag per access class, like a hardware L1 TLB) holding the host
//      frame of recent translations — a hit costs a compare and a typed-array access;
//   2. the architectural TLB (tlb.ts), which keeps what SDM 4.10.2 allows for as long as it may;
//   3. the walker (walker.ts) with the paging-structure caches (psc.ts).
// The front-end never outlives the TLB: its slots are cleared when their TLB entry is dropped and it is
// cleared entirely when the PCID or anything that decides rights changes (CPL, CR0.WP, CR4, EFER.NXE,
// RFLAGS.AC).
import { CpuState, CR0_PG, CR4_LA57, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_SMEP } from '../cpu/state.js';
import { CpuFault, VEC_GP, VEC_PF, VEC_SS } from '../cpu/faults.js';
import { Frame, PhysicalMemory, PAGE_SIZE, SLAB_PAGE_MASK, SLAB_SHIFT } from '../memory/physical.js';
import {
  EmulatorHooks, FLUSH_INVLPG, FLUSH_INVPCID_ADDR, FLUSH_INVPCID_ALL, FLUSH_INVPCID_CONTEXT,
  FLUSH_INVPCID_NONGLOBAL, FLUSH_KINDS, FLUSH_MOV_CR0, FLUSH_MOV_CR3, FLUSH_MOV_CR4, FLUSH_PAGE_FAULT,
} from '../hooks.js';
import { ACC_FETCH, ACC_IMPLICIT, ACC_STACK, ACC_USER, ACC_WRITE, PERM_U, PERM_W, PERM_X } from './access.js';
import { PagingMode } from './paging-mode.js';
import {
  F_BASE, F_LEAF, F_TIME, F_VPN, I_INFO, I_HOST, I_LEAFHI, I_LEAFLO, I_PCID, I_RIPHI, I_RIPLO, INFO_DIRTY, INFO_GLOBAL,
  INFO_LEVEL, INFO_LIVE, INFO_PERM_SHIFT, TlbEntry, TlbSlab, TlbStore, UnboundedTlb,
} from './tlb.js';
import {
  PageWalker, PTE_A, PTE_D, PTE_G, PTE_P, PTE_RW, PTE_US, PTE_XD_HI, WalkResult, reservedHighBits, rightsFault,
} from './walker.js';
import { PagingStructureCache, pscTag } from './psc.js';

const TWO32 = 4294967296;
const TWO20 = 1048576;
/** 1 / PAGE_SIZE, as a local literal: the compiler folds it (an imported constant is loaded and divided by). */
const INV_PAGE = 1 / 4096;
const FE_BITS = 10;
const FE_SIZE = 1 << FE_BITS;
const FE_MASK = FE_SIZE - 1;
const NO_TAG = -1e300; // never equal to a page number

/** One front-end set: per slot the page tags allowed for read / write / fetch, the frame, the TLB slot. */
class FrontEndSet {
  readonly tagR = new Float64Array(FE_SIZE).fill(NO_TAG);
  readonly tagW = new Float64Array(FE_SIZE).fill(NO_TAG);
  readonly tagX = new Float64Array(FE_SIZE).fill(NO_TAG);
  readonly frame: (Frame | null)[] = new Array<Frame | null>(FE_SIZE).fill(null);
  /** TLB slot each front-end slot was filled from, -1 when empty. */
  readonly slot = new Int32Array(FE_SIZE).fill(-1);
  /** Slots filled since the last clear (a clear touches only these); FE_SIZE or more = clear all. */
  private readonly used = new Int32Array(FE_SIZE);
  private nUsed = 0;

  /** Gives slot k to a new page: frame f from TLB slot `slot`, no access allowed yet. */
  take(k: number, f: Frame, slot: number): void {
    if (this.slot[k] === -1) {
      if (this.nUsed < FE_SIZE) this.used[this.nUsed] = k;
      this.nUsed++;
    }
    this.tagR[k] = NO_TAG; this.tagW[k] = NO_TAG; this.tagX[k] = NO_TAG;
    this.frame[k] = f;
    this.slot[k] = slot;
  }

  forget(k: number): void {
    this.tagR[k] = NO_TAG; this.tagW[k] = NO_TAG; this.tagX[k] = NO_TAG;
    this.slot[k] = -1;
  }

  clear(): void {
    if (this.nUsed >= FE_SIZE) {
      this.tagR.fill(NO_TAG); this.tagW.fill(NO_TAG); this.tagX.fill(NO_TAG);
      this.slot.fill(-1);
    } else {
      for (let j = 0; j < this.nUsed; j++) this.forget(this.used[j]);
    }
    this.nUsed = 0;
  }
}

export class MmuCounters {
  /** Front-end hits (counted apart so the fast path does a single increment). */
  feHits = 0;
  /** Translations that went past the front-end (TLB lookups, non-canonical faults, paging off). */
  slowTranslations = 0;
  /** Hits found in the TLB proper. */
  tlbHits = 0;
  misses = 0;
  walks = 0;
  faults = 0;
  fills = 0;
  evictions = 0;
  /** TLB entries dropped to re-walk: a write through an entry whose D was 0, or an access it denied. */
  rewalks = 0;
  /** Walks that started from a paging-structure-cache entry, per level of that entry (0 = PDE .. 3 = PML5E). */
  readonly pscHits = new Float64Array(4);
  /** Per flush kind (hooks.ts FLUSH_*): operations, TLB entries dropped (global ones too), and
   *  paging-structure-cache entries dropped. */
  readonly flushes = new Float64Array(FLUSH_KINDS);
  readonly dropped = new Float64Array(FLUSH_KINDS);
  readonly droppedGlobal = new Float64Array(FLUSH_KINDS);
  readonly pscDropped = new Float64Array(FLUSH_KINDS);

  /** Every translation of a linear address (front-end hits included). */
  get translations(): number { return this.feHits + this.slowTranslations; }
  /** Front-end hits plus hits in the TLB proper. */
  get hits(): number { return this.feHits + this.tlbHits; }
  /** Walks that skipped at least one level through a paging-structure cache. */
  get pscHitTotal(): number { return this.pscHits[0] + this.pscHits[1] + this.pscHits[2] + this.pscHits[3]; }
}

/** What the MMU needs from its CPU: the state, plus the start of the current instruction when known. */
export type MmuCpuState = CpuState & { insnRipLo?: number; insnRipHi?: number };

const PSC_KEEP = 0, PSC_PCID = 1, PSC_ALL = 2;

export class Mmu {
  readonly mode: PagingMode;
  readonly walker: PageWalker;
  /** Paging-structure caches (SDM 4.10.3), on by default; setPscEnabled switches them. */
  readonly psc = new PagingStructureCache();
  readonly counters = new MmuCounters();
  hooks: EmulatorHooks | null = null;
  /** High half of the last read64. */
  hi = 0;

  private store: TlbStore;
  private slab: TlbSlab;
  // The front-end: one set of slots per privilege context (CPL 3; CPL 0-2; CPL 0-2 with SMAP and
  // RFLAGS.AC=1), so that syscalls, interrupts and STAC/CLAC switch sets instead of clearing them. The
  // fields below alias the current set's arrays (the hot path reads them directly). The user and SMAP
  // sets are made on first use: ~40 KB each, and a machine of 64 kernel-only CPUs should stay in cache.
  private readonly feSets: (FrontEndSet | null)[] = [null, new FrontEndSet(), null];
  /** The sets made so far (what clears and drops visit). */
  private readonly liveSets: FrontEndSet[] = [this.feSets[1]!];
  private fe: FrontEndSet = this.feSets[1]!;
  private tagR = this.fe.tagR;
  private tagW = this.fe.tagW;
  private tagX = this.fe.tagX;
  private feFrame = this.fe.frame;
  // what the sets were filled under: a change of any of these (other than CPL and AC) clears them all
  private snapCr0 = -1;
  private snapCr4 = -1;
  private snapEfer = -1;
  private snapCr3Lo = -1;
  private snapCr3Hi = -1;
  /** Front-end disabled (every access goes to the TLB proper): set while someone listens to hits. */
  private frontEndOff = false;
  /** Someone listens to TLB events: they get TlbEntry objects. */
  private tlbEvents = false;
  private readonly wr = new WalkResult();
  private readonly dbg = new WalkResult();
  /** Host frame of the page the last translate() produced, when it is allocated, unless the quick
   *  refill produced it (xHost then): read it through accessFrame(). */
  private xFrame: Frame | null = null;
  /** The host page (PhysicalMemory.hostPage) of the page the quick refill produced, else -1: read8Miss
   *  reads through the slab, which stays in the host's cache, not through the frame's own objects. */
  private xHost = -1;
  // flush bookkeeping (no closure allocated per flush)
  private fDropped = 0;
  private fDroppedGlobal = 0;
  // the slab's release totals when the flush began (what it dropped is the difference)
  private fReleased0 = 0;
  private fReleasedGlobal0 = 0;
  private fCollected: TlbEntry[] | null = null;
  private fWholeFrontEnd = true;
  private readonly onDrop = (slot: number): void => this.dropped(slot);
  /** refillFromPdeCache may run: the paging-structure caches are on and nobody listens to fills. */
  private quickRefill = true;
  /** reservedHighBits(mode), kept up to date by selectFrontEnd (every change of EFER or MAXPHYADDR
   *  goes through it). */
  private rsvdHi = 0;

  constructor(readonly s: MmuCpuState, readonly mem: PhysicalMemory, tlb: TlbStore = new UnboundedTlb()) {
    this.mode = new PagingMode(s);
    this.walker = new PageWalker(mem, this.mode, this.psc);
    this.store = tlb;
    this.slab = tlb.slab;
    this.rsvdHi = reservedHighBits(this.mode);
  }

  /** The TLB store. Assigning one (e.g. a SetAssociativeTlb) discards the current contents. */
  get tlb(): TlbStore { return this.store; }
  set tlb(t: TlbStore) {
    this.store = t;
    this.slab = t.slab;
    this.clearFrontEnd();
  }

  setHooks(h: EmulatorHooks | null): void {
    this.hooks = h;
    this.frontEndOff = h !== null && h.tlbHit !== undefined;
    this.tlbEvents = h !== null && (h.tlbHit !== undefined || h.tlbFill !== undefined || h.tlbFlush !== undefined);
    this.quickRefill = this.psc.enabled && !this.tlbEvents;
    this.clearFrontEnd();
  }

  /** Switches the paging-structure caches on or off (dropping their contents either way). */
  setPscEnabled(on: boolean): void {
    this.psc.dropAll();
    this.psc.enabled = on;
    this.quickRefill = on && !this.tlbEvents;
  }

  /**
   * Must be called after any change to CPL, CR0, CR3, CR4, EFER or RFLAGS.AC (rights depend on them).
   * A change of CPL or AC only selects another front-end set; anything else empties them all.
   */
  modeChanged(): void {
    const s = this.s;
    if (s.cr0 !== this.snapCr0 || s.cr4 !== this.snapCr4 || s.efer !== this.snapEfer ||
      s.cr3Lo !== this.snapCr3Lo || s.cr3Hi !== this.snapCr3Hi) {
      this.clearFrontEnd();
      return;
    }
    this.selectFrontEnd();
  }

  private selectFrontEnd(): void {
    this.rsvdHi = reservedHighBits(this.mode);
    const k = this.s.cpl === 3 ? 0 : this.mode.smap && this.mode.ac ? 2 : 1;
    let fe = this.feSets[k];
    if (fe === null) {
      fe = this.feSets[k] = new FrontEndSet();
      this.liveSets.push(fe);
    }
    if (fe === this.fe) return;
    this.fe = fe;
    this.tagR = fe.tagR;
    this.tagW = fe.tagW;
    this.tagX = fe.tagX;
    this.feFrame = fe.frame;
  }

  /** Empties every front-end set (cost proportional to the slots in use). */
  clearFrontEnd(): void {
    for (const fe of this.liveSets) fe.clear();
    const s = this.s;
    this.snapCr0 = s.cr0; this.snapCr4 = s.cr4; this.snapEfer = s.efer;
    this.snapCr3Lo = s.cr3Lo; this.snapCr3Hi = s.cr3Hi;
    this.selectFrontEnd();
  }

  /** Forgets the front-end slots filled from TLB slot `slot` (a 4 KiB entry can only sit in one). */
  private dropFromFrontEnd(slot: number): void {
    if ((this.slab.info(slot) & INFO_LEVEL) === 0) {
      const k = this.slab.vpn(slot) & FE_MASK;
      for (const fe of this.liveSets) if (fe.slot[k] === slot) fe.forget(k);
      return;
    }
    // the 512 4 KiB pages of a 2 MiB entry fall in 512 consecutive slots (FE_SIZE is a multiple of 512);
    // those of a 1 GiB entry in all of them
    const level2M = (this.slab.info(slot) & INFO_LEVEL) === 1;
    const first = level2M ? (this.slab.vpn(slot) * 512) & FE_MASK : 0;
    const end = level2M ? first + 512 : FE_SIZE;
    for (const fe of this.liveSets) {
      const owner = fe.slot;
      for (let k = first; k < end; k++) if (owner[k] === slot) fe.forget(k);
    }
  }

  // ------------------------------------------------------------------ data accesses (hot path)

  read8(lo: number, hi: number): number {
    const slot = (lo >>> 12) & FE_MASK;
    if (this.tagR[slot] === hi * TWO20 + (lo >>> 12)) {
      this.counters.feHits++;
      return (this.feFrame[slot] as Frame).bytes[lo & 0xfff];
    }
    return this.read8Miss(lo, hi);
  }

  read16(lo: number, hi: number): number {
    const off = lo & 0xfff;
    const slot = (lo >>> 12) & FE_MASK;
    if (off <= 4094 && this.tagR[slot] === hi * TWO20 + (lo >>> 12)) {
      this.counters.feHits++;
      return (this.feFrame[slot] as Frame).view.getUint16(off, true);
    }
    return this.readSlow(lo, hi, 2, this.dataAccess(0));
  }

  read32(lo: number, hi: number): number {
    const off = lo & 0xfff;
    const slot = (lo >>> 12) & FE_MASK;
    if (off <= 4092 && this.tagR[slot] === hi * TWO20 + (lo >>> 12)) {
      this.counters.feHits++;
      return (this.feFrame[slot] as Frame).view.getInt32(off, true);
    }
    return this.readSlow(lo, hi, 4, this.dataAccess(0));
  }

  /** Returns the low half; the high half is left in this.hi. */
  read64(lo: number, hi: number): number {
    const off = lo & 0xfff;
    const slot = (lo >>> 12) & FE_MASK;
    if (off <= 4088 && this.tagR[slot] === hi * TWO20 + (lo >>> 12)) {
      this.counters.feHits++;
      const v = (this.feFrame[slot] as Frame).view;
      this.hi = v.getInt32(off + 4, true);
      return v.getInt32(off, true);
    }
    return this.read64Slow(lo, hi, this.dataAccess(0));
  }

  write8(lo: number, hi: number, v: number): void {
    const slot = (lo >>> 12) & FE_MASK;
    if (this.tagW[slot] === hi * TWO20 + (lo >>> 12)) {
      const f = this.feFrame[slot] as Frame;
      this.counters.feHits++;
      if (f.flags !== 0) this.mem.notifyWrite(f, f.pfn * PAGE_SIZE + (lo & 0xfff), 1);
      f.bytes[lo & 0xfff] = v;
      return;
    }
    this.writeSlow(lo, hi, 1, v, 0, this.dataAccess(ACC_WRITE));
  }

  write16(lo: number, hi: number, v: number): void {
    const off = lo & 0xfff;
    const slot = (lo >>> 12) & FE_MASK;
    if (off <= 4094 && this.tagW[slot] === hi * TWO20 + (lo >>> 12)) {
      const f = this.feFrame[slot] as Frame;
      this.counters.feHits++;
      if (f.flags !== 0) this.mem.notifyWrite(f, f.pfn * PAGE_SIZE + off, 2);
      f.view.setUint16(off, v, true);
      return;
    }
    this.writeSlow(lo, hi, 2, v, 0, this.dataAccess(ACC_WRITE));
  }

  write32(lo: number, hi: number, v: number): void {
    const off = lo & 0xfff;
    const slot = (lo >>> 12) & FE_MASK;
    if (off <= 4092 && this.tagW[slot] === hi * TWO20 + (lo >>> 12)) {
      const f = this.feFrame[slot] as Frame;
      this.counters.feHits++;
      if (f.flags !== 0) this.mem.notifyWrite(f, f.pfn * PAGE_SIZE + off, 4);
      f.view.setInt32(off, v, true);
      return;
    }
    this.writeSlow(lo, hi, 4, v, 0, this.dataAccess(ACC_WRITE));
  }

  write64(lo: number, hi: number, vLo: number, vHi: number): void {
    const off = lo & 0xfff;
    const slot = (lo >>> 12) & FE_MASK;
    if (off <= 4088 && this.tagW[slot] === hi * TWO20 + (lo >>> 12)) {
      const f = this.feFrame[slot] as Frame;
      this.counters.feHits++;
      if (f.flags !== 0) this.mem.notifyWrite(f, f.pfn * PAGE_SIZE + off, 8);
      f.view.setInt32(off, vLo, true);
      f.view.setInt32(off + 4, vHi, true);
      return;
    }
    this.writeSlow(lo, hi, 8, vLo, vHi, this.dataAccess(ACC_WRITE));
  }

  // What read8..write64 do after a front-end miss: the block compiler, which tests the front-end inline,
  // calls these on its own miss.

  read8Miss(lo: number, hi: number): number {
    const p = this.translate(lo, hi, this.dataAccess(0));
    const h = this.xHost;
    if (h >= 0) return this.mem.slabBytes[h >>> SLAB_SHIFT][(h & SLAB_PAGE_MASK) * PAGE_SIZE + (lo & 0xfff)];
    const f = this.xFrame;
    return f !== null ? f.bytes[lo & 0xfff] : this.mem.read8(p);
  }

  /** A 2- or 4-byte read. */
  readMiss(lo: number, hi: number, size: number): number {
    return this.readSlow(lo, hi, size, this.dataAccess(0));
  }

  read64Miss(lo: number, hi: number): number {
    return this.read64Slow(lo, hi, this.dataAccess(0));
  }

  writeMiss(lo: number, hi: number, size: number, vLo: number, vHi: number): void {
    this.writeSlow(lo, hi, size, vLo, vHi, this.dataAccess(ACC_WRITE));
  }

  /** Access flags for an explicit data access at the current CPL. */
  dataAccess(base: number): number {
    return this.s.cpl === 3 ? base | ACC_USER : base;
  }

  // ------------------------------------------------------- accesses with explicit kinds (slow side)

  /** Reads `size` (1, 2, 4) bytes with explicit access flags (stack, implicit...). */
  readSized(lo: number, hi: number, size: number, access: number): number {
    return this.readSlow(lo, hi, size, access);
  }
  read64With(lo: number, hi: number, access: number): number {
    return this.read64Slow(lo, hi, access);
  }
  writeSized(lo: number, hi: number, size: number, vLo: number, vHi: number, access: number): void {
    this.writeSlow(lo, hi, size, vLo, vHi, access | ACC_WRITE);
  }

  private readSlow(lo: number, hi: number, size: number, access: number): number {
    const off = lo & 0xfff;
    if (off + size <= PAGE_SIZE) {
      const p = this.translate(lo, hi, access);
      const f = this.accessFrame();
      if (f !== null) return size === 4 ? f.view.getInt32(off, true) : size === 1 ? f.bytes[off] : f.view.getUint16(off, true);
      const mem = this.mem;
      if (size === 4) return mem.read32(p);
      if (size === 1) return mem.read8(p);
      return mem.read8(p) | (mem.read8(p + 1) << 8);
    }
    return this.readSplit(lo, hi, size, access);
  }

  private read64Slow(lo: number, hi: number, access: number): number {
    const off = lo & 0xfff;
    if (off <= PAGE_SIZE - 8) {
      const p = this.translate(lo, hi, access);
      const f = this.accessFrame();
      if (f !== null) {
        this.hi = f.view.getInt32(off + 4, true);
        return f.view.getInt32(off, true);
      }
      this.hi = this.mem.read32(p + 4);
      return this.mem.read32(p);
    }
    const vLo = this.readSplit(lo, hi, 4, access);
    const nlo = (lo + 4) | 0;
    const nhi = (lo >>> 0) + 4 > 0xffffffff ? (hi + 1) | 0 : hi;
    this.hi = this.readSplit(nlo, nhi, 4, access);
    return vLo;
  }

  /** A read that may cross a page: both pages are translated before any byte is read. */
  private readSplit(lo: number, hi: number, size: number, access: number): number {
    let v = 0;
    const p0 = this.translate(lo, hi, access);
    const firstLen = Math.min(size, PAGE_SIZE - (lo & 0xfff));
    let p1 = 0;
    if (firstLen < size) {
      const nlo = (lo + firstLen) | 0;
      const nhi = (lo >>> 0) + firstLen > 0xffffffff ? (hi + 1) | 0 : hi;
      p1 = this.translate(nlo, nhi, access);
    }
    for (let i = 0; i < size; i++) {
      const b = i < firstLen ? this.mem.read8(p0 + i) : this.mem.read8(p1 + i - firstLen);
      v |= b << (8 * i);
    }
    return v;
  }

  private writeSlow(lo: number, hi: number, size: number, vLo: number, vHi: number, access: number): void {
    const off = lo & 0xfff;
    const p0 = this.translate(lo, hi, access);
    const firstLen = Math.min(size, PAGE_SIZE - off);
    const f = this.accessFrame();
    if (firstLen === size && f !== null) {
      if (f.flags !== 0) this.mem.notifyWrite(f, p0, size);
      const v = f.view;
      if (size === 4) v.setInt32(off, vLo, true);
      else if (size === 8) { v.setInt32(off, vLo, true); v.setInt32(off + 4, vHi, true); }
      else if (size === 1) f.bytes[off] = vLo;
      else v.setUint16(off, vLo, true);
      return;
    }
    let p1 = 0;
    if (firstLen < size) {
      const nlo = (lo + firstLen) | 0;
      const nhi = (lo >>> 0) + firstLen > 0xffffffff ? (hi + 1) | 0 : hi;
      p1 = this.translate(nlo, nhi, access);
    }
    const mem = this.mem;
    if (firstLen === size && size === 4) { mem.write32(p0, vLo); return; }
    if (firstLen === size && size === 8) { mem.write32(p0, vLo); mem.write32(p0 + 4, vHi); return; }
    for (let i = 0; i < size; i++) {
      const b = i < 4 ? (vLo >>> (8 * i)) & 0xff : (vHi >>> (8 * (i - 4))) & 0xff;
      if (i < firstLen) mem.write8(p0 + i, b);
      else mem.write8(p1 + i - firstLen, b);
    }
  }

  // ------------------------------------------------------------------ instruction fetch

  /** The frame holding the instruction byte at (lo,hi) for execution, or null if unbacked/untouched. */
  fetchFrame(lo: number, hi: number): Frame | null {
    const slot = (lo >>> 12) & FE_MASK;
    if (this.tagX[slot] === hi * TWO20 + (lo >>> 12)) {
      this.counters.feHits++;
      return this.feFrame[slot];
    }
    const p = this.translate(lo, hi, this.dataAccess(ACC_FETCH));
    const f = this.accessFrame();
    return f !== null ? f : this.mem.peekFrame(Math.floor(p / PAGE_SIZE));
  }

  /** One instruction byte (fetch access), for decoding across a page boundary. */
  fetch8(lo: number, hi: number): number {
    return this.mem.read8(this.translate(lo, hi, this.dataAccess(ACC_FETCH)));
  }

  // ------------------------------------------------------------------ translation

  /** Whether (lo,hi) is canonical for the current paging depth (SDM 3.3.7.1). */
  isCanonical(hi: number): boolean {
    const top = this.mode.la57 ? hi >> 24 : hi >> 15;
    return top === 0 || top === -1;
  }

  /**
   * Translates a linear address for an access: TLB, else a walk that fills the TLB; raises #GP/#SS for
   * non-canonical addresses and #PF for faults. Returns the physical address.
   */
  translate(lo: number, hi: number, access: number): number {
    const c = this.counters;
    c.slowTranslations++;
    this.xFrame = null;
    this.xHost = -1;
    const s = this.s;
    const cr4 = s.cr4;
    // canonical (SDM 3.3.7.1): bits 63:47 (63:56 with LA57) all equal
    const top = (cr4 & CR4_LA57) !== 0 ? hi >> 24 : hi >> 15;
    if (top !== 0 && top !== -1) {
      c.faults++;
      throw new CpuFault((access & ACC_STACK) !== 0 ? VEC_SS : VEC_GP, 0);
    }
    if ((s.cr0 & CR0_PG) === 0) return (hi >>> 0) * TWO32 + (lo >>> 0);
    const vpn4k = (hi & 0x1ffffff) * TWO20 + (lo >>> 12);
    const pcid = (cr4 & CR4_PCIDE) !== 0 ? s.cr3Lo & 0xfff : 0;
    const slot = this.store.lookup(vpn4k, pcid);
    if (slot >= 0) {
      const slab = this.slab;
      const info = slab.info(slot);
      if (rightsFault(this.mode, (info >> INFO_PERM_SHIFT) & 7, access) === 0 &&
        ((access & ACC_WRITE) === 0 || (info & INFO_DIRTY) !== 0)) {
        c.tlbHits++;
        if (this.tlbEvents && this.hooks!.tlbHit !== undefined) this.hooks!.tlbHit(this.s.index, slab.object(slot), lo, hi, access);
        const level = info & INFO_LEVEL;
        const inner = level === 0 ? 0 : level === 1 ? (lo & 0x1ff000) >>> 0 : (lo & 0x3ffff000) >>> 0;
        const page = slab.pageBase(slot) + inner;
        const h = level === 0 ? slab.hostPage(slot) : -1;
        let f: Frame | null = h >= 0 ? this.mem.byHost[h] : null;
        if (f === null) {
          f = this.frameOf(page * INV_PAGE, access);
          if (level === 0 && f !== null) slab.setHostPage(slot, f.hostPage); // a 4 KiB entry has one frame
        }
        if (f !== null) this.fillFrontEnd(f, slot, info, lo, hi, access);
        return page + (lo & 0xfff);
      }
      // A write through an entry whose D flag was clear walks again to set D (SDM 4.8). An access the
      // cached rights deny walks again too (the tables may have gained rights; 4.10.4.3 allows either a
      // fault or a re-walk, and QEMU/Unicorn re-walk); if that walk faults, the #PF invalidation below
      // drops whatever else is cached for the page.
      c.rewalks++;
      this.store.remove(slot);
      this.dropFromFrontEnd(slot);
      slab.release(slot);
    }
    c.misses++;
    const p = this.refillFromPdeCache(lo, hi, vpn4k, pcid, access);
    return p >= 0 ? p : this.walkAndFill(lo, hi, vpn4k, pcid, access);
  }

  /**
   * The usual miss, without the walker's general machinery: the PDE cache (SDM 4.10.3) covers the
   * address and knows its page table's words, and the PTE there is present, has no reserved bit set,
   * already has A (and D, for a write) set and allows the access — the walk then writes nothing to
   * memory and its only product is the TLB entry. Fills that entry (not the front-end: fillFrontEnd)
   * and returns the physical address; returns -1 having done nothing otherwise (walkAndFill then walks,
   * faults included), and always while someone listens to fills.
   */
  private refillFromPdeCache(lo: number, hi: number, vpn4k: number, pcid: number, access: number): number {
    if (!this.quickRefill) return -1;
    const e = this.psc.lookupTag(2, pscTag(2, lo, hi), pcid);
    if (e === null) return -1;
    const w = e.words;
    if (w === null) return -1;
    const index = (lo >>> 12) & 511;
    const eLo = w[index * 2], eHi = w[index * 2 + 1];
    const s = this.s;
    const want = PTE_P | PTE_A | ((access & ACC_WRITE) !== 0 ? PTE_D : 0);
    if ((eLo & want) !== want || (eHi & this.rsvdHi) !== 0) return -1;
    let perm = e.perm;
    if ((eLo & PTE_RW) === 0) perm &= ~PERM_W;
    if ((eLo & PTE_US) === 0) perm &= ~PERM_U;
    if ((eHi & PTE_XD_HI) !== 0) perm &= ~PERM_X;
    // a supervisor data read of a supervisor page is always allowed (SDM 4.6.1: SMAP concerns user
    // pages, and a read needs neither R/W nor XD): the usual kernel case skips the general check
    if ((access !== 0 || (perm & PERM_U) !== 0) && rightsFault(this.mode, perm, access) !== 0) return -1;
    const c = this.counters;
    c.walks++;
    c.pscHits[0]++;
    const base = (eHi & 0xfffff) * TWO32 + ((eLo & 0xfffff000) >>> 0);
    const global = (eLo & PTE_G) !== 0 && (s.cr4 & CR4_PGE) !== 0;
    // what walkAndFill does after its walk, written out for a 4 KiB entry (TlbSlab.write's words): this
    // is the usual miss, and V8 does not inline a call with this many number arguments — passing them
    // costs more than the fill (measured: ~150 host instructions per miss)
    const slab = this.slab;
    const slot = slab.alloc();
    const f64 = slab.f64, i32 = slab.i32, fw = slot * 8, iw = slot * 16;
    const info = (perm << INFO_PERM_SHIFT) | ((eLo & PTE_D) !== 0 ? INFO_DIRTY : 0) | (global ? INFO_GLOBAL : 0) | INFO_LIVE;
    f64[fw + F_VPN] = vpn4k;
    f64[fw + F_BASE] = base;
    f64[fw + F_LEAF] = e.table + index * 8;
    f64[fw + F_TIME] = s.instructions;
    i32[iw + I_LEAFLO] = eLo;
    i32[iw + I_LEAFHI] = eHi;
    i32[iw + I_INFO] = info;
    i32[iw + I_PCID] = pcid;
    i32[iw + I_RIPLO] = s.insnRipLo ?? s.ripLo;
    i32[iw + I_RIPHI] = s.insnRipHi ?? s.ripHi;
    // the frame by its host page: the page number is all the read after this needs (xHost)
    const mem = this.mem;
    let h = mem.hostPage(base * INV_PAGE);
    if (h < 0 && (access & ACC_WRITE) !== 0) {
      const f = mem.frameForWrite(base * INV_PAGE);
      if (f !== null) h = f.hostPage;
    }
    i32[iw + I_HOST] = h;
    this.xHost = h;
    const displaced = this.store.insert(slot, vpn4k, 0, global, pcid);
    c.fills++;
    if (displaced >= 0) this.displaced(displaced, slot);
    return base + (lo & 0xfff);
  }

  private walkAndFill(lo: number, hi: number, vpn4k: number, pcid: number, access: number): number {
    const r = this.wr;
    const c = this.counters;
    c.walks++;
    this.walker.walk(lo, hi, access, true, r);
    if (r.pscLevel !== 0) c.pscHits[r.pscLevel - 2]++;
    if (r.fault !== 0) this.walkFaulted(lo, hi, vpn4k, pcid);
    const level = r.leafLevel;
    // the page number at the entry's own size: linear bits 56:12, 56:21 or 56:30
    const vpn = level === 0 ? vpn4k : pscTag(level + 1, lo, hi);
    const slab = this.slab;
    const s = this.s;
    const slot = slab.alloc();
    slab.write(slot, vpn, level, r.pageBase, r.perm, r.dirty, r.global, pcid, r.leafPaddr, r.leafLo, r.leafHi,
      s.instructions, s.insnRipLo ?? s.ripLo, s.insnRipHi ?? s.ripHi);
    const displaced = this.store.insert(slot, vpn, level, r.global, pcid);
    c.fills++;
    if (displaced >= 0) this.displaced(displaced, slot);
    if (this.tlbEvents && this.hooks!.tlbFill !== undefined) this.hooks!.tlbFill(this.s.index, this.slab.object(slot), access);
    const page = r.paddrPage;
    // the host frame of the accessed 4 KiB page, for the access itself; the front-end waits for the
    // entry's first hit (fillFrontEnd)
    const f = this.frameOf(page * INV_PAGE, access);
    this.xFrame = f;
    if (level === 0 && f !== null) slab.setHostPage(slot, f.hostPage); // a 4 KiB entry has one frame
    return page + (lo & 0xfff);
  }

  /** A walk faulted: the #PF invalidation, the fault hook, then the #PF itself. */
  private walkFaulted(lo: number, hi: number, vpn4k: number, pcid: number): never {
    const r = this.wr;
    this.counters.faults++;
    this.invalidateOnFault(vpn4k, pcid);
    if (this.hooks !== null && this.hooks.fault !== undefined) {
      this.hooks.fault({ cpu: this.s.index, vector: VEC_PF, errorCode: r.errorCode, addrLo: lo, addrHi: hi,
        ripLo: this.ripLo(), ripHi: this.ripHi() });
    }
    throw new CpuFault(VEC_PF, r.errorCode, lo, hi);
  }

  /** A fill displaced TLB slot `old`: the same page and tag is a replacement (a re-walk), anything else
   *  an eviction from a full set. */
  private displaced(old: number, slot: number): void {
    const slab = this.slab;
    const same = slab.vpn(old) === slab.vpn(slot) && slab.level(old) === slab.level(slot) &&
      slab.isGlobal(old) === slab.isGlobal(slot) && (slab.isGlobal(slot) || slab.pcid(old) === slab.pcid(slot));
    if (!same) this.counters.evictions++;
    this.dropFromFrontEnd(old);
    slab.release(old);
  }

  /**
   * A page fault invalidates the TLB entries for the faulting page in the current PCID (and the global
   * one) and the paging-structure-cache entries that would be used for the address (SDM 4.10.4.1), so
   * the handler's retry walks the tables afresh.
   */
  private invalidateOnFault(vpn4k: number, pcid: number): void {
    this.beginFlush(false);
    this.store.dropPage(vpn4k, pcid, true, true, this.dropSink());
    this.endFlush(FLUSH_PAGE_FAULT, this.psc.dropAddress(vpn4k, pcid));
  }

  /** RIP of the instruction being executed (the CPU's insnRip when it has one). */
  private ripLo(): number { return this.s.insnRipLo ?? this.s.ripLo; }
  private ripHi(): number { return this.s.insnRipHi ?? this.s.ripHi; }

  /** The host frame of the page the last translate() produced, when it is allocated (else null). */
  private accessFrame(): Frame | null {
    const h = this.xHost;
    return h >= 0 ? this.mem.byHost[h] : this.xFrame;
  }

  /** The host frame of physical page `pfn` for an access (allocated for a write), or null. */
  private frameOf(pfn: number, access: number): Frame | null {
    // (frameForWrite looks the frame up the same way: calling it only when that finds none keeps the
    // allocation out of the hot code)
    const f = this.mem.peekFrame(pfn);
    return f === null && (access & ACC_WRITE) !== 0 ? this.mem.frameForWrite(pfn) : f;
  }

  /**
   * Makes `f` the host frame of this access (xFrame) and fills the front-end from TLB slot `slot`.
   * Only a TLB hit does this, never the fill: a page enters the front-end on its second translation
   * since the fill. A streaming access (each page touched once between flushes, as after every MOV CR3
   * of a page-walk loop) then pays no front-end fill it would never use — 10 % of a walk, ~170 host
   * instructions (cachegrind) — and a page used more pays one TLB lookup more per fill.
   */
  private fillFrontEnd(f: Frame, slot: number, info: number, lo: number, hi: number, access: number): void {
    this.xFrame = f;
    if (this.frontEndOff || (access & ACC_IMPLICIT) !== 0) return;
    const k = (lo >>> 12) & FE_MASK;
    const tag = hi * TWO20 + (lo >>> 12);
    const fe = this.fe;
    // the slot first: comparing with the frame left there would load that (long unused) object
    if (fe.slot[k] !== slot || fe.frame[k] !== f) fe.take(k, f, slot);
    // a slot's tags all name the same page (same TLB entry and frame); rights depend only on the access
    // kind, because everything else that decides them clears the front-end when it changes
    if ((access & ACC_FETCH) !== 0) this.tagX[k] = tag;
    else {
      this.tagR[k] = tag;
      if ((access & ACC_WRITE) !== 0 && (info & INFO_DIRTY) !== 0 && ((info >> INFO_PERM_SHIFT) & PERM_W) !== 0) this.tagW[k] = tag;
    }
  }

  // ------------------------------------------------------------------ debug translation

  /**
   * Side-effect-free walk of the *current* page tables in memory (no A/D writes, no TLB or
   * paging-structure-cache use or fill, no rights check). Returns the physical address, or -1 when the
   * address is non-canonical or not mapped.
   */
  debugTranslate(lo: number, hi: number, out?: WalkResult): number {
    if (!this.isCanonical(hi)) return -1;
    if (!this.mode.paging) return (hi >>> 0) * TWO32 + (lo >>> 0);
    const r = out ?? this.dbg;
    this.walker.walk(lo, hi, 0, false, r);
    if (r.fault !== 0) return -1;
    return r.paddrPage + (lo & 0xfff);
  }

  // ------------------------------------------------------------------ flushes (SDM 4.10.4.1)

  private beginFlush(wholeFrontEnd: boolean): void {
    this.fReleased0 = this.slab.released;
    this.fReleasedGlobal0 = this.slab.releasedGlobal;
    const h = this.hooks;
    this.fCollected = h !== null && h.tlbFlush !== undefined && h.wantDroppedEntries ? [] : null;
    this.fWholeFrontEnd = wholeFrontEnd;
  }

  /** What the store calls for each slot a flush unlinks: nothing (it releases them itself) unless the
   *  entries are collected for a hook or front-end slots must be forgotten one by one. */
  private dropSink(): ((slot: number) => void) | null {
    return this.fCollected === null && this.fWholeFrontEnd ? null : this.onDrop;
  }

  /** A slot unlinked by a flush: report it, forget it (the release counts it). */
  private dropped(slot: number): void {
    const slab = this.slab;
    if (this.fCollected !== null) this.fCollected.push(slab.object(slot));
    if (!this.fWholeFrontEnd) this.dropFromFrontEnd(slot);
    slab.release(slot);
  }

  /** Counts and reports a flush. A page fault's invalidation is only counted: listeners (the flush
   *  trap) treat tlbFlush events as flushes software asked for. */
  private endFlush(kind: number, pscDropped: number): void {
    this.fDropped = this.slab.released - this.fReleased0;
    this.fDroppedGlobal = this.slab.releasedGlobal - this.fReleasedGlobal0;
    const c = this.counters;
    c.flushes[kind]++;
    c.dropped[kind] += this.fDropped;
    c.droppedGlobal[kind] += this.fDroppedGlobal;
    c.pscDropped[kind] += pscDropped;
    if (this.fWholeFrontEnd) this.clearFrontEnd();
    const h = this.hooks;
    if (h !== null && h.tlbFlush !== undefined && kind !== FLUSH_PAGE_FAULT) {
      h.tlbFlush({
        cpu: this.s.index, kind, ripLo: this.ripLo(), ripHi: this.ripHi(), time: this.s.instructions,
        dropped: this.fDropped, droppedGlobal: this.fDroppedGlobal, pscDropped, entries: this.fCollected,
      });
    }
    this.fCollected = null;
  }

  private pscDrop(scope: number, pcid: number): number {
    return scope === PSC_ALL ? this.psc.dropAll() : scope === PSC_PCID ? this.psc.dropPcid(pcid) : 0;
  }

  /**
   * MOV to CR3 (called after CR3 holds the new value; `noFlush` is bit 63 of the source). PCIDE=0: all
   * non-global entries and the paging-structure caches of PCID 0. PCIDE=1: those of the new PCID, or
   * nothing when bit 63 was set.
   */
  onMovCr3(noFlush: boolean): void {
    const pcid = this.mode.pcid;
    this.beginFlush(true);
    if (this.mode.pcide && noFlush) { this.endFlush(FLUSH_MOV_CR3, 0); return; }
    this.store.dropPcid(pcid, false, this.dropSink());
    this.endFlush(FLUSH_MOV_CR3, this.pscDrop(PSC_PCID, pcid));
  }

  /**
   * MOV to CR4 (old and new values): a PGE change or PCIDE 1→0 drops everything, globals and all PCIDs
   * included; a PAE change or SMEP 0→1 drops the entries associated with the current PCID (global ones
   * filled under another PCID are not); anything else only changes rights.
   */
  onMovCr4(oldCr4: number, newCr4: number): void {
    const changed = oldCr4 ^ newCr4;
    if ((changed & CR4_PGE) !== 0 || ((oldCr4 & CR4_PCIDE) !== 0 && (newCr4 & CR4_PCIDE) === 0)) {
      this.beginFlush(true);
      this.store.dropAll(false, this.dropSink());
      this.endFlush(FLUSH_MOV_CR4, this.pscDrop(PSC_ALL, 0));
    } else if ((changed & CR4_PAE) !== 0 || ((newCr4 & CR4_SMEP) !== 0 && (oldCr4 & CR4_SMEP) === 0)) {
      const pcid = (oldCr4 & CR4_PCIDE) !== 0 ? this.s.cr3Lo & 0xfff : 0;
      this.beginFlush(true);
      this.store.dropPcid(pcid, true, this.dropSink());
      this.endFlush(FLUSH_MOV_CR4, this.pscDrop(PSC_PCID, pcid));
    } else {
      this.modeChanged();
    }
  }

  /** MOV to CR0: clearing PG drops everything; other changes (WP) only affect rights checks. */
  onMovCr0(oldCr0: number, newCr0: number): void {
    if ((oldCr0 & CR0_PG) !== 0 && (newCr0 & CR0_PG) === 0) {
      this.beginFlush(true);
      this.store.dropAll(false, this.dropSink());
      this.endFlush(FLUSH_MOV_CR0, this.pscDrop(PSC_ALL, 0));
    } else {
      this.modeChanged();
    }
  }

  /**
   * INVLPG: the page's entries in the current PCID and its global entry, whatever their page size, and
   * every paging-structure-cache entry of the current PCID whatever its address. A non-canonical
   * operand makes it a no-op (SDM INVLPG).
   */
  invlpg(lo: number, hi: number): void {
    this.beginFlush(false);
    if (!this.isCanonical(hi)) { this.endFlush(FLUSH_INVLPG, 0); return; }
    const vpn4k = (hi & 0x1ffffff) * TWO20 + (lo >>> 12);
    const pcid = this.mode.pcid;
    this.store.dropPage(vpn4k, pcid, true, true, this.dropSink());
    this.endFlush(FLUSH_INVLPG, this.pscDrop(PSC_PCID, pcid));
  }

  /**
   * INVPCID type 0..3 (the caller has checked the #GP conditions). Types 0 and 1 drop the given PCID's
   * paging-structure caches whatever the address, types 2 and 3 all of them.
   */
  invpcid(type: number, pcid: number, lo: number, hi: number): void {
    switch (type) {
      case 0: {
        const vpn4k = (hi & 0x1ffffff) * TWO20 + (lo >>> 12);
        this.beginFlush(false);
        this.store.dropPage(vpn4k, pcid, true, false, this.dropSink());
        this.endFlush(FLUSH_INVPCID_ADDR, this.pscDrop(PSC_PCID, pcid));
        break;
      }
      case 1:
        this.beginFlush(false);
        this.store.dropPcid(pcid, false, this.dropSink());
        this.endFlush(FLUSH_INVPCID_CONTEXT, this.pscDrop(PSC_PCID, pcid));
        break;
      case 2:
        this.beginFlush(true);
        this.store.dropAll(false, this.dropSink());
        this.endFlush(FLUSH_INVPCID_ALL, this.pscDrop(PSC_ALL, 0));
        break;
      default:
        this.beginFlush(true);
        this.store.dropAll(true, this.dropSink());
        this.endFlush(FLUSH_INVPCID_NONGLOBAL, this.pscDrop(PSC_ALL, 0));
        break;
    }
  }

  /** All TLB entries (reports and the oracle): the same object for an entry until it is dropped. */
  entries(): TlbEntry[] {
    return this.store.slots().map((slot) => this.slab.object(slot));
  }
}
