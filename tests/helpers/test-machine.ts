// A single CPU in 64-bit mode with identity-mapped memory, for instruction-level tests.
// Layout: page tables at 0x10000, GDT at 0x1000, IDT at 0x2000, code at 0x100000, stack top 0x80000.
import { Cpu, RUN_HALT } from '../../emulator/cpu/cpu.js';
import { PhysicalMemory } from '../../emulator/memory/physical.js';
import { E820_RAM } from '../../emulator/memory/e820.js';
import { PageTableBuilder, PT_P, PT_RW, PT_US } from '../../emulator/loader/page-table-builder.js';
import {
  CR0_PE, CR0_PG, CR0_WP, CR0_ET, CR0_NE, CR4_PAE, CR4_LA57, EFER_LME, EFER_LMA, EFER_NXE, EFER_SCE, RSP,
} from '../../emulator/cpu/state.js';
import { assemble } from './asm.js';

export const CODE_BASE = 0x100000;
export const STACK_TOP = 0x80000;
export const GDT_BASE = 0x1000;
export const IDT_BASE = 0x2000;

export interface TestMachine {
  cpu: Cpu;
  mem: PhysicalMemory;
  pt: PageTableBuilder;
}

/** GDT: 0x08 code32, 0x10 kernel code64, 0x18 kernel data, 0x20 user code32, 0x28 user data, 0x30 user code64. */
export function writeGdt(mem: PhysicalMemory, base: number): void {
  const d = [
    [0, 0],
    [0x0000ffff, 0x00cf9b00], // 0x08 code32 DPL0
    [0x0000ffff, 0x00af9b00], // 0x10 code64 DPL0 (L=1)
    [0x0000ffff, 0x00cf9300], // 0x18 data DPL0
    [0x0000ffff, 0x00cffb00], // 0x20 code32 DPL3
    [0x0000ffff, 0x00cff300], // 0x28 data DPL3
    [0x0000ffff, 0x00affb00], // 0x30 code64 DPL3
  ];
  d.forEach(([lo, hi], k) => { mem.write32(base + 8 * k, lo | 0); mem.write32(base + 8 * k + 4, hi | 0); });
}

export function createTestMachine(opts: { levels?: 4 | 5; memMiB?: number } = {}): TestMachine {
  const levels = opts.levels ?? 4;
  const mem = new PhysicalMemory();
  mem.addRange(0, (opts.memMiB ?? 64) * 1024 * 1024, E820_RAM);
  const pt = new PageTableBuilder(mem, 0x10000, 0x40000, levels);
  // identity map the first 1 GiB with 2 MiB pages, user-accessible so CPL 3 tests can run
  for (let pa = 0; pa < 1 << 30; pa += 1 << 21) pt.map(BigInt(pa), pa, 2, PT_P | PT_RW | PT_US);
  writeGdt(mem, GDT_BASE);
  const cpu = new Cpu(0, mem);
  cpu.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  cpu.cr4 = CR4_PAE | (levels === 5 ? CR4_LA57 : 0);
  cpu.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
  cpu.cr3Lo = pt.root;
  cpu.gdtrBaseLo = GDT_BASE; cpu.gdtrLimit = 7 * 8 - 1;
  cpu.idtrBaseLo = IDT_BASE; cpu.idtrLimit = 0;
  cpu.sel[1] = 0x10; cpu.sel[0] = cpu.sel[2] = cpu.sel[3] = 0x18;
  cpu.regs[RSP << 1] = STACK_TOP;
  cpu.ripLo = CODE_BASE;
  cpu.mmu.modeChanged();
  return { cpu, mem, pt };
}

/** Loads assembled code at CODE_BASE (the snippet should end with `hlt`). */
export function loadCode(m: TestMachine, src: string, at = CODE_BASE): void {
  m.mem.writeBytes(at, assemble(src, at));
  m.cpu.ripLo = at;
  m.cpu.ripHi = 0;
}

/** Runs until HLT (or the budget): returns instructions executed. Throws if the CPU did not halt. */
export function runToHalt(m: TestMachine, budget = 1_000_000): number {
  const before = m.cpu.instructions;
  const why = m.cpu.run(budget);
  if (why !== RUN_HALT) {
    const t = m.cpu.describeTripleFault();
    throw new Error(`CPU did not halt (reason ${why})${t ? ': ' + t : ''}`);
  }
  return m.cpu.instructions - before;
}

/** Assembles and runs `src` (a trailing hlt is appended) and returns the machine. */
export function runSnippet(src: string, setup?: (m: TestMachine) => void): TestMachine {
  const m = createTestMachine();
  setup?.(m);
  loadCode(m, `${src}\nhlt`);
  runToHalt(m);
  return m;
}

/** A register as an unsigned BigInt (tests only). */
export function reg(m: TestMachine, r: number): bigint {
  return (BigInt(m.cpu.regs[(r << 1) | 1] >>> 0) << 32n) | BigInt(m.cpu.regs[r << 1] >>> 0);
}

export function setReg(m: TestMachine, r: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  m.cpu.regs[r << 1] = Number(u & 0xffffffffn) | 0;
  m.cpu.regs[(r << 1) | 1] = Number(u >> 32n) | 0;
}
