// The CR3-driven page walker: 4-level and 5-level paging with 1 GiB, 2 MiB and 4 KiB leaves.
// SDM vol. 3A 4.5 (structure), 4.6 (access rights), 4.7 (#PF error code), 4.8 (accessed/dirty flags),
// 4.10.3 (paging-structure caches: a walk may start below the root).
// The walker allocates nothing per walk: results go into a reused WalkResult.
import { PhysicalMemory } from '../memory/physical.js';
import { PagingMode } from './paging-mode.js';
import { PagingStructureCache, PscEntry, pscTag } from './psc.js';
import { CR4_LA57, CR4_PCIDE, CR4_PGE, EFER_NXE } from '../cpu/state.js';
import {
  ACC_WRITE, ACC_FETCH, ACC_USER, ACC_IMPLICIT,
  PFEC_P, PFEC_W, PFEC_U, PFEC_RSVD, PFEC_I, PERM_W, PERM_U, PERM_X,
} from './access.js';

const TWO32 = 4294967296;
const FRAME_CACHE = 64;
// Paging entries are read as host Int32Array words; guest memory is little-endian.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('tlbemu needs a little-endian host');

// Entry bits in the low word.
export const PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_PWT = 8, PTE_PCD = 16, PTE_A = 32, PTE_D = 64,
  PTE_PS = 128, PTE_G = 256;
/** XD (bit 63) in the high word. */
export const PTE_XD_HI = 0x80000000 | 0;

/** Leaf size levels: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB. */
export const LEAF_4K = 0, LEAF_2M = 1, LEAF_1G = 2;

/** Set in WalkResult.fault for every fault: a not-present fault on a supervisor read has error code 0. */
export const WALK_FAULTED = 0x40000000;

export class WalkResult {
  /** 0 on success, else WALK_FAULTED | the #PF error code (see errorCode). */
  fault = 0;
  /** The #PF error code of a fault (P bit tells protection vs not-present); 0 on success. */
  errorCode = 0;
  /** Physical address of the 4 KiB frame that holds the accessed byte (page base), on success. */
  paddrPage = 0;
  /** Leaf level (LEAF_4K / LEAF_2M / LEAF_1G) and physical base of the whole page. */
  leafLevel = 0;
  pageBase = 0;
  /** Combined rights over all levels (PERM_* bits). */
  perm = 0;
  /** Leaf's D bit after the walk, G bit, and the leaf entry's words and physical address. */
  dirty = false;
  global = false;
  leafLo = 0;
  leafHi = 0;
  leafPaddr = 0;
  /**
   * Physical addresses of the entries used, top first (index = levels - level); -1 for levels skipped
   * through a paging-structure-cache hit.
   */
  readonly entryPaddr = new Float64Array(5);
  /** Paging level of the entry at which the walk stopped (5..1 = PML5E..PTE), for reports. */
  depth = 0;
  /** Level (2..5) of the paging-structure-cache entry the walk started from, 0 = from CR3. */
  pscLevel = 0;
}

/**
 * Checks the rights (SDM 4.6.1) of a translation whose combined rights are `perm` for an access; returns
 * 0 when allowed, else the #PF error code (with P set: a protection violation).
 */
export function rightsFault(mode: PagingMode, perm: number, access: number): number {
  const write = (access & ACC_WRITE) !== 0;
  const fetch = (access & ACC_FETCH) !== 0;
  const userAccess = (access & (ACC_USER | ACC_IMPLICIT)) === ACC_USER;
  const userPage = (perm & PERM_U) !== 0;
  // XD counts only while EFER.NXE=1 (a TLB entry filled under NXE=1 may outlive a clear of NXE)
  const noExec = (perm & PERM_X) === 0 && mode.nxe;
  let bad = false;
  if (userAccess) {
    if (!userPage) bad = true;
    else if (write && (perm & PERM_W) === 0) bad = true;
    else if (fetch && noExec) bad = true;
  } else if (fetch) {
    if (noExec) bad = true;
    else if (userPage && mode.smep) bad = true;
  } else {
    // SMAP: implicit supervisor accesses to user pages always fault; explicit ones unless AC=1
    if (userPage && mode.smap && ((access & ACC_IMPLICIT) !== 0 || !mode.ac)) bad = true;
    else if (write && (perm & PERM_W) === 0 && mode.wp) bad = true;
  }
  if (!bad) return 0;
  return PFEC_P | errorBits(mode, access);
}

/** The W/R, U/S and I/D bits of a #PF error code for an access (SDM 4.7). */
export function errorBits(mode: PagingMode, access: number): number {
  let e = 0;
  if (access & ACC_WRITE) e |= PFEC_W;
  if ((access & (ACC_USER | ACC_IMPLICIT)) === ACC_USER) e |= PFEC_U;
  if ((access & ACC_FETCH) !== 0 && (mode.nxe || mode.smep)) e |= PFEC_I;
  return e;
}

/**
 * The bits of a paging entry's high word that are reserved in every present entry (SDM 4.5.4, tables
 * 4-15..4-20): address bits 51:MAXPHYADDR, and XD (bit 63) while EFER.NXE=0. Bits 62:52 are ignored
 * (62:59 are a protection key only with CR4.PKE).
 */
export function reservedHighBits(mode: PagingMode): number {
  const maxPhys = mode.maxPhysAddr;
  return (maxPhys >= 52 ? 0 : 0xfffff & ~((1 << (maxPhys - 32)) - 1)) | ((mode.s.efer & EFER_NXE) !== 0 ? 0 : PTE_XD_HI);
}

export class PageWalker {
  // A small direct-mapped cache of the page-table frames as 32-bit words (PhysicalMemory remembers only
  // the last frame, and a walk touches one per level). Frames are never freed, so entries stay right.
  private readonly fcPfn = new Float64Array(FRAME_CACHE).fill(-1);
  private readonly fcWords: (Int32Array | null)[] = new Array<Int32Array | null>(FRAME_CACHE).fill(null);

  constructor(readonly mem: PhysicalMemory, readonly mode: PagingMode, readonly psc: PagingStructureCache) {}

  /** The words of page-table frame `pfn`, or null when it was never written (reads as 0 or all-ones). */
  private tableWords(pfn: number): Int32Array | null {
    const k = pfn & (FRAME_CACHE - 1);
    if (this.fcPfn[k] === pfn) return this.fcWords[k];
    const f = this.mem.peekFrame(pfn);
    if (f === null) return null;
    const w = new Int32Array(f.bytes.buffer, f.bytes.byteOffset, 1024);
    this.fcPfn[k] = pfn;
    this.fcWords[k] = w;
    return w;
  }

  /**
   * Walks the tables for the linear address (lo, hi). With `sideEffects` (a real access), starts from the
   * deepest paging-structure-cache entry for the address, fills those caches with the non-leaf entries it
   * reads, sets accessed flags on the entries it reads and, for a successful access, on the leaf (plus
   * the dirty flag for a write), as the processor does (SDM 4.8), and checks rights. Without, it only
   * reads memory (the debug translation): no caches, no rights check, no writes.
   */
  walk(lo: number, hi: number, access: number, sideEffects: boolean, r: WalkResult): void {
    if (sideEffects && this.psc.enabled && this.walkCached(lo, hi, access, r)) return;
    this.walkFull(lo, hi, access, sideEffects, r);
  }

  /**
   * The usual miss: a paging-structure-cache entry at the PDE, PDPTE or PML4E level covers the address
   * and its table's words are known. Reads the next entry as walkFull would and, if it is a present leaf
   * (a PTE, or a 2 MiB / 1 GiB page) without reserved bits that allows the access, completes the walk
   * (A/D flags, result) and returns true. Otherwise returns false having written nothing: walkFull then
   * walks, faults included.
   */
  private walkCached(lo: number, hi: number, access: number, r: WalkResult): boolean {
    const mode = this.mode;
    const st = mode.s;
    const cr4 = st.cr4;
    const psc = this.psc;
    const pcid = (cr4 & CR4_PCIDE) !== 0 ? st.cr3Lo & 0xfff : 0;
    // the deepest entry, searched as walkFull does (4.10.3.2); walks from a PML5E entry are left to it
    let level = 2; // of the paging-structure-cache entry
    let e = psc.lookupTag(2, pscTag(2, lo, hi), pcid);
    if (e === null) {
      level = 3;
      e = psc.lookupTag(3, pscTag(3, lo, hi), pcid);
      if (e === null) {
        level = 4;
        e = psc.lookupTag(4, pscTag(4, lo, hi), pcid);
        if (e === null) return false;
      }
    }
    const w = e.words;
    if (w === null) return false;
    const at = level - 1; // paging level of the entry read: 1 = PTE, 2 = PDE, 3 = PDPTE
    // index bits: PT 20:12, PD 29:21, PDPT 38:30
    const index = at === 1 ? (lo >>> 12) & 511 : at === 2 ? (lo >>> 21) & 511 : ((lo >>> 30) | (hi << 2)) & 511;
    const eLo = w[index * 2], eHi = w[index * 2 + 1];
    const rsvdHi = reservedHighBits(mode);
    if ((eLo & PTE_P) === 0 || (eHi & rsvdHi) !== 0) return false;
    // a PDE or PDPTE must be a leaf (PS=1) without reserved address bits (20:13 or 29:13), 1 GiB pages
    // only with CPUID.80000001H:EDX.Page1GB
    if (at === 2 && ((eLo & PTE_PS) === 0 || (eLo & 0x1fe000) !== 0)) return false;
    if (at === 3 && ((eLo & PTE_PS) === 0 || !mode.gbPages || (eLo & 0x3fffe000) !== 0)) return false;
    let p = e.perm;
    if ((eLo & PTE_RW) === 0) p &= ~PERM_W;
    if ((eLo & PTE_US) === 0) p &= ~PERM_U;
    if ((eHi & PTE_XD_HI) !== 0) p &= ~PERM_X;
    if (rightsFault(mode, p, access) !== 0) return false;
    const ea = e.table + index * 8;
    const want = PTE_A | ((access & ACC_WRITE) !== 0 ? PTE_D : 0);
    if ((eLo & want) !== want) this.mem.write32(ea, eLo | want);
    // the levels from the top down to the cached entry's: -1
    const levels = (cr4 & CR4_LA57) !== 0 ? 5 : 4;
    const ep = r.entryPaddr;
    const top = levels - at;
    for (let k = 0; k < top; k++) ep[k] = -1;
    ep[top] = ea;
    r.fault = 0;
    r.errorCode = 0;
    r.depth = at;
    r.pscLevel = level;
    r.dirty = ((eLo | want) & PTE_D) !== 0;
    const leafLevel = at - 1; // 0 = 4K, 1 = 2M, 2 = 1G
    const base = (eHi & 0xfffff) * TWO32 +
      ((eLo & (leafLevel === 0 ? 0xfffff000 : leafLevel === 1 ? 0xffe00000 : 0xc0000000)) >>> 0);
    r.leafLevel = leafLevel;
    r.pageBase = base;
    // offset of the 4 KiB page inside a large page: linear bits 20:12 (2M) or 29:12 (1G)
    r.paddrPage = leafLevel === 0 ? base : base + (leafLevel === 1 ? (lo & 0x1ff000) >>> 0 : (lo & 0x3ffff000) >>> 0);
    r.perm = p;
    r.global = (eLo & PTE_G) !== 0 && (cr4 & CR4_PGE) !== 0;
    r.leafLo = eLo;
    r.leafHi = eHi;
    r.leafPaddr = ea;
    return true;
  }

  /** The general walk (see walk). */
  private walkFull(lo: number, hi: number, access: number, sideEffects: boolean, r: WalkResult): void {
    const mode = this.mode;
    const mem = this.mem;
    const st = mode.s;
    const cr4 = st.cr4;
    const levels = (cr4 & CR4_LA57) !== 0 ? 5 : 4;
    const rsvdHi = reservedHighBits(mode);
    const psc = this.psc;
    const usePsc = sideEffects && psc.enabled;
    const pcid = usePsc && (cr4 & CR4_PCIDE) !== 0 ? st.cr3Lo & 0xfff : 0;
    let table = 0;
    let perm = PERM_W | PERM_U | PERM_X;
    let level = levels;
    // the words of `table` when already known (a paging-structure-cache entry remembers them)
    let known: Int32Array | null = null;
    // the paging-structure-cache entry pointing at `table` (the one the walk started from, or filled)
    let hit: PscEntry | null = null;
    r.fault = 0;
    r.errorCode = 0;
    r.pscLevel = 0;
    if (usePsc && psc.size() !== 0) {
      // 4.10.3.2: use the PDE cache if it has an entry, else the PDPTE cache, and so on up
      for (let l = 2; l <= levels; l++) {
        hit = psc.lookupTag(l, pscTag(l, lo, hi), pcid);
        if (hit !== null) {
          table = hit.table;
          perm = hit.perm;
          known = hit.words;
          for (let k = levels; k >= l; k--) r.entryPaddr[levels - k] = -1;
          level = l - 1;
          r.pscLevel = l;
          break;
        }
      }
    }
    if (hit === null) table = mode.rootTable;
    for (; level >= 1; level--) {
      // index bits: PML5 56:48, PML4 47:39, PDPT 38:30, PD 29:21, PT 20:12
      const shift = 12 + 9 * (level - 1);
      const index = shift >= 32 ? (hi >>> (shift - 32)) & 511 : shift + 9 > 32
        ? ((lo >>> shift) | (hi << (32 - shift))) & 511 : (lo >>> shift) & 511;
      const ea = table + index * 8;
      r.entryPaddr[levels - level] = ea;
      r.depth = level;
      const pfn = table * (1 / 4096); // tables are 4 KiB aligned: exact
      let w = known;
      if (w === null) {
        w = this.tableWords(pfn);
        if (hit !== null && level === hit.level - 1) hit.words = w;
      }
      known = null;
      let eLo: number, eHi: number;
      if (w !== null) {
        eLo = w[index * 2]; // little-endian words (checked at load)
        eHi = w[index * 2 + 1];
      } else {
        eLo = eHi = mem.isBacked(pfn) ? 0 : -1; // untouched RAM reads 0, unbacked all-ones
      }
      if ((eLo & PTE_P) === 0) {
        r.errorCode = errorBits(mode, access);
        r.fault = WALK_FAULTED | r.errorCode;
        return;
      }
      const ps = (eLo & PTE_PS) !== 0;
      let rsvd = (eHi & rsvdHi) !== 0;
      let leaf = false;
      if (level >= 4) {
        if (ps) rsvd = true; // PS is reserved in PML5E/PML4E
      } else if (level === 3) {
        if (ps) {
          if (!mode.gbPages) rsvd = true; // PS reserved without CPUID.80000001H:EDX.Page1GB
          else if ((eLo & 0x3fffe000) !== 0) rsvd = true; // address bits 29:13 of a 1 GiB leaf
          leaf = true;
        }
      } else if (level === 2) {
        if (ps) {
          if ((eLo & 0x1fe000) !== 0) rsvd = true; // address bits 20:13 of a 2 MiB leaf
          leaf = true;
        }
      } else {
        leaf = true;
      }
      if (rsvd) {
        r.errorCode = PFEC_P | PFEC_RSVD | errorBits(mode, access);
        r.fault = WALK_FAULTED | r.errorCode;
        return;
      }
      if ((eLo & PTE_RW) === 0) perm &= ~PERM_W;
      if ((eLo & PTE_US) === 0) perm &= ~PERM_U;
      if ((eHi & PTE_XD_HI) !== 0) perm &= ~PERM_X; // only reachable with NXE=1 (else reserved)
      if (!leaf) {
        // 4.8: the accessed flag of a paging-structure entry is set when the processor uses it
        if (sideEffects && (eLo & PTE_A) === 0) mem.write32(ea, eLo | PTE_A);
        // address bits above MAXPHYADDR are zero here (else reserved, above)
        table = (eHi & 0xfffff) * TWO32 + ((eLo & 0xfffff000) >>> 0);
        // the new entry learns the words of its table when the next level reads them
        if (usePsc) hit = psc.insertTag(level, pscTag(level, lo, hi), pcid, table, perm, ea);
        continue;
      }
      // leaf
      if (sideEffects) {
        const rf = rightsFault(mode, perm, access);
        if (rf !== 0) { r.errorCode = rf; r.fault = WALK_FAULTED | rf; return; }
        const want = PTE_A | ((access & ACC_WRITE) !== 0 ? PTE_D : 0);
        if ((eLo & want) !== want) mem.write32(ea, eLo | want);
        r.dirty = ((eLo | want) & PTE_D) !== 0;
      } else {
        r.dirty = (eLo & PTE_D) !== 0;
      }
      const leafLevel = level - 1; // 0 = 4K, 1 = 2M, 2 = 1G
      const frameMask = leafLevel === 0 ? 0xfffff000 : leafLevel === 1 ? 0xffe00000 : 0xc0000000;
      const base = (eHi & 0xfffff) * TWO32 + ((eLo & frameMask) >>> 0);
      r.leafLevel = leafLevel;
      r.pageBase = base;
      // offset of the 4 KiB page inside a large page: linear bits 20:12 (2M) or 29:12 (1G)
      const inner = leafLevel === 0 ? 0 : leafLevel === 1 ? (lo & 0x1ff000) >>> 0 : (lo & 0x3ffff000) >>> 0;
      r.paddrPage = base + inner;
      r.perm = perm;
      r.global = (eLo & PTE_G) !== 0 && mode.pge;
      r.leafLo = eLo;
      r.leafHi = eHi;
      r.leafPaddr = ea;
      return;
    }
  }
}
