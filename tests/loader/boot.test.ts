import { describe, expect, it } from 'vitest';
import { parseElf, LoadError, ElfImage } from '../../emulator/loader/elf.js';
import {
  BOOT_INFO_ADDR, BI_CMDLINE_LEN, BI_CMDLINE_PADDR, BI_CPU_COUNT, BI_E820_COUNT, BI_E820_PADDR, BI_PAGING_LEVELS,
  BI_PGTABLE_LEN, BI_PGTABLE_PADDR, BI_VERSION, BootConfig, GiB, LOADER_AREA_END, LOADER_AREA_START, MiB,
  STACK_SIZE,
} from '../../emulator/loader/boot.js';
import { GDT_LIMIT } from '../../emulator/loader/gdt.js';
import { Machine } from '../../emulator/machine/machine.js';
import { MemorySink } from '../../emulator/machine/serial.js';
import { WalkResult } from '../../emulator/mmu/walker.js';
import { ACC_WRITE, PERM_W, PERM_X, PERM_U } from '../../emulator/mmu/access.js';
import { linearToPhysical } from '../../emulator/machine/trace.js';
import { RDI, RSI, RSP, SEG_CS, SEG_DS, SEG_ES, SEG_SS } from '../../emulator/cpu/state.js';
import { sampleElf, writeElf, SPIN } from '../helpers/elf-writer.js';

function boot(image: ElfImage | Uint8Array, cfg: Partial<BootConfig> = {}, cpus = 1): Machine {
  const m = new Machine({ cpus, serial: new MemorySink() });
  const img = image instanceof Uint8Array ? parseElf(image) : image;
  m.boot(img, { memBytes: 256 * MiB, pmem: [], pagingLevels: 4, cmdline: '', ...cfg });
  return m;
}

function bootError(image: Uint8Array, cfg: Partial<BootConfig> = {}, cpus = 1): string {
  try {
    boot(image, cfg, cpus);
  } catch (e) {
    expect(e).toBeInstanceOf(LoadError);
    return (e as Error).message;
  }
  throw new Error('boot accepted a bad configuration');
}

function read64(m: Machine, a: number): bigint {
  return (BigInt(m.mem.read32(a + 4) >>> 0) << 32n) | BigInt(m.mem.read32(a) >>> 0);
}

function e820(m: Machine): [number, number, number][] {
  return m.mem.map.entries().map((r) => [r.base, r.base + r.length, r.type]);
}

/** Linear -> physical through CPU 0's current tables (-1 if unmapped), with the combined rights. */
function translate(m: Machine, va: bigint): { pa: number; perm: number; leafLevel: number } {
  const lo = Number(va & 0xffffffffn) | 0, hi = Number(BigInt.asIntN(32, va >> 32n));
  const pa = linearToPhysical(m.cpus[0], lo, hi);
  const r = new WalkResult();
  m.cpus[0].mmu.walker.walk(lo, hi, ACC_WRITE, false, r);
  return { pa, perm: r.perm, leafLevel: r.leafLevel };
}

describe('memory map', () => {
  it('256M: page 0 RAM, loader area and PC hole reserved, RAM from 1 MiB', () => {
    const m = boot(sampleElf());
    expect(e820(m)).toEqual([[0, 0x1000, 1], [0x1000, 0x100000, 2], [0x100000, 256 * MiB, 1]]);
  });

  it('RAM past 3 GiB is placed from 4 GiB up', () => {
    const m = boot(sampleElf(), { memBytes: 64 * GiB });
    expect(e820(m)).toEqual([[0, 0x1000, 1], [0x1000, 0x100000, 2], [0x100000, 3 * GiB, 1], [4 * GiB, 65 * GiB, 1]]);
    expect(m.mem.read32(3.5 * GiB)).toBe(-1); // the hole is unbacked: all-ones
    expect(m.mem.read32(64 * GiB)).toBe(0);
  });

  it('persistent memory is e820 type 7 and not mapped by the loader', () => {
    const m = boot(sampleElf(), { memBytes: 4 * GiB, pmem: [{ size: GiB, base: 8 * GiB }, { size: 256 * MiB, base: 0x300000000 }] });
    expect(e820(m).slice(-3)).toEqual([[4 * GiB, 5 * GiB, 1], [8 * GiB, 9 * GiB, 7], [12 * GiB, 12 * GiB + 256 * MiB, 7]]);
    expect(translate(m, BigInt(8 * GiB)).pa).toBe(-1);
    // the boot-info e820 table lists them too
    const count = m.mem.read32(BOOT_INFO_ADDR + BI_E820_COUNT);
    const table = Number(read64(m, BOOT_INFO_ADDR + BI_E820_PADDR));
    const types = Array.from({ length: count }, (_, k) => m.mem.read32(table + 24 * k + 16));
    expect(types).toEqual([1, 2, 1, 1, 7, 7]);
  });

  it('rejects bad sizes and overlapping persistent memory', () => {
    expect(bootError(sampleElf(), { memBytes: MiB })).toBe('--mem 1 MiB is too small (need at least 2 MiB)');
    expect(bootError(sampleElf(), { memBytes: 3 * MiB + 1 })).toMatch(/is not a multiple of 4 KiB$/);
    expect(bootError(sampleElf(), { memBytes: 4 * GiB, pmem: [{ size: GiB, base: 4 * GiB }] }))
      .toBe('--pmem 1 GiB@0x100000000 overlaps RAM [0x100000000, 0x140000000)');
    expect(bootError(sampleElf(), { pmem: [{ size: GiB, base: 8 * GiB }, { size: GiB, base: 8.5 * GiB }] }))
      .toMatch(/overlaps another --pmem range$/);
    expect(bootError(sampleElf(), { pmem: [{ size: 4096, base: 0x9f000 }] })).toMatch(/overlaps the first MiB/);
    expect(bootError(sampleElf(), { memBytes: 128 * 1024 * GiB })).toMatch(/does not fit below the 64 TiB physical address limit$/);
  });
});

describe('loading', () => {
  it('copies file bytes to p_paddr and zeroes the bss', () => {
    const m = boot(sampleElf());
    expect(m.mem.read8(0x100000)).toBe(0xeb);
    expect(m.mem.read32(0x102000)).toBe(0x04030201);
    expect(m.mem.read32(0x104ffc)).toBe(0);
  });

  it('a large bss costs no host memory', () => {
    const img = writeElf({
      entry: 0x100000n,
      segments: [
        { vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN },
        { vaddr: 0x200000n, paddr: 0x200000, flags: 6, data: [7], memsz: 64 * MiB },
      ],
    });
    const m = boot(img);
    expect(m.mem.read8(0x200000)).toBe(7);
    expect(m.mem.read8(0x200000 + 32 * MiB)).toBe(0);
    expect(m.mem.hostBytes()).toBeLessThan(2 * MiB); // page tables for 64 MiB of 4 KiB pages + a few frames
  });
});

describe('entry state', () => {
  it('every CPU starts in 64-bit mode at e_entry with RDI = index and RSI = boot info', () => {
    const m = boot(sampleElf(), {}, 3);
    const tops = new Set<number>();
    for (const cpu of m.cpus) {
      expect(cpu.cr0 >>> 0).toBe(0x80010033); // PG WP NE ET MP PE
      expect(cpu.cr4).toBe(0x20); // PAE
      expect(cpu.efer).toBe(0xd01); // NXE LMA LME SCE
      expect(cpu.getFlags()).toBe(2);
      expect(cpu.cpl).toBe(0);
      expect([cpu.ripLo, cpu.ripHi]).toEqual([0x100000, 0]);
      expect(cpu.regs[RDI << 1]).toBe(cpu.index);
      expect(cpu.regs[RSI << 1]).toBe(BOOT_INFO_ADDR);
      expect(cpu.sel[SEG_CS]).toBe(0x10);
      expect([cpu.sel[SEG_DS], cpu.sel[SEG_ES], cpu.sel[SEG_SS]]).toEqual([0x18, 0x18, 0x18]);
      expect(cpu.gdtrLimit).toBe(GDT_LIMIT);
      expect(cpu.cpuCount).toBe(3);
      const rsp = cpu.regs[RSP << 1];
      expect(rsp % 16).toBe(0);
      expect(rsp).toBeGreaterThan(LOADER_AREA_START);
      expect(rsp).toBeLessThanOrEqual(LOADER_AREA_END);
      tops.add(rsp);
      // the stack's 4 KiB below RSP are writable and mapped
      expect(translate(m, BigInt(rsp - STACK_SIZE)).perm & PERM_W).toBe(PERM_W);
    }
    expect(tops.size).toBe(3);
  });

  it('the GDT has kernel code64 at 0x10, data at 0x18 and the user segments', () => {
    const m = boot(sampleElf());
    const base = m.cpus[0].gdtrBaseLo;
    const desc = (sel: number) => [m.mem.read32(base + sel) >>> 0, m.mem.read32(base + sel + 4) >>> 0];
    expect(desc(0x10)).toEqual([0x0000ffff, 0x00af9b00]);
    expect(desc(0x18)).toEqual([0x0000ffff, 0x00cf9300]);
    expect(desc(0x28)).toEqual([0x0000ffff, 0x00cff300]);
    expect(desc(0x30)).toEqual([0x0000ffff, 0x00affb00]);
  });

  it('--paging 5 sets CR4.LA57 and builds a PML5', () => {
    const m = boot(writeElf({
      entry: 0xff00000000100000n,
      segments: [{ vaddr: 0xff00000000100000n, paddr: 0x100000, flags: 5, data: SPIN }],
    }), { pagingLevels: 5 });
    expect(m.cpus[0].cr4).toBe(0x1020);
    expect(m.mem.read32(BOOT_INFO_ADDR + BI_PAGING_LEVELS)).toBe(5);
    expect(translate(m, 0xff00000000100000n).pa).toBe(0x100000);
    expect(translate(m, 0x12345000n).pa).toBe(0x12345000);
  });

  it('rejects what the contract cannot run', () => {
    expect(bootError(sampleElf({ entry: 0x0000800000000000n }))).toBe('entry point 0x800000000000 is not canonical with 4-level paging');
    expect(bootError(writeElf({
      entry: 0x100000n,
      segments: [{ vaddr: 0xff00000000100000n, paddr: 0x100000, flags: 5, data: SPIN }],
    }))).toBe('PT_LOAD segment 0: virtual range [0xff00000000100000, 0xff00000000100002) is not canonical with 4-level paging');
    expect(bootError(writeElf({
      entry: 0x100000n,
      segments: [{ vaddr: 0x100010n, paddr: 0x100000, flags: 5, data: SPIN }],
    }))).toMatch(/differ in their offset within a 4 KiB page$/);
    expect(bootError(sampleElf(), { cmdline: 'x'.repeat(5000) })).toBe('--cmdline is 5000 bytes long (at most 4095)');
  });
});

describe('boot-info block', () => {
  it('holds the contract fields (version 1)', () => {
    const m = boot(sampleElf(), { cmdline: 'console=ttyS0 exit=3' }, 2);
    const b = BOOT_INFO_ADDR;
    // the u64 DESIGN.md gives (its bytes in memory spell "TLBUEM01")
    expect(read64(m, b)).toBe(0x31304d4555424c54n);
    expect(m.mem.read32(b + BI_VERSION)).toBe(1);
    expect(m.mem.read32(b + BI_CPU_COUNT)).toBe(2);
    expect(m.mem.read32(b + BI_PAGING_LEVELS)).toBe(4);
    expect(m.mem.read32(b + BI_E820_COUNT)).toBe(3);
    const e820p = Number(read64(m, b + BI_E820_PADDR));
    expect([read64(m, e820p + 48), read64(m, e820p + 56), m.mem.read32(e820p + 64)]).toEqual([0x100000n, BigInt(255 * MiB), 1]);
    const cmd = Number(read64(m, b + BI_CMDLINE_PADDR));
    const len = m.mem.read32(b + BI_CMDLINE_LEN);
    expect(new TextDecoder().decode(m.mem.readBytes(cmd, len))).toBe('console=ttyS0 exit=3');
    expect(m.mem.read8(cmd + len)).toBe(0);
    const pt = Number(read64(m, b + BI_PGTABLE_PADDR));
    const ptLen = Number(read64(m, b + BI_PGTABLE_LEN));
    expect(m.cpus[0].cr3Lo).toBe(pt);
    expect(ptLen % 4096).toBe(0);
    expect(ptLen).toBeGreaterThanOrEqual(6 * 4096); // PML4, PDPT, 4 PDs at least
    // every loader structure lies in the reserved loader area
    for (const a of [b, b + 63, e820p, cmd, cmd + len, pt, pt + ptLen - 1, m.cpus[0].gdtrBaseLo]) {
      expect(a).toBeGreaterThanOrEqual(LOADER_AREA_START);
      expect(a).toBeLessThan(LOADER_AREA_END);
    }
  });
});

describe('loader page tables', () => {
  it('identity-map the first 4 GiB with 2 MiB pages, nothing above', () => {
    const m = boot(sampleElf());
    expect(translate(m, 0x12345678n).pa).toBe(0x12345678);
    expect(translate(m, 0xfffff000n).pa).toBe(0xfffff000);
    expect(translate(m, 0x100000000n).pa).toBe(-1);
    const r = translate(m, 0x40000000n);
    expect(r.leafLevel).toBe(1); // 2 MiB
    expect(r.perm & (PERM_W | PERM_X | PERM_U)).toBe(PERM_W | PERM_X); // P|RW, supervisor
  });

  it('map each PT_LOAD virtual range to its physical range with 4 KiB pages and segment rights', () => {
    const img = writeElf({
      entry: 0xffffffff81000000n,
      segments: [
        { vaddr: 0xffffffff81000000n, paddr: 0x1000000, flags: 5, data: new Array(0x1800).fill(0x90) },
        { vaddr: 0xffffffff81002000n, paddr: 0x1002000, flags: 4, data: [1, 2, 3] },
        { vaddr: 0xffffffff81003000n, paddr: 0x1003000, flags: 6, data: [4], memsz: 0x2000 },
      ],
    });
    const m = boot(img);
    const text = translate(m, 0xffffffff81001234n);
    expect(text.pa).toBe(0x1001234);
    expect(text.perm & (PERM_W | PERM_X)).toBe(PERM_X);
    const ro = translate(m, 0xffffffff81002001n);
    expect(ro.pa).toBe(0x1002001);
    expect(ro.perm & (PERM_W | PERM_X)).toBe(0);
    const data = translate(m, 0xffffffff81004ff8n);
    expect(data.pa).toBe(0x1004ff8);
    expect(data.perm & (PERM_W | PERM_X)).toBe(PERM_W);
    expect(translate(m, 0xffffffff81005000n).pa).toBe(-1);
    expect(translate(m, 0xffffffff81000000n).leafLevel).toBe(0); // 4 KiB
  });

  it('OR the rights of segments sharing a page', () => {
    const img = writeElf({
      entry: 0x100000n,
      segments: [
        { vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN, memsz: 0x800 },
        { vaddr: 0x100800n, paddr: 0x100800, flags: 6, data: [1], memsz: 0x1000 },
      ],
    });
    const m = boot(img);
    expect(translate(m, 0x100000n).perm & (PERM_W | PERM_X)).toBe(PERM_W | PERM_X);
    expect(translate(m, 0x101000n).perm & (PERM_W | PERM_X)).toBe(PERM_W); // second page: data only
  });

  it('a segment inside the identity map takes its own rights; the rest of its 2 MiB stays identity RW', () => {
    const m = boot(sampleElf());
    expect(translate(m, 0x100000n).perm & (PERM_W | PERM_X)).toBe(PERM_X);
    const rest = translate(m, 0x150000n);
    expect(rest.pa).toBe(0x150000);
    expect(rest.perm & (PERM_W | PERM_X)).toBe(PERM_W | PERM_X);
    expect(translate(m, 0x1000n).pa).toBe(0x1000);
  });

  it('virtual pages mapped to different physical pages by two segments are rejected', () => {
    expect(bootError(writeElf({
      entry: 0x100000n,
      segments: [
        { vaddr: 0x400000n, paddr: 0x100000, flags: 5, data: SPIN },
        { vaddr: 0x400800n, paddr: 0x200800, flags: 6, data: [1] },
      ],
    }))).toBe('PT_LOAD segments 0 and 1 map virtual page 0x400000 to different physical pages (0x100000 and 0x200000)');
  });
});
