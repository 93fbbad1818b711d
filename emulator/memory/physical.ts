// Sparse physical memory: one 4 KiB frame is allocated on its first write; reads of untouched backed
// memory return zero; addresses outside every e820 range read as all-ones and drop writes (as on a PC).
import { E820Map } from './e820.js';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

// Frames below LOW_PFNS (256 GiB) sit in a two-level table (a directory of 1 MiB chunks, made on first
// use) of host page numbers: a lookup is two array loads instead of a Map probe. Frames above live in a
// Map. Small chunks keep the table's cost near the frames' own when a guest touches one frame in many
// megabytes (the guest kernel's hot-add writes a frame every 32 MiB: 16 MiB chunks cost 64 MiB of table
// at 64 GiB).
const CHUNK_SHIFT = 8;
const CHUNK_FRAMES = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_FRAMES - 1;
const LOW_PFNS = 2 ** 26;

// Frames are carved, in the order they are first written, from 2 MiB host slabs. Frame `h` (its host
// page number) is bytes ((h & 511) << 12) of slab h >> 9. The MMU's usual TLB miss reads the page
// through the slab's own Uint8Array at that offset: a handful of slab objects stay in the host's cache,
// where loading the frame object and its own Uint8Array costs two cache misses per page (a guest walking
// 16 MiB touches 4096 pages; cachegrind: 7.2 -> 4.3 L1 data misses per walk). An untouched part of a
// slab is never faulted in by the host, so resident memory still follows what the guest writes.
export const SLAB_SHIFT = 9;
const SLAB_PAGES = 1 << SLAB_SHIFT;
export const SLAB_PAGE_MASK = SLAB_PAGES - 1;

/** Frame.flags bits: a write to a frame with any flag set must take the slow path (notifyWrite). */
export const FRAME_HAS_CODE = 1;
export const FRAME_WATCHED = 2;

/** One allocated 4 KiB frame. */
export class Frame {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** FRAME_* bits; 0 for a plain data frame (the common, fast case). */
  flags = 0;
  /** Decoded-instruction cache for this frame (owned by the CPU); dropped on any write to the frame. */
  code: unknown[] | null = null;
  /** @param hostPage where its bytes live (PhysicalMemory.slabBytes) */
  constructor(readonly pfn: number, readonly hostPage: number, slab: ArrayBuffer) {
    const off = (hostPage & SLAB_PAGE_MASK) * PAGE_SIZE;
    this.bytes = new Uint8Array(slab, off, PAGE_SIZE);
    this.view = new DataView(slab, off, PAGE_SIZE);
  }
}

/** Listener for writes to watched frames (the stale-TLB oracle tracks page-table writes through it). */
export type PhysWriteListener = (paddr: number, size: number) => void;

export class PhysicalMemory {
  readonly map = new E820Map();
  /** Chunks of host page numbers (-1: none) of the frames below LOW_PFNS, null until one of their
   *  frames is allocated. */
  private readonly lowDir: (Int32Array | null)[] = new Array<Int32Array | null>(LOW_PFNS >> CHUNK_SHIFT).fill(null);
  /** Frames at or above LOW_PFNS. */
  private readonly highFrames = new Map<number, Frame>();
  /** Every frame, by host page number. */
  readonly byHost: Frame[] = [];
  /** The slabs' bytes and views, by slab number (host page >> SLAB_SHIFT). */
  readonly slabBytes: Uint8Array[] = [];
  readonly slabViews: DataView[] = [];
  /** Backed-ness cache per frame: 1 backed, 2 unbacked (0 unknown). Cleared when ranges change. */
  private backedCache = new Map<number, number>();
  /** Frames allocated so far (host cost follows what the guest touches). */
  allocatedFrames = 0;
  /** Called for every write to a frame flagged FRAME_WATCHED (before the bytes change). */
  onWatchedWrite: PhysWriteListener | null = null;

  /** Slow part of every write to a frame whose flags are non-zero: drop decoded code, tell watchers. */
  notifyWrite(f: Frame, paddr: number, size: number): void {
    if (f.code !== null) { f.code = null; f.flags &= ~FRAME_HAS_CODE; }
    if ((f.flags & FRAME_WATCHED) !== 0 && this.onWatchedWrite !== null) this.onWatchedWrite(paddr, size);
  }

  /** Marks a frame so that writes to it are reported to onWatchedWrite (allocates the frame). */
  watchFrame(pfn: number): void {
    const f = this.frameForWrite(pfn);
    if (f !== null) f.flags |= FRAME_WATCHED;
  }

  addRange(base: number, length: number, type: number): void {
    this.map.add(base, length, type);
    this.backedCache.clear();
  }

  /** True when the frame lies inside some e820 range (RAM, reserved, persistent...). */
  isBacked(pfn: number): boolean {
    const c = this.backedCache.get(pfn);
    if (c !== undefined) return c === 1;
    const backed = this.map.find(pfn * PAGE_SIZE) !== undefined;
    this.backedCache.set(pfn, backed ? 1 : 2);
    return backed;
  }

  /** The frame if it has been allocated, else null (never allocates). */
  peekFrame(pfn: number): Frame | null {
    const h = this.hostPage(pfn);
    return h >= 0 ? this.byHost[h] : null;
  }

  /** The host page number of the frame if it has been allocated, else -1 (never allocates). */
  hostPage(pfn: number): number {
    if ((pfn >>> 0) === pfn && pfn < LOW_PFNS) {
      const c = this.lowDir[pfn >>> CHUNK_SHIFT];
      return c === null ? -1 : c[pfn & CHUNK_MASK];
    }
    const f = this.highFrames.get(pfn);
    return f === undefined ? -1 : f.hostPage;
  }

  /** The frame for a write: allocated on first use; null when the frame is unbacked. */
  frameForWrite(pfn: number): Frame | null {
    const f = this.peekFrame(pfn);
    if (f !== null) return f;
    if (!this.isBacked(pfn)) return null;
    const h = this.byHost.length;
    if ((h & SLAB_PAGE_MASK) === 0) {
      const slab = new ArrayBuffer(SLAB_PAGES * PAGE_SIZE);
      this.slabBytes.push(new Uint8Array(slab));
      this.slabViews.push(new DataView(slab));
    }
    const nf = new Frame(pfn, h, this.slabBytes[h >>> SLAB_SHIFT].buffer as ArrayBuffer);
    this.byHost.push(nf);
    if ((pfn >>> 0) === pfn && pfn < LOW_PFNS) {
      let c = this.lowDir[pfn >>> CHUNK_SHIFT];
      if (c === null) c = this.lowDir[pfn >>> CHUNK_SHIFT] = new Int32Array(CHUNK_FRAMES).fill(-1);
      c[pfn & CHUNK_MASK] = h;
    } else {
      this.highFrames.set(pfn, nf);
    }
    this.allocatedFrames++;
    return nf;
  }

  // ---- byte-granular physical access (page walks, DMA-like host access, slow paths) ----

  read8(paddr: number): number {
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const f = this.peekFrame(pfn);
    if (f !== null) return f.bytes[paddr - pfn * PAGE_SIZE];
    return this.isBacked(pfn) ? 0 : 0xff;
  }

  write8(paddr: number, v: number): void {
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const f = this.frameForWrite(pfn);
    if (f === null) return;
    if (f.flags !== 0) this.notifyWrite(f, paddr, 1);
    f.bytes[paddr - pfn * PAGE_SIZE] = v;
  }

  /** Aligned-or-not 32-bit read as int32. */
  read32(paddr: number): number {
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const off = paddr - pfn * PAGE_SIZE;
    if (off <= PAGE_SIZE - 4) {
      const f = this.peekFrame(pfn);
      if (f !== null) return f.view.getInt32(off, true);
      return this.isBacked(pfn) ? 0 : -1;
    }
    return (this.read8(paddr) | (this.read8(paddr + 1) << 8) | (this.read8(paddr + 2) << 16) | (this.read8(paddr + 3) << 24));
  }

  write32(paddr: number, v: number): void {
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const off = paddr - pfn * PAGE_SIZE;
    if (off <= PAGE_SIZE - 4) {
      const f = this.frameForWrite(pfn);
      if (f === null) return;
      if (f.flags !== 0) this.notifyWrite(f, paddr, 4);
      f.view.setInt32(off, v, true);
      return;
    }
    for (let i = 0; i < 4; i++) this.write8(paddr + i, (v >>> (8 * i)) & 0xff);
  }

  /** Copies bytes out (reads of untouched memory give zeros, unbacked give 0xff). */
  readBytes(paddr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let i = 0;
    while (i < length) {
      const p = paddr + i;
      const pfn = Math.floor(p / PAGE_SIZE);
      const off = p - pfn * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - i);
      const f = this.peekFrame(pfn);
      if (f !== null) out.set(f.bytes.subarray(off, off + n), i);
      else if (!this.isBacked(pfn)) out.fill(0xff, i, i + n);
      i += n;
    }
    return out;
  }

  writeBytes(paddr: number, data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      const p = paddr + i;
      const pfn = Math.floor(p / PAGE_SIZE);
      const off = p - pfn * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, data.length - i);
      const f = this.frameForWrite(pfn);
      if (f !== null) {
        if (f.flags !== 0) this.notifyWrite(f, p, n);
        f.bytes.set(data.subarray(i, i + n), off);
      }
      i += n;
    }
  }

  /** Host bytes actually allocated for guest memory. */
  hostBytes(): number {
    return this.allocatedFrames * PAGE_SIZE;
  }
}
