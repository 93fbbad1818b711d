// Physical memory carves frames, in the order they are first written, out of 2 MiB host slabs; the
// MMU's quick refill reads a page through its slab (slabBytes) by host page number instead of through
// the frame's own objects. Both views must be the same bytes.
import { describe, expect, it } from 'vitest';
import { E820_RAM } from '../../emulator/memory/e820.js';
import { PAGE_SIZE, PhysicalMemory, SLAB_PAGE_MASK, SLAB_SHIFT } from '../../emulator/memory/physical.js';

function memory(): PhysicalMemory {
  const mem = new PhysicalMemory();
  mem.addRange(0, 4 << 20, E820_RAM);
  mem.addRange(2 ** 40, 1 << 20, E820_RAM); // above the two-level table (256 GiB): the Map
  return mem;
}

/** The byte at `off` of the frame at host page h, read through its slab. */
function slabByte(mem: PhysicalMemory, h: number, off: number): number {
  return mem.slabBytes[h >>> SLAB_SHIFT][(h & SLAB_PAGE_MASK) * PAGE_SIZE + off];
}

describe('physical memory slabs', () => {
  it('hands out host pages in first-write order and reads the same bytes through frame and slab', () => {
    const mem = memory();
    const pfns = [0x300, 0x5, 2 ** 40 / PAGE_SIZE + 3, 0x301];
    pfns.forEach((pfn, k) => mem.write8(pfn * PAGE_SIZE + 0x123, 0x40 + k));
    pfns.forEach((pfn, k) => {
      expect(mem.hostPage(pfn)).toBe(k);
      const f = mem.peekFrame(pfn)!;
      expect(f.hostPage).toBe(k);
      expect(f.pfn).toBe(pfn);
      expect(f.bytes[0x123]).toBe(0x40 + k);
      expect(slabByte(mem, k, 0x123)).toBe(0x40 + k);
      // neighbouring frames in a slab do not overlap
      expect(slabByte(mem, k, 0x124)).toBe(0);
    });
    expect(mem.byHost.map((f) => f.pfn)).toEqual(pfns);
    expect(mem.hostBytes()).toBe(pfns.length * PAGE_SIZE);
  });

  it('reports -1 for frames never written, backed or not, and never allocates to answer', () => {
    const mem = memory();
    expect(mem.hostPage(0x10)).toBe(-1);
    expect(mem.hostPage(2 ** 40 / PAGE_SIZE)).toBe(-1);
    expect(mem.hostPage(0x100000)).toBe(-1); // unbacked
    expect(mem.read8(0x10 * PAGE_SIZE)).toBe(0);
    expect(mem.hostBytes()).toBe(0);
    mem.write8(0x100000 * PAGE_SIZE, 1); // unbacked: dropped
    expect(mem.hostPage(0x100000)).toBe(-1);
    expect(mem.slabBytes).toHaveLength(0);
  });

  it('opens a new slab every 512 frames, and frame views write into it', () => {
    const mem = memory();
    for (let pfn = 0; pfn < 513; pfn++) mem.write8(pfn * PAGE_SIZE, pfn & 0xff);
    expect(mem.slabBytes).toHaveLength(2);
    expect(mem.hostPage(512)).toBe(512);
    mem.peekFrame(512)!.view.setUint32(8, 0xdeadbeef, true);
    expect(mem.slabViews[1].getUint32(8, true)).toBe(0xdeadbeef);
    expect(slabByte(mem, 511, 0)).toBe(511 & 0xff);
    expect(mem.read32(512 * PAGE_SIZE + 8)).toBe(0xdeadbeef | 0);
  });
});
