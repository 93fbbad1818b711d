import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../emulator/memory/physical.js';
import { E820_RAM } from '../../emulator/memory/e820.js';
import { PageTableBuilder, PT_P, PT_RW, PT_G, PT_NX, PT_A, PT_D } from '../../emulator/loader/page-table-builder.js';
import { defaultMarkers, diffDumps, dumpPageTables } from '../../kernel-model/ptdump.js';

const PAGE_OFFSET = 0xffff888000000000n;
const KERNEL = PT_P | PT_RW | PT_A | PT_D | PT_G | PT_NX;

function build(extra?: (pt: PageTableBuilder) => void) {
  const mem = new PhysicalMemory();
  mem.addRange(0, 64 << 20, E820_RAM);
  const pt = new PageTableBuilder(mem, 0x100000, 0x200000, 4);
  // direct map: 4 KiB pages for the first 2 MiB, 2 MiB pages up to 1 GiB, one 1 GiB page after that
  pt.mapRange4k(PAGE_OFFSET, 0, 2 << 20, KERNEL);
  for (let pa = 2 << 20; pa < 1 << 30; pa += 2 << 20) pt.map(PAGE_OFFSET + BigInt(pa), pa, 2, KERNEL);
  pt.map(PAGE_OFFSET + (1n << 30n), 1 << 30, 3, KERNEL);
  pt.mapRange4k(0xffffffff81000000n, 0x1000000, 0x3000, PT_P | PT_G); // read-only, executable text
  extra?.(pt);
  return { mem, pt };
}

describe('ptdump (Linux debugfs page_tables/kernel format)', () => {
  it('prints runs per level with sizes, flags and markers', () => {
    const { mem, pt } = build();
    const { text } = dumpPageTables(mem, pt.root, 4, defaultMarkers(PAGE_OFFSET, 4));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('---[ User Space ]---');
    expect(lines[1]).toBe('0x0000000000000000-0xffff800000000000    16777088T                               pgd');
    expect(lines).toContain('---[ Low Kernel Mapping ]---');
    expect(lines).toContain('0xffff888000000000-0xffff888000200000           2M     RW                 GLB NX pte');
    expect(lines).toContain('0xffff888000200000-0xffff888040000000        1022M     RW         PSE     GLB NX pmd');
    expect(lines).toContain('0xffff888040000000-0xffff888080000000           1G     RW         PSE     GLB NX pud');
    expect(lines).toContain('---[ High Kernel Mapping ]---');
    expect(lines).toContain('0xffffffff81000000-0xffffffff81003000          12K     ro                 GLB x  pte');
    expect(lines[lines.length - 1]).toBe('0xffffffffc0000000-0x0000000000000000           1G                               pud');
  });

  it('diffs two dumps structurally and is empty for identical tables', () => {
    const a = build();
    const b = build((pt) => pt.map(PAGE_OFFSET + (2n << 30n), 2 << 30, 3, KERNEL));
    const da = dumpPageTables(a.mem, a.pt.root, 4, defaultMarkers(PAGE_OFFSET, 4)).text;
    const db = dumpPageTables(b.mem, b.pt.root, 4, defaultMarkers(PAGE_OFFSET, 4)).text;
    expect(diffDumps(da, da)).toBe('');
    const d = diffDumps(da, db);
    expect(d).toContain('+0xffff888040000000-0xffff8880c0000000           2G     RW         PSE     GLB NX pud');
    expect(d).toContain('-0xffff888040000000-0xffff888080000000           1G     RW         PSE     GLB NX pud');
  });
});
