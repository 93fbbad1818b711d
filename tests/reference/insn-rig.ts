// The rig of the instruction-level differential test: one test machine (CPL 0, paging on, identity
// mapped) and one Unicorn engine kept in lockstep through LockstepSession; each case loads code,
// registers and data into our machine, copies them to Unicorn and steps both one instruction at a time.
import { Cpu, TripleFaultReport } from '../../emulator/cpu/cpu.js';
import { VECTOR_NAMES } from '../../emulator/cpu/faults.js';
import { PT_P, PT_US, PT_PS } from '../../emulator/loader/page-table-builder.js';
import { LockstepSession, Divergence, formatLockstepReport } from '../../emulator/reference/lockstep.js';
import { Unicorn } from '../../emulator/reference/unicorn.js';
import { Disassembler } from '../../emulator/reference/capstone.js';
import { createTestMachine, TestMachine, CODE_BASE } from '../helpers/test-machine.js';
import { Rng } from './corpus.js';

export const DATA_BASE = 0x1ff000;
export const DATA_PAGES = 3;
export const STACK_LOW = 0x7e000;
export const STACK_TOP = 0x80000;
/** 2 MiB not present (r12 points here, or at a non-canonical address). */
export const NP_BASE = 0x1000000;
/** 2 MiB read-only (r14 points here). */
export const RO_BASE = 0x1200000;
export const NONCANONICAL = 0x8000_0000_0000_0000n;
/** Where Unicorn's TLB-flush stub lives (identity-mapped, supervisor, executable). */
export const FLUSH_STUB = 0x7000;
const ZERO_PAGE = new Uint8Array(4096);

/** Register indices (tlbemu order). */
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R12 = 12, R14 = 14;
export const FREE_REGS = [0, 1, 2, 7, 5, 8, 9, 10, 11, 13, 15];

export interface CaseInput {
  code: Uint8Array;
  /** Values of FREE_REGS in that order. */
  free: bigint[];
  /** rbx = DATA_BASE + 0x400 + rbxOff. */
  rbxOff: number;
  rsi: number;
  /** r12: not-present region (false) or non-canonical (true), plus an offset. */
  r12NonCanonical: boolean;
  r12Off: number;
  r14Off: number;
  /** Initial RFLAGS arithmetic bits and DF. */
  flags: number;
  dataSeed: number;
}

export interface CaseResult {
  divergence: Divergence | null;
  text: string;
  instructions: number;
  /** Our CPU ended on an exception (vector) or -1. */
  exception: number;
}

export class InsnRig {
  readonly m: TestMachine;
  readonly cpu: Cpu;
  readonly uc: Unicorn;
  readonly session: LockstepSession;

  constructor(dis: Disassembler) {
    this.m = createTestMachine({ memMiB: 64 });
    this.cpu = this.m.cpu;
    const pt = this.m.pt;
    // nothing mapped beyond RAM (64 MiB): a wild pointer faults on both engines alike
    for (let va = 64 << 20; va < 1 << 30; va += 2 << 20) pt.writeEntry(pt.entryAddress(BigInt(va), 2), 0n);
    // a not-present and a read-only 2 MiB region
    pt.writeEntry(pt.entryAddress(BigInt(NP_BASE), 2), 0n);
    pt.writeEntry(pt.entryAddress(BigInt(RO_BASE), 2), BigInt(RO_BASE) | PT_P | PT_US | PT_PS);
    const rng = new Rng(0x5eed);
    const ro = new Uint8Array(4096);
    for (let i = 0; i < ro.length; i++) ro[i] = rng.int(256);
    this.m.mem.writeBytes(RO_BASE, ro);
    this.m.mem.writeBytes(FLUSH_STUB, LockstepSession.FLUSH_STUB);
    this.uc = Unicorn.open();
    this.session = new LockstepSession(this.cpu, this.uc, dis);
    // exceptions end a case (IDT limit 0): they write no memory, and Unicorn's TLB is flushed by a stub
    this.session.fullResync = false;
    this.session.flushStub = FLUSH_STUB;
    this.session.seed();
    this.pristine = this.m.mem.readBytes(0, STACK_LOW);
  }

  /** GDT, page tables and the rest of low memory as built: a wild store of a previous case (through a
   *  random return address) must not leak into the next one. */
  private readonly pristine: Uint8Array;
  /** The last case executed code outside the code page. */
  private wild = false;

  private restoreLowMemory(): void {
    const mem = this.m.mem;
    for (let p = 0; p < STACK_LOW; p += 4096) {
      const want = this.pristine.subarray(p, p + 4096);
      const f = mem.peekFrame(p / 4096);
      const ours = f === null ? ZERO_PAGE : f.bytes;
      if (Buffer.compare(ours, want) === 0 && Buffer.compare(this.uc.view(p, 4096)!, want) === 0) continue;
      mem.writeBytes(p, want);
      this.session.syncPhysical(p, 4096);
    }
  }

  close(): void {
    this.session.close();
    this.uc.close();
  }

  /** Runs one case on both engines; at most `maxSteps` instructions. */
  run(c: CaseInput, maxSteps = 256): CaseResult {
    const cpu = this.cpu, mem = this.m.mem, s = this.session;
    // memory: data and stack pages from the seed, then the code followed by HLT
    const data = randomBytes(DATA_PAGES * 4096, c.dataSeed);
    mem.writeBytes(DATA_BASE, data);
    const stack = randomBytes(STACK_TOP - STACK_LOW, c.dataSeed ^ 0x5a5a5a5a);
    mem.writeBytes(STACK_LOW, stack);
    // both engines' low memory back to pristine where a wild store changed it on either side
    this.restoreLowMemory();
    const code = new Uint8Array(c.code.length + 16);
    code.set(c.code);
    code[c.code.length] = 0xf4; // hlt
    mem.writeBytes(CODE_BASE, code);
    // registers
    for (let r = 0; r < 16; r++) { cpu.regs[r << 1] = 0; cpu.regs[(r << 1) | 1] = 0; }
    FREE_REGS.forEach((r, k) => this.set(r, c.free[k]));
    this.set(RBX, BigInt(DATA_BASE + 0x400 + c.rbxOff));
    this.set(RSI, BigInt(c.rsi));
    this.set(R12, c.r12NonCanonical ? NONCANONICAL + BigInt(c.r12Off) : BigInt(NP_BASE + c.r12Off));
    this.set(R14, BigInt(RO_BASE + c.r14Off));
    this.set(RSP, BigInt(STACK_TOP - 0x800));
    cpu.ripLo = CODE_BASE; cpu.ripHi = 0;
    cpu.setFlags((c.flags & 0xcd5) | 2);
    cpu.cr2Lo = 0; cpu.cr2Hi = 0;
    cpu.stopped = false; cpu.halted = false; cpu.tripleFaultReport = null; cpu.interruptShadow = false;
    cpu.mmu.invpcid(2, 0, 0, 0);
    // Unicorn takes the same state; code it translated from the data and stack pages goes too when
    // the last case ran code outside the code page (a wild RET may have executed data)
    s.syncPhysical(CODE_BASE, code.length);
    s.syncPhysical(DATA_BASE, data.length, this.wild);
    s.syncPhysical(STACK_LOW, stack.length, this.wild);
    this.wild = false;
    s.syncRegisters();
    const before = s.instructions;
    let divergence: Divergence | null = null;
    for (let k = 0; k < maxSteps; k++) {
      if ((cpu.ripLo & ~0xfff) !== CODE_BASE || cpu.ripHi !== 0) this.wild = true;
      const r = s.batch(1);
      if (r.divergence !== null) { divergence = r.divergence; break; }
      if (r.stop !== null) break;
    }
    if (divergence === null) divergence = this.compareRegions();
    if (divergence !== null) {
      // a diverging case may leave the engines' memories different anywhere: make them equal again so
      // that the next case (fast-check shrinking runs many) starts from one state
      s.fullResync = true;
      s.resyncAll();
      s.fullResync = false;
    }
    const instructions = s.instructions - before;
    const exception = cpu.stopped && (cpu.tripleFaultReport as TripleFaultReport | null) !== null ? vectorOf((cpu.tripleFaultReport as unknown as TripleFaultReport).chain[0]) : -1;
    const text = divergence === null ? '' : formatLockstepReport({
      ok: false, report: divergence, instructions, compared: instructions, masked: [], stop: 'divergence',
    });
    return { divergence, text, instructions, exception };
  }

  private set(r: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.cpu.regs[r << 1] = Number(u & 0xffffffffn) | 0;
    this.cpu.regs[(r << 1) | 1] = Number(u >> 32n) | 0;
  }

  /** Data and stack pages must hold the same bytes in both engines. */
  private compareRegions(): Divergence | null {
    for (const [base, len] of [[DATA_BASE, DATA_PAGES * 4096], [STACK_LOW, STACK_TOP - STACK_LOW]]) {
      const ours = this.m.mem.readBytes(base, len);
      const theirs = this.uc.view(base, len)!;
      if (Buffer.compare(ours, theirs) === 0) continue;
      for (let i = 0; i < len; i++) {
        if (ours[i] === theirs[i]) continue;
        const at = i & ~7;
        return {
          kind: 'memory', instruction: this.session.instructions, rip: 0n, bytes: new Uint8Array(0), disasm: '',
          ours: emptyState(), unicorn: emptyState(), fields: [], ourException: null, unicornException: null,
          memory: { address: BigInt(base + at), ours: ours.slice(at, at + 8), unicorn: theirs.slice(at, at + 8) },
          note: 'memory differs at the end of the case', history: [],
        };
      }
    }
    return null;
  }
}

/** `len` bytes (a multiple of 4) from a xorshift32 stream seeded with `seed`. */
export function randomBytes(len: number, seed: number): Uint8Array {
  const w = new Uint32Array(len >> 2);
  let x = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < w.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    w[i] = x;
  }
  return new Uint8Array(w.buffer);
}

function vectorOf(name: string): number {
  for (const [v, n] of Object.entries(VECTOR_NAMES)) if (name.startsWith(n)) return Number(v);
  return -2;
}

function emptyState() {
  return { gpr: new Array<bigint>(16).fill(0n), rip: 0n, rflags: 0n, cr0: 0n, cr2: 0n, cr3: 0n, cr4: 0n, efer: 0n, fsBase: 0n, gsBase: 0n };
}

/** Branch wrappers around a snippet: a Jcc over it, or a CALL into it that returns after it. */
export function wrap(bytes: Uint8Array, kind: number, cc: number): Uint8Array {
  if (bytes.length > 120) return bytes;
  if (kind < 8) { // jcc rel8 over the snippet
    const out = new Uint8Array(bytes.length + 2);
    out[0] = 0x70 | (cc & 15); out[1] = bytes.length;
    out.set(bytes, 2);
    return out;
  }
  if (kind < 11) { // call +2; jmp over (snippet; ret); snippet; ret
    const out = new Uint8Array(bytes.length + 8);
    out.set([0xe8, 2, 0, 0, 0, 0xeb, bytes.length + 1], 0);
    out.set(bytes, 7);
    out[7 + bytes.length] = 0xc3;
    return out;
  }
  return bytes;
}
