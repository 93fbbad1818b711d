// The boot contract of `tlbemu run IMAGE.elf` (DESIGN.md, "Boot contract"): the physical memory map,
// loading PT_LOAD segments at their physical addresses, the loader's GDT, page tables, stacks, e820
// table, command line and boot-info block in [0x1000, 0x9FC00), and the entry state of every CPU.
// Edge code (runs once): BigInt for 64-bit linear addresses is fine here.
import type { Cpu } from '../cpu/cpu.js';
import {
  CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE,
  RDI, RSI, RSP, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS,
} from '../cpu/state.js';
import { E820_PMEM, E820_RAM, E820_RESERVED, E820Range, e820TypeName } from '../memory/e820.js';
import { PAGE_SIZE, PhysicalMemory } from '../memory/physical.js';
import { ElfImage, ElfSegment, LoadError, PF_W, PF_X } from './elf.js';
import { GDT_LIMIT, SEL_KERNEL_CS, SEL_KERNEL_DS, writeGdt } from './gdt.js';
import { PageTableBuilder, PT_NX, PT_P, PT_RW } from './page-table-builder.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Most CPUs a machine may have (one loader stack each). */
export const MAX_CPUS = 64;
/** Default and smallest --mem. */
export const DEFAULT_MEM = 256 * MiB;
export const MIN_MEM = 2 * MiB;
/** Highest physical address + 1 the machine can have (CPUID MAXPHYADDR = 46). */
export const MAX_PHYS = 2 ** 46;
/** RAM above this is placed from 4 GiB up (the PCI hole of a PC). */
export const LOW_RAM_LIMIT = 3 * GiB;
export const HIGH_RAM_BASE = 4 * GiB;
/** The PC's hole below 1 MiB (EBDA, VGA, BIOS), reserved. */
export const PC_HOLE_START = 0x9fc00;
export const PC_HOLE_END = 0x100000;

// The loader's own area [0x1000, 0x9FC00), listed reserved in the e820 map.
export const LOADER_AREA_START = 0x1000;
export const LOADER_AREA_END = PC_HOLE_START;
export const GDT_ADDR = 0x1000;
export const BOOT_INFO_ADDR = 0x2000;
export const E820_TABLE_ADDR = 0x3000;
export const E820_ENTRY_SIZE = 24;
export const E820_MAX_ENTRIES = 128;
export const CMDLINE_ADDR = 0x4000;
/** Longest command line in bytes (a NUL follows it in guest memory). */
export const CMDLINE_MAX = 4095;
export const STACKS_ADDR = 0x5000;
export const STACK_SIZE = 4096;
export const PGTABLE_ADDR = STACKS_ADDR + MAX_CPUS * STACK_SIZE; // 0x45000
export const PGTABLE_END = 0x9f000;

// Boot-info block (version 1), little-endian.
export const BOOT_INFO_MAGIC = 0x31304d4555424c54n; // "TLBEMU01"
export const BOOT_INFO_VERSION = 1;
export const BOOT_INFO_SIZE = 64;
export const BI_MAGIC = 0, BI_VERSION = 8, BI_CPU_COUNT = 12, BI_PAGING_LEVELS = 16, BI_E820_COUNT = 20,
  BI_E820_PADDR = 24, BI_CMDLINE_PADDR = 32, BI_CMDLINE_LEN = 40, BI_RESERVED = 44, BI_PGTABLE_PADDR = 48,
  BI_PGTABLE_LEN = 56;

/** The first 4 GiB are identity-mapped with 2 MiB pages. */
const IDENTITY_LIMIT = 4 * GiB;
const TWO_MIB = 2 * MiB;

export interface PmemRange {
  base: number;
  size: number;
}

export interface BootConfig {
  /** RAM size in bytes (--mem). */
  memBytes: number;
  /** Persistent-memory ranges (--pmem SIZE@ADDR): e820 type 7, not mapped by the loader. */
  pmem: PmemRange[];
  /** 4 or 5 (--paging). */
  pagingLevels: 4 | 5;
  /** --cmdline */
  cmdline: string;
}

export interface BootResult {
  entry: bigint;
  bootInfoAddr: number;
  pageTableRoot: number;
  pageTableBytes: number;
  e820: E820Range[];
  /** RSP of each CPU at entry. */
  stackTops: number[];
}

function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

/** "256 MiB", "4 GiB", "12 KiB" or bytes, for messages. */
export function formatSize(n: number): string {
  for (const [unit, f] of [['TiB', 2 ** 40], ['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (n >= f && n % f === 0) return `${n / f} ${unit}`;
  }
  return `${n} bytes`;
}

/**
 * The e820 map of a machine with `memBytes` of RAM: RAM from 0, the part above 3 GiB moved to 4 GiB,
 * [0x1000, 1 MiB) reserved (loader area + PC hole), persistent memory as type 7. Throws LoadError for
 * sizes or ranges the machine cannot have.
 */
export function buildMemoryMap(mem: PhysicalMemory, memBytes: number, pmem: readonly PmemRange[]): void {
  if (mem.map.entries().length !== 0) throw new Error('buildMemoryMap: memory map already set up');
  if (!Number.isSafeInteger(memBytes) || memBytes < MIN_MEM) {
    throw new LoadError(`--mem ${formatSize(memBytes)} is too small (need at least ${formatSize(MIN_MEM)})`);
  }
  if (memBytes % PAGE_SIZE !== 0) throw new LoadError(`--mem ${memBytes} is not a multiple of 4 KiB`);
  const low = Math.min(memBytes, LOW_RAM_LIMIT);
  const high = memBytes - low;
  if (HIGH_RAM_BASE + high > MAX_PHYS) {
    throw new LoadError(`--mem ${formatSize(memBytes)} does not fit below the ${formatSize(MAX_PHYS)} physical address limit`);
  }
  mem.addRange(0, low, E820_RAM);
  if (high > 0) mem.addRange(HIGH_RAM_BASE, high, E820_RAM);
  mem.addRange(LOADER_AREA_START, PC_HOLE_END - LOADER_AREA_START, E820_RESERVED);
  const ram = [{ base: 0, end: low }, ...(high > 0 ? [{ base: HIGH_RAM_BASE, end: HIGH_RAM_BASE + high }] : [])];
  const sorted = [...pmem].sort((a, b) => a.base - b.base);
  for (let k = 0; k < sorted.length; k++) {
    const p = sorted[k];
    const what = `--pmem ${formatSize(p.size)}@${hex(p.base)}`;
    if (!(p.size > 0) || p.size % PAGE_SIZE !== 0 || p.base % PAGE_SIZE !== 0) {
      throw new LoadError(`${what}: size and address must be non-zero multiples of 4 KiB`);
    }
    if (p.base + p.size > MAX_PHYS) throw new LoadError(`${what} ends above the ${formatSize(MAX_PHYS)} physical address limit`);
    if (p.base < PC_HOLE_END) throw new LoadError(`${what} overlaps the first MiB (loader area and PC hole)`);
    for (const r of ram) {
      if (p.base < r.end && r.base < p.base + p.size) {
        throw new LoadError(`${what} overlaps RAM [${hex(r.base)}, ${hex(r.end)})`);
      }
    }
    if (k > 0 && p.base < sorted[k - 1].base + sorted[k - 1].size) {
      throw new LoadError(`${what} overlaps another --pmem range`);
    }
    mem.addRange(p.base, p.size, E820_PMEM);
  }
  if (mem.map.entries().length > E820_MAX_ENTRIES) throw new LoadError(`too many memory ranges (at most ${E820_MAX_ENTRIES})`);
}

/** Copies every PT_LOAD to its physical address (p_paddr) and zeroes its p_memsz - p_filesz tail. */
export function loadSegments(mem: PhysicalMemory, image: ElfImage): void {
  for (const s of image.segments) {
    if (!mem.map.covers(s.paddr, s.memsz, [E820_RAM])) {
      const r = mem.map.find(s.paddr) ?? mem.map.find(s.paddr + s.memsz - 1);
      const where = r && r.type !== E820_RAM ? `: it touches ${e820TypeName(r.type)} memory` : '';
      throw new LoadError(`PT_LOAD segment ${s.index} [${hex(s.paddr)}, ${hex(s.paddr + s.memsz)}) is outside RAM${where}`);
    }
  }
  for (const s of image.segments) {
    mem.writeBytes(s.paddr, s.data);
    zeroAllocated(mem, s.paddr + s.filesz, s.memsz - s.filesz);
  }
}

/** Zeroes a range; frames never written already read as zero, so only allocated ones are touched. */
function zeroAllocated(mem: PhysicalMemory, base: number, length: number): void {
  let p = base;
  const end = base + length;
  while (p < end) {
    const pfn = Math.floor(p / PAGE_SIZE);
    const next = Math.min((pfn + 1) * PAGE_SIZE, end);
    if (mem.peekFrame(pfn) !== null) mem.writeBytes(p, new Uint8Array(next - p));
    p = next;
  }
}

function isCanonical(va: bigint, levels: number): boolean {
  const bits = BigInt(levels === 5 ? 57 : 48);
  const half = 1n << (bits - 1n);
  return va < half || va >= (1n << 64n) - half;
}

interface PagePlan {
  pa: number;
  write: boolean;
  exec: boolean;
  /** Segment that first mapped the page (for messages). */
  seg: number;
}

/** 4 KiB virtual pages of every PT_LOAD, with flags OR-ed where segments share a page. */
function planSegmentPages(image: ElfImage, levels: number): Map<bigint, PagePlan> {
  const plan = new Map<bigint, PagePlan>();
  for (const s of image.segments) {
    checkSegmentVirtual(s, levels);
    const first = s.vaddr & ~0xfffn;
    const last = (s.vaddr + BigInt(s.memsz) - 1n) & ~0xfffn;
    const paFirst = s.paddr - (s.paddr % PAGE_SIZE);
    for (let va = first, pa = paFirst; va <= last; va += 0x1000n, pa += PAGE_SIZE) {
      const old = plan.get(va);
      const write = (s.flags & PF_W) !== 0, exec = (s.flags & PF_X) !== 0;
      if (old === undefined) { plan.set(va, { pa, write, exec, seg: s.index }); continue; }
      if (old.pa !== pa) {
        throw new LoadError(`PT_LOAD segments ${old.seg} and ${s.index} map virtual page ${hex(va)} to different physical pages ` +
          `(${hex(old.pa)} and ${hex(pa)})`);
      }
      old.write ||= write;
      old.exec ||= exec;
    }
  }
  return plan;
}

function checkSegmentVirtual(s: ElfSegment, levels: number): void {
  if ((s.vaddr & 0xfffn) !== BigInt(s.paddr % PAGE_SIZE)) {
    throw new LoadError(`PT_LOAD segment ${s.index}: p_vaddr ${hex(s.vaddr)} and p_paddr ${hex(s.paddr)} differ in their offset within a 4 KiB page`);
  }
  const end = s.vaddr + BigInt(s.memsz) - 1n;
  if (!isCanonical(s.vaddr, levels) || !isCanonical(end, levels) || (s.vaddr < (1n << 63n)) !== (end < (1n << 63n))) {
    throw new LoadError(`PT_LOAD segment ${s.index}: virtual range [${hex(s.vaddr)}, ${hex(end + 1n)}) is not canonical with ${levels}-level paging`);
  }
}

/**
 * The loader's page tables in [PGTABLE_ADDR, PGTABLE_END): the first 4 GiB identity-mapped with 2 MiB
 * pages (P|RW), then every PT_LOAD's virtual range mapped to its physical range with 4 KiB pages (RW if
 * PF_W, NX unless PF_X). Where a segment's virtual range falls inside the first 4 GiB, its 2 MiB
 * region is mapped with 4 KiB pages instead, and the segment's pages take precedence there.
 */
export function buildLoaderPageTables(mem: PhysicalMemory, image: ElfImage, levels: 4 | 5): PageTableBuilder {
  const plan = planSegmentPages(image, levels);
  const pt = new PageTableBuilder(mem, PGTABLE_ADDR, PGTABLE_END, levels);
  const rw = PT_P | PT_RW;
  const split = new Set<number>();
  for (const va of plan.keys()) if (va < BigInt(IDENTITY_LIMIT)) split.add(Number(va) / TWO_MIB | 0);
  try {
    for (let pa = 0; pa < IDENTITY_LIMIT; pa += TWO_MIB) {
      if (split.has(pa / TWO_MIB)) {
        for (let off = 0; off < TWO_MIB; off += PAGE_SIZE) pt.map(BigInt(pa + off), pa + off, 1, rw, rw);
      } else {
        pt.map(BigInt(pa), pa, 2, rw, rw);
      }
    }
    for (const [va, p] of plan) {
      pt.map(va, p.pa, 1, PT_P | (p.write ? PT_RW : 0n) | (p.exec ? 0n : PT_NX), rw);
    }
  } catch (e) {
    if (e instanceof RangeError && /exhausted/.test(e.message)) {
      throw new LoadError(`image too large: the loader's page tables need more than ${formatSize(PGTABLE_END - PGTABLE_ADDR)}`);
    }
    throw e;
  }
  return pt;
}

/** Writes the boot-info block, e820 table and command line; returns the block's physical address. */
export function writeBootInfo(mem: PhysicalMemory, cpuCount: number, levels: number, cmdline: Uint8Array,
  pt: PageTableBuilder): number {
  const e820 = mem.map.entries();
  e820.forEach((r, k) => {
    const a = E820_TABLE_ADDR + k * E820_ENTRY_SIZE;
    write64(mem, a, r.base);
    write64(mem, a + 8, r.length);
    mem.write32(a + 16, r.type);
    mem.write32(a + 20, 0);
  });
  mem.writeBytes(CMDLINE_ADDR, cmdline);
  mem.write8(CMDLINE_ADDR + cmdline.length, 0);
  const b = BOOT_INFO_ADDR;
  mem.write32(b + BI_MAGIC, Number(BOOT_INFO_MAGIC & 0xffffffffn) | 0);
  mem.write32(b + BI_MAGIC + 4, Number(BOOT_INFO_MAGIC >> 32n) | 0);
  mem.write32(b + BI_VERSION, BOOT_INFO_VERSION);
  mem.write32(b + BI_CPU_COUNT, cpuCount);
  mem.write32(b + BI_PAGING_LEVELS, levels);
  mem.write32(b + BI_E820_COUNT, e820.length);
  write64(mem, b + BI_E820_PADDR, E820_TABLE_ADDR);
  write64(mem, b + BI_CMDLINE_PADDR, CMDLINE_ADDR);
  mem.write32(b + BI_CMDLINE_LEN, cmdline.length);
  mem.write32(b + BI_RESERVED, 0);
  write64(mem, b + BI_PGTABLE_PADDR, pt.poolStart);
  write64(mem, b + BI_PGTABLE_LEN, pt.used);
  return b;
}

function write64(mem: PhysicalMemory, a: number, v: number): void {
  mem.write32(a, v % 4294967296 | 0);
  mem.write32(a + 4, Math.floor(v / 4294967296) | 0);
}

export interface EntryState {
  entry: bigint;
  root: number;
  levels: 4 | 5;
  stackTop: number;
  bootInfo: number;
}

/** The contract's entry state: 64-bit mode, CPL 0, paging on, interrupts off, RDI = index, RSI = boot info. */
export function setEntryState(cpu: Cpu, st: EntryState): void {
  cpu.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  cpu.cr4 = CR4_PAE | (st.levels === 5 ? CR4_LA57 : 0);
  cpu.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
  cpu.cr3Lo = st.root;
  cpu.cr3Hi = 0;
  cpu.gdtrBaseLo = GDT_ADDR; cpu.gdtrBaseHi = 0; cpu.gdtrLimit = GDT_LIMIT;
  // no IDT yet: any exception before the guest loads one ends in a triple fault
  cpu.idtrBaseLo = 0; cpu.idtrBaseHi = 0; cpu.idtrLimit = 0;
  cpu.sel[SEG_CS] = SEL_KERNEL_CS;
  cpu.sel[SEG_DS] = cpu.sel[SEG_ES] = cpu.sel[SEG_SS] = SEL_KERNEL_DS;
  cpu.sel[SEG_FS] = cpu.sel[SEG_GS] = 0;
  cpu.setCpl(0);
  cpu.setFlags(0x2);
  cpu.regs.fill(0);
  cpu.ripLo = Number(st.entry & 0xffffffffn) | 0;
  cpu.ripHi = Number(st.entry >> 32n) | 0;
  cpu.regs[RSP << 1] = st.stackTop;
  cpu.regs[RDI << 1] = cpu.index;
  cpu.regs[RSI << 1] = st.bootInfo;
  cpu.halted = false;
  cpu.stopped = false;
  cpu.mmu.modeChanged();
}

/**
 * Boots `image` on `cpus` sharing `mem` (which must be fresh): memory map, segments, loader structures
 * and the entry state of every CPU. Throws LoadError for anything the contract cannot accept.
 */
export function bootImage(mem: PhysicalMemory, cpus: readonly Cpu[], image: ElfImage, cfg: BootConfig): BootResult {
  if (cpus.length < 1 || cpus.length > MAX_CPUS) throw new LoadError(`--cpus ${cpus.length} is out of range (1..${MAX_CPUS})`);
  if (cfg.pagingLevels !== 4 && cfg.pagingLevels !== 5) throw new LoadError(`--paging ${cfg.pagingLevels}: must be 4 or 5`);
  if (cfg.pagingLevels === 5 && !cpus[0].cpuid.la57) throw new LoadError('--paging 5 needs a CPU with LA57');
  const cmdline = new TextEncoder().encode(cfg.cmdline);
  if (cmdline.length > CMDLINE_MAX) throw new LoadError(`--cmdline is ${cmdline.length} bytes long (at most ${CMDLINE_MAX})`);
  if (!isCanonical(image.entry, cfg.pagingLevels)) {
    throw new LoadError(`entry point ${hex(image.entry)} is not canonical with ${cfg.pagingLevels}-level paging`);
  }
  buildMemoryMap(mem, cfg.memBytes, cfg.pmem);
  loadSegments(mem, image);
  writeGdt(mem, GDT_ADDR);
  const pt = buildLoaderPageTables(mem, image, cfg.pagingLevels);
  const bootInfo = writeBootInfo(mem, cpus.length, cfg.pagingLevels, cmdline, pt);
  const stackTops: number[] = [];
  for (const cpu of cpus) {
    const stackTop = STACKS_ADDR + (cpu.index + 1) * STACK_SIZE;
    stackTops.push(stackTop);
    setEntryState(cpu, { entry: image.entry, root: pt.root, levels: cfg.pagingLevels, stackTop, bootInfo });
  }
  return {
    entry: image.entry, bootInfoAddr: bootInfo, pageTableRoot: pt.root, pageTableBytes: pt.used,
    e820: mem.map.entries().map((r) => ({ ...r })), stackTops,
  };
}
