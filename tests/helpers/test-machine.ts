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
import { writeGdt, GDT_LIMIT } from '../../emulator/loader/gdt.js';

export const CODE_BASE = 0x100000;
export const STACK_TOP = 0x80000;
export const GDT_BASE = 0x1000;
export const IDT_BASE = 0x2000;

export interface TestMachine {
  cpu: Cpu;
  mem: PhysicalMemory;
  pt: PageTableBuilder;
}

/** GDT layout shared with the loader: 0x08 code32, 0x10 kernel code64, 0x18 kernel data, 0x20 user
 *  code32, 0x28 user data, 0x30 user code64 (emulator/loader/gdt.ts). */
export { writeGdt };

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
  cpu.gdtrBaseLo = GDT_BASE; cpu.gdtrLimit = GDT_LIMIT;
  cpu.idtrBaseLo = IDT_BASE; cpu.idtrLimit = 0;
  cpu.sel[1] = 0x10; cpu.sel[0] = cpu.sel[2] = cpu.sel[3] = 0x18;
  cpu.regs[RSP << 1] = STACK_TOP;
  cpu.ripLo = CODE_BASE;
  cpu.mmu.modeChanged();
  // the cpu-blocks test project compiles every instruction into a block from its first execution
  const jitThreshold = Number(process.env.TLBEMU_TEST_JIT_THRESHOLD ?? 0);
  if (jitThreshold > 0) cpu.jitThreshold = jitThreshold;
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

// ---------------------------------------------------------------- exception recorder (system tests)

/** Where the exception recorder writes: see installExceptionRecorder. */
export const EXC_RECORD = 0x3000;
/** Physical/linear address of the recorder's handler stubs. */
export const EXC_HANDLERS = 0x6000;

export interface GateOptions {
  selector?: number;
  /** 0xE interrupt gate (default), 0xF trap gate. */
  type?: number;
  dpl?: number;
  ist?: number;
  present?: boolean;
}

/** Writes a 16-byte 64-bit IDT gate (SDM 6.14.1) for `vector` at idtBase + 16*vector. */
export function setIdtGate(mem: PhysicalMemory, idtBase: number, vector: number, handler: number, o: GateOptions = {}): void {
  const sel = o.selector ?? 0x10, type = o.type ?? 0xe, dpl = o.dpl ?? 0, ist = o.ist ?? 0;
  const p = o.present === false ? 0 : 1;
  const a = idtBase + vector * 16;
  mem.write32(a, (handler & 0xffff) | (sel << 16));
  mem.write32(a + 4, (handler & 0xffff0000) | (p << 15) | (dpl << 13) | (type << 8) | ist);
  mem.write32(a + 8, Math.floor(handler / 4294967296) | 0);
  mem.write32(a + 12, 0);
}

/**
 * Installs IDT gates for vectors 0-31 (and `extra`) whose handlers record the event at EXC_RECORD:
 * +0 vector, +8 error code (-1 when the vector has none), +16 RIP, +24 CS, +32 RFLAGS, +40 RSP, +48 SS
 * of the pushed frame, +56 CR2, +64 number of events so far. If the qword at +72 (resume address) is
 * non-zero the handler clears it, replaces the frame's RIP with it and returns with IRETQ; otherwise
 * it halts.
 */
export function installExceptionRecorder(m: TestMachine, extra: number[] = [], gate: GateOptions = {}): void {
  const withErr = new Set([8, 10, 11, 12, 13, 14, 17, 21]);
  const vectors = [...Array(32).keys(), ...extra];
  let src = '';
  for (const v of vectors) {
    src += `vec${v}:\n  mov qword ptr [${EXC_RECORD}], ${v}\n`;
    if (!withErr.has(v)) src += '  push -1\n';
    src += '  jmp common\n';
  }
  src += `common:
    push rax
    mov rax, [rsp+8]
    mov [${EXC_RECORD + 8}], rax
    mov rax, [rsp+16]
    mov [${EXC_RECORD + 16}], rax
    mov rax, [rsp+24]
    mov [${EXC_RECORD + 24}], rax
    mov rax, [rsp+32]
    mov [${EXC_RECORD + 32}], rax
    mov rax, [rsp+40]
    mov [${EXC_RECORD + 40}], rax
    mov rax, [rsp+48]
    mov [${EXC_RECORD + 48}], rax
    mov rax, cr2
    mov [${EXC_RECORD + 56}], rax
    add qword ptr [${EXC_RECORD + 64}], 1
    mov rax, [${EXC_RECORD + 72}]
    test rax, rax
    jz 1f
    mov [rsp+16], rax
    mov qword ptr [${EXC_RECORD + 72}], 0
    pop rax
    add rsp, 8
    iretq
1:  pop rax
    hlt
    jmp 1b
`;
  // a table of the stubs' addresses at the end of the code gives each gate its handler
  src += `.p2align 3\ntable:\n${vectors.map((v) => `  .quad vec${v}`).join('\n')}\n`;
  const code = assemble(src, EXC_HANDLERS);
  m.mem.writeBytes(EXC_HANDLERS, code);
  const table = EXC_HANDLERS + code.length - 8 * vectors.length;
  vectors.forEach((v, k) => setIdtGate(m.mem, IDT_BASE, v, m.mem.read32(table + 8 * k), gate));
  for (let k = 0; k < 80; k += 4) m.mem.write32(EXC_RECORD + k, 0);
  m.cpu.idtrBaseLo = IDT_BASE;
  m.cpu.idtrBaseHi = 0;
  m.cpu.idtrLimit = 256 * 16 - 1;
}

export interface ExceptionRecord {
  vector: number;
  errorCode: bigint;
  rip: bigint;
  cs: bigint;
  rflags: bigint;
  rsp: bigint;
  ss: bigint;
  cr2: bigint;
  count: number;
}

function read64(mem: PhysicalMemory, a: number): bigint {
  return (BigInt(mem.read32(a + 4) >>> 0) << 32n) | BigInt(mem.read32(a) >>> 0);
}

/** The last event recorded by installExceptionRecorder's handlers. */
export function lastException(m: TestMachine): ExceptionRecord {
  const r = (k: number) => read64(m.mem, EXC_RECORD + k);
  return {
    vector: Number(r(0)), errorCode: BigInt.asIntN(64, r(8)), rip: r(16), cs: r(24), rflags: r(32), rsp: r(40),
    ss: r(48), cr2: r(56), count: Number(r(64)),
  };
}

/** Where installTss puts the 64-bit TSS (SDM 7.7) and its GDT selector. */
export const TSS_BASE = 0x4000;
export const TSS_SEL = 0x38;

/**
 * Writes a 64-bit TSS at TSS_BASE with RSP0 and IST1-7 as given, a 16-byte busy TSS descriptor at GDT
 * selector 0x38 (the GDT limit grows to cover it) and loads TR as LTR would have.
 */
export function installTss(m: TestMachine, o: { rsp0?: number; ist?: Record<number, number>; busy?: boolean } = {}): void {
  const mem = m.mem;
  for (let k = 0; k < 0x68; k += 4) mem.write32(TSS_BASE + k, 0);
  const q = (off: number, v: number) => { mem.write32(TSS_BASE + off, v | 0); mem.write32(TSS_BASE + off + 4, Math.floor(v / 4294967296)); };
  q(4, o.rsp0 ?? 0);
  for (const [n, v] of Object.entries(o.ist ?? {})) q(0x24 + 8 * (Number(n) - 1), v);
  mem.write32(TSS_BASE + 0x64, 0x68 << 16); // I/O map base beyond the limit
  const type = o.busy === false ? 0x9 : 0xb;
  const d = GDT_BASE + TSS_SEL;
  mem.write32(d, 0x67 | ((TSS_BASE & 0xffff) << 16));
  mem.write32(d + 4, ((TSS_BASE >>> 16) & 0xff) | (type << 8) | (1 << 15) | (TSS_BASE & 0xff000000));
  mem.write32(d + 8, 0);
  mem.write32(d + 12, 0);
  m.cpu.gdtrLimit = TSS_SEL + 16 - 1;
  if (o.busy !== false) {
    m.cpu.trSel = TSS_SEL; m.cpu.trBaseLo = TSS_BASE; m.cpu.trBaseHi = 0; m.cpu.trLimit = 0x67;
  }
}

/** Puts the CPU at CPL 3 (CS 0x33, SS 0x2b) at `rip` with stack `rsp`, as an IRETQ to user mode would. */
export function enterUserMode(m: TestMachine, rip: number, rsp: number): void {
  m.cpu.sel[1] = 0x33; m.cpu.sel[2] = 0x2b; m.cpu.sel[3] = m.cpu.sel[0] = 0x2b;
  m.cpu.setCpl(3);
  m.cpu.ripLo = rip; m.cpu.ripHi = 0;
  m.cpu.regs[RSP << 1] = rsp; m.cpu.regs[(RSP << 1) | 1] = 0;
}
