// Lockstep against Unicorn: seed Unicorn from one of our CPUs, execute both instruction by
// instruction (or in batches of N), compare the architectural state and stop at the first divergence
// with a report. Edge code (BigInt, allocation): it runs beside the emulator, never inside it.
//
// What Unicorn 2.0.1 can arbitrate (see unicorn.ts for the measured facts):
// - It walks the page tables but accesses memory at physical = linear. RAM is mapped at its physical
//   addresses; when Unicorn touches a linear page that is not RAM at that address, the page is
//   aliased onto the frame our current page tables map it to (so a higher-half kernel works). A linear
//   address that is itself a RAM address must therefore be identity-mapped: a non-identity mapping of
//   such an address is not seen by Unicorn. Aliases are dropped whenever our TLB is flushed.
// - It never delivers exceptions or interrupts through the IDT, has no devices, its own CPUID, TSC and
//   MSRs, and implements SYSCALL as a host hook. Those steps are compared where they can be (vector,
//   error code, CR2, the state at the fault) and Unicorn is then re-seeded from our state. Every such
//   step, and every undefined result the SDM lets the two differ on, is counted under a named reason
//   in LockstepResult.masked: nothing is skipped silently. So are Unicorn's own deviations from the
//   SDM, each pinned by a test in tests/reference/unicorn.test.ts (some only appear under the
//   memory-write hook the lockstep installs to compare stores).
// - With every = N > 1, Unicorn runs N instructions per call and the states are compared under the
//   union of the masks of the batch; a batch still ends before any step above.
//
// Use (tlbemu run IMAGE --lockstep unicorn [--lockstep-every N]), on a booted machine with one CPU:
//   const uc = Unicorn.open();                        // UnicornUnavailableError: not installed
//   const r = await runLockstep(machine, uc, { every: N, maxInsns });
//   uc.close();
//   print(formatLockstepReport(r));                   // r.ok false: exit status 8 (DESIGN.md)
// r.stop says why it ended: 'divergence', 'machine-stop' (machine.stopRequest, e.g. debug-exit),
// 'halted' (HLT: the scheduler's idle time is not simulated here), 'stopped' (triple fault) or
// 'budget' (maxInsns).
import type { Cpu } from '../cpu/cpu.js';
import { RUN_HALT } from '../cpu/cpu.js';
import { CpuFault } from '../cpu/faults.js';
import { getFlags } from '../cpu/flags.js';
import type { Insn } from '../cpu/insn.js';
import { decode } from '../cpu/decoder.js';
import type { EmulatorHooks, FaultEvent } from '../hooks.js';
import { REG_NAMES, RCX } from '../cpu/state.js';
import type { E820Range } from '../memory/e820.js';
import { WalkResult } from '../mmu/walker.js';
import { PERM_W, PERM_U, PERM_X } from '../mmu/access.js';
import { Unicorn, NO_EXIT, UC_ERR_NAMES, UcException, UcState, UcUnmapped, X86_REG, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_FMASK } from './unicorn.js';
import { disassembler, Disassembler } from './capstone.js';

/** Architectural state compared after each step (unsigned BigInts). */
export interface ArchState {
  gpr: bigint[];
  rip: bigint;
  rflags: bigint;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  fsBase: bigint;
  gsBase: bigint;
}

export interface FieldDiff {
  field: string;
  ours: bigint;
  unicorn: bigint;
}

export interface ExceptionInfo {
  vector: number;
  /** -1 when none or unknown. */
  errorCode: number;
  cr2?: bigint;
}

export interface Divergence {
  kind: 'state' | 'exception' | 'memory' | 'unicorn';
  /** Instructions retired by our CPU before the diverging one. */
  instruction: number;
  rip: bigint;
  bytes: Uint8Array;
  disasm: string;
  ours: ArchState;
  unicorn: ArchState;
  fields: FieldDiff[];
  ourException: ExceptionInfo | null;
  unicornException: ExceptionInfo | null;
  memory: { address: bigint; ours: Uint8Array; unicorn: Uint8Array } | null;
  note: string;
  /** The instructions before it, oldest first. */
  history: { rip: bigint; text: string }[];
}

export interface MaskCount {
  reason: string;
  count: number;
  firstRip: bigint;
}

export type LockstepStop = 'halted' | 'budget' | 'divergence' | 'stopped' | 'machine-stop';

export interface LockstepResult {
  ok: boolean;
  report: Divergence | null;
  /** Instructions our CPU executed under lockstep. */
  instructions: number;
  /** Comparison points (every instruction, or every N). */
  compared: number;
  masked: MaskCount[];
  stop: LockstepStop;
}

export interface LockstepOptions {
  /** Compare every N instructions (1 = every instruction). Batches also end at any instruction that
   *  needs special handling or leaves something undefined. */
  every?: number;
  maxInsns?: number;
  /** Compare all of RAM every this many instructions (and at the end); 0 = only at the end. */
  fullCompareEvery?: number;
}

/** A machine with one CPU, or the CPU itself. */
export type LockstepTarget = Cpu | { cpus: readonly Cpu[]; stopRequest?: unknown };

// ------------------------------------------------------------------------------------------------
// Undefined results (SDM vol. 2 "Flags Affected" of each instruction)

const CF = 1n, PF = 4n, AF = 16n, ZF = 64n, SF = 128n, OF = 2048n;
/** RFLAGS bits compared (bit 1 and all defined bits). */
const FLAGS_COMPARED = 0x3f7fd7n;

interface Undefined {
  flags: bigint;
  /** GPR indices whose value is undefined. */
  regs: number[];
  reason: string;
}

const LOGIC = 'AF is undefined after AND/OR/XOR/TEST (SDM)';

/** What the SDM leaves undefined for the instruction just executed (preRcx: RCX before it). */
export function undefinedEffects(i: Insn, preRcx: bigint, post: { rflags: bigint }): Undefined | null {
  const op = i.op, reg = i.reg & 7;
  const width = i.osize * 8;
  switch (op) {
    case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
    case 0x84: case 0x85: case 0xa8: case 0xa9:
      return { flags: AF, regs: [], reason: LOGIC };
    case 0x80: case 0x81: case 0x83:
      return reg === 1 || reg === 4 || reg === 6 ? { flags: AF, regs: [], reason: LOGIC } : null;
    case 0xf6: case 0xf7:
      if (reg <= 1) return { flags: AF, regs: [], reason: LOGIC };
      if (reg === 4 || reg === 5) return { flags: SF | ZF | AF | PF, regs: [], reason: 'SF, ZF, AF, PF are undefined after MUL/IMUL (SDM)' };
      if (reg >= 6) return { flags: CF | OF | SF | ZF | AF | PF, regs: [], reason: 'all arithmetic flags are undefined after DIV/IDIV (SDM)' };
      return null;
    case 0x1af: case 0x69: case 0x6b:
      return { flags: SF | ZF | AF | PF, regs: [], reason: 'SF, ZF, AF, PF are undefined after IMUL (SDM)' };
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const raw = op <= 0xc1 ? i.imm & 0xff : op <= 0xd1 ? 1 : Number(preRcx & 0xffn);
      const count = raw & (width === 64 ? 63 : 31);
      if (count === 0) return null;
      if (reg <= 3) {
        // ROL ROR RCL RCR: only CF and OF change; OF is defined for 1-bit rotates only
        return count > 1 ? { flags: OF, regs: [], reason: 'OF is undefined after a rotate by more than 1 (SDM)' } : null;
      }
      let flags = AF;
      let reason = 'AF is undefined after a shift by a non-zero count (SDM)';
      if (count > 1) { flags |= OF; reason = 'OF is undefined after a shift by more than 1, AF after any shift (SDM)'; }
      if (count >= width) { flags |= CF; reason = 'CF, OF, AF are undefined after a shift by at least the operand width (SDM)'; }
      return { flags, regs: [], reason };
    }
    case 0x1a4: case 0x1a5: case 0x1ac: case 0x1ad: {
      const raw = op === 0x1a4 || op === 0x1ac ? i.imm & 0xff : Number(preRcx & 0xffn);
      const count = raw & (width === 64 ? 63 : 31);
      if (count === 0) return null;
      if (count > width) {
        return { flags: CF | OF | SF | ZF | AF | PF, regs: i.isMem ? [] : [i.rm], reason: 'SHLD/SHRD by more than the operand width: result and flags undefined (SDM)' };
      }
      return { flags: count > 1 ? OF | AF : AF, regs: [], reason: 'AF (and OF for counts above 1) undefined after SHLD/SHRD (SDM)' };
    }
    case 0x1a3: case 0x1ab: case 0x1b3: case 0x1bb: case 0x1ba:
      return { flags: OF | SF | AF | PF, regs: [], reason: 'OF, SF, AF, PF are undefined after BT/BTS/BTR/BTC (SDM)' };
    case 0x1bc: case 0x1bd:
      if (i.rep === 1) return { flags: OF | SF | AF | PF, regs: [], reason: 'OF, SF, AF, PF are undefined after TZCNT/LZCNT (SDM)' };
      return {
        flags: CF | OF | SF | AF | PF,
        regs: (post.rflags & ZF) !== 0n ? [i.reg] : [],
        reason: (post.rflags & ZF) !== 0n ? 'BSF/BSR of 0: destination and flags other than ZF undefined (SDM)'
          : 'CF, OF, SF, AF, PF are undefined after BSF/BSR (SDM)',
      };
    case 0x1c8: case 0x1c9: case 0x1ca: case 0x1cb: case 0x1cc: case 0x1cd: case 0x1ce: case 0x1cf:
      return i.osize === 2 ? { flags: 0n, regs: [i.rm], reason: 'BSWAP of a 16-bit register is undefined (SDM)' } : null;
  }
  return null;
}

/**
 * Where Unicorn 2.0.1 (QEMU 5.0's translator) departs from the SDM, measured against hand-computed
 * results in tests/reference/regressions.test.ts. tlbemu follows the SDM; these bits are not compared.
 */
export function unicornDeviations(i: Insn, post: { rflags: bigint }): Undefined | null {
  const op = i.op, reg = i.reg & 7;
  const preZf = (_i: Insn) => (post.rflags & ZF) !== 0n; // CMPXCHG: ZF=1 after means it succeeded
  if ((op === 0xf6 || op === 0xf7) && reg === 3 && i.lock) {
    return { flags: SF | ZF | PF, regs: [], reason: 'Unicorn deviation: LOCK NEG sets SF, ZF, PF from the old value, not the result' };
  }
  if ((op === 0x1a4 || op === 0x1a5 || op === 0x1ac || op === 0x1ad) && i.isMem) {
    return { flags: CF | OF, regs: [], reason: 'Unicorn deviation: SHLD/SHRD with a memory destination computes CF/OF wrongly under a memory-write hook (lockstep installs one)' };
  }
  if ((op === 0xd2 || op === 0xd3) && i.isMem) {
    return { flags: CF | OF, regs: [], reason: 'Unicorn deviation: a shift or rotate by CL of memory computes CF/OF wrongly under a memory-write hook (lockstep installs one)' };
  }
  if (op === 0x1b1 && i.osize === 4 && preZf(i)) {
    return { flags: 0n, regs: [0], reason: 'Unicorn deviation: a 32-bit CMPXCHG that succeeds still writes EAX (zero-extending RAX); the SDM writes the accumulator only on failure' };
  }
  return null;
}

/** Unicorn 2.0.1 deviations in the state it reports at a fault raised by `i` (SDM: unchanged). */
export function unicornFaultDeviations(i: Insn): Undefined | null {
  const op = i.op, reg = i.reg & 7;
  if ((op === 0xc0 || op === 0xc1 || op === 0xd0 || op === 0xd1 || op === 0xd2 || op === 0xd3) && i.isMem && (reg === 2 || reg === 3)) {
    return { flags: CF | OF, regs: [], reason: 'Unicorn deviation: RCL/RCR whose memory write faults has already changed CF/OF' };
  }
  return null;
}

/** Everything the two engines may legitimately disagree on after `i`. */
export function knownDifferences(i: Insn, preRcx: bigint, post: { rflags: bigint }): Undefined[] {
  const out: Undefined[] = [];
  const u = undefinedEffects(i, preRcx, post);
  if (u !== null) out.push(u);
  const d = unicornDeviations(i, post);
  if (d !== null) out.push(d);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Steps Unicorn cannot reproduce: compared where possible, then Unicorn takes our state

interface Special {
  reason: string;
  /** Unicorn does not run this instruction at all: our result is copied over. */
  skipUnicorn: boolean;
  /** What Unicorn must take from us afterwards: the GPRs, RIP and RFLAGS; all registers
   *  (control registers, MSRs, CPL); or everything including memory that differs. */
  sync?: 'gprs' | 'registers' | 'all';
}

/** REP-prefixed string instructions: Unicorn executes one iteration per counted instruction. */
function isRepString(i: Insn | null): boolean {
  if (i === null || i.rep === 0) return false;
  const op = i.op;
  return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f);
}

function special(i: Insn): Special | null {
  switch (i.op) {
    case 0x1a2: return { reason: 'CPUID: tlbemu reports its configured feature set, Unicorn its own', skipUnicorn: false, sync: 'gprs' };
    case 0x131: return { reason: 'RDTSC: tlbemu counts retired instructions, Unicorn host time', skipUnicorn: false, sync: 'gprs' };
    case 0x132: return { reason: 'RDMSR: machine MSRs (x2APIC) and MSRs Unicorn does not model', skipUnicorn: false, sync: 'gprs' };
    case 0x130: return { reason: 'WRMSR: Unicorn masks EFER.NXE/SCE and ignores machine MSRs', skipUnicorn: false, sync: 'registers' };
    case 0xe4: case 0xe5: case 0xe6: case 0xe7: case 0xec: case 0xed: case 0xee: case 0xef:
    case 0x6e: case 0x6f:
      return { reason: 'port I/O: tlbemu has devices, Unicorn none', skipUnicorn: true, sync: 'gprs' };
    case 0x6c: case 0x6d:
      return { reason: 'port I/O: tlbemu has devices, Unicorn none', skipUnicorn: true, sync: 'all' };
    case 0x105: case 0x107:
      return { reason: 'SYSCALL/SYSRET: Unicorn 2.0.1 turns them into a host hook', skipUnicorn: true, sync: 'registers' };
    case 0xcc: case 0xcd: case 0xce: case 0xf1:
      return { reason: 'INT n/INT3/INTO: Unicorn does not deliver through the IDT', skipUnicorn: true };
    case 0x101:
      if (i.mod === 3 && (i.reg & 7) === 7 && (i.rm & 7) === 1) return { reason: 'RDTSCP: TSC and TSC_AUX differ by design', skipUnicorn: false, sync: 'gprs' };
      return null;
    case 0x1c7:
      if (i.mod === 3 && ((i.reg & 7) === 6 || (i.reg & 7) === 7)) return { reason: 'RDRAND/RDSEED: random by definition', skipUnicorn: false, sync: 'gprs' };
      return null;
  }
  return null;
}

// ------------------------------------------------------------------------------------------------

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Our CPU's architectural state. */
export function ourState(cpu: Cpu): ArchState {
  const gpr: bigint[] = [];
  for (let r = 0; r < 16; r++) gpr.push(u64(cpu.regs[r << 1], cpu.regs[(r << 1) | 1]));
  return {
    gpr, rip: u64(cpu.ripLo, cpu.ripHi), rflags: BigInt(getFlags(cpu) >>> 0),
    cr0: BigInt(cpu.cr0 >>> 0), cr2: u64(cpu.cr2Lo, cpu.cr2Hi), cr3: u64(cpu.cr3Lo, cpu.cr3Hi), cr4: BigInt(cpu.cr4 >>> 0),
    efer: BigInt(cpu.efer >>> 0), fsBase: u64(cpu.fsBaseLo, cpu.fsBaseHi), gsBase: u64(cpu.gsBaseLo, cpu.gsBaseHi),
  };
}

function fromUc(s: UcState): ArchState {
  return { gpr: s.gpr, rip: s.rip, rflags: s.rflags, cr0: s.cr0, cr2: s.cr2, cr3: s.cr3, cr4: s.cr4, efer: s.efer, fsBase: s.fsBase, gsBase: s.gsBase };
}

function hex(v: bigint, w = 16): string {
  return '0x' + v.toString(16).padStart(w, '0');
}

/** Field-by-field differences, after ignoring the masked flag bits and registers. */
export function diffStates(a: ArchState, b: ArchState, flagMask = 0n, regMask: readonly number[] = []): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (let r = 0; r < 16; r++) {
    if (regMask.includes(r)) continue;
    if (a.gpr[r] !== b.gpr[r]) out.push({ field: REG_NAMES[r], ours: a.gpr[r], unicorn: b.gpr[r] });
  }
  if (a.rip !== b.rip) out.push({ field: 'rip', ours: a.rip, unicorn: b.rip });
  const fm = FLAGS_COMPARED & ~flagMask;
  if ((a.rflags & fm) !== (b.rflags & fm)) out.push({ field: 'rflags', ours: a.rflags, unicorn: b.rflags });
  for (const f of ['cr0', 'cr2', 'cr3', 'cr4', 'efer', 'fsBase', 'gsBase'] as const) {
    if (a[f] !== b[f]) out.push({ field: f, ours: a[f], unicorn: b[f] });
  }
  return out;
}

interface OurFault {
  vector: number;
  errorCode: number;
  /** The state the exception reports, taken when the CPU starts delivering it (after the handler
   *  that faulted has put back what it changed; RIP on the instruction, CR2 loaded). */
  state: ArchState;
  delivered: boolean;
}

/**
 * The machinery of a lockstep run, usable step by step (the differential tests drive it directly).
 */
export class LockstepSession {
  readonly masked = new Map<string, MaskCount>();
  compared = 0;
  instructions = 0;
  private readonly prevHooks: EmulatorHooks | null;
  private ourFault: OurFault | null = null;
  private external = false;
  private hostUd = false;
  private flushed = false;
  private writes: { address: bigint; size: number }[] = [];
  /** RIPs of the last instructions (their bytes are read when a report needs them). */
  private readonly history: bigint[] = [];
  /** An exception Unicorn raised fetching the instruction after the one it was asked to run. */
  private earlyFetch: { rip: bigint; exc: UcException; cr2: bigint } | null = null;
  private scratchPages = new Set<bigint>();
  private closed = false;
  /** Set while decoding ahead: a fetch fault there is not an event of the instruction stream. */
  private peeking = false;

  /**
   * After a step Unicorn cannot follow, our pages that differ are copied to Unicorn (a full
   * comparison of RAM). A harness whose exceptions write no memory (IDT limit 0) may turn it off.
   */
  fullResync = true;
  /**
   * Linear address of an identity-mapped, supervisor-executable page Unicorn may use for a stub
   * (MOV RAX, CR3; MOV CR3, RAX; HLT) that flushes its TLB; null: flush by changing the memory map,
   * which costs about 0.5 ms (see Unicorn.flushTlb).
   */
  flushStub: number | null = null;

  constructor(readonly cpu: Cpu, readonly uc: Unicorn, readonly dis: Disassembler | null = null) {
    this.prevHooks = cpu.hooks;
    const prev = this.prevHooks;
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    const h: EmulatorHooks = {
      ...(prev ?? {}),
      fault(ev: FaultEvent) {
        if (self.peeking) return;
        if (self.ourFault === null) {
          // provisional state (replaced at delivery): the instruction may still undo some of it
          const s = ourState(cpu);
          s.rip = u64(cpu.insnRipLo, cpu.insnRipHi);
          if (ev.vector === 14) s.cr2 = u64(ev.addrLo, ev.addrHi);
          self.ourFault = { vector: ev.vector, errorCode: ev.errorCode, state: s, delivered: false };
        }
        prev?.fault?.(ev);
      },
      interrupt(c: number, vector: number, external: boolean) {
        if (external) self.external = true;
        else if (self.ourFault !== null && !self.ourFault.delivered) {
          self.ourFault.delivered = true;
          self.ourFault.state = ourState(cpu);
        }
        prev?.interrupt?.(c, vector, external);
      },
      tlbFlush(ev) {
        self.flushed = true;
        prev?.tlbFlush?.(ev);
      },
      invalidOpcode(c: number): boolean {
        const handled = prev?.invalidOpcode?.(c) ?? false;
        if (handled) self.hostUd = true;
        return handled;
      },
    };
    cpu.setHooks(h);
    uc.onUnmapped = (u) => this.mapForUnicorn(u);
    uc.hookMemWrite((address, size) => { this.writes.push({ address, size }); });
  }

  /** Restores the CPU's hooks. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cpu.setHooks(this.prevHooks);
    this.uc.onUnmapped = null;
  }

  /** Counts a known, documented difference under `reason`. */
  mask(reason: string, rip: bigint): void {
    const m = this.masked.get(reason);
    if (m) m.count++;
    else this.masked.set(reason, { reason, count: 1, firstRip: rip });
  }

  // ---------------------------------------------------------------------------------- seeding

  /** Maps every e820 range in Unicorn (native RAM) and copies the frames our memory has allocated. */
  seedMemory(): void {
    const mem = this.cpu.mem;
    for (const r of mem.map.entries() as readonly E820Range[]) {
      const base = Math.floor(r.base / 4096) * 4096;
      const end = Math.ceil((r.base + r.length) / 4096) * 4096;
      this.uc.mapRam(base, end - base);
      this.copyFrames(base, end);
    }
  }

  private copyFrames(base: number, end: number): void {
    const mem = this.cpu.mem;
    for (let p = base; p < end; p += 4096) {
      const f = mem.peekFrame(p / 4096);
      if (f === null) continue;
      const v = this.uc.view(p, 4096);
      if (v !== null) v.set(f.bytes);
    }
  }

  /**
   * Copies the physical pages covering [paddr, paddr+len) to Unicorn and (unless `code` is false)
   * drops code Unicorn translated from them. Unicorn's TB_REMOVE_CACHE takes a *linear* range and
   * walks the page tables for it like a fetch (setting accessed bits; an untranslatable one leaves a
   * half-raised #PF in QEMU's state that swallows the next real exception), so only the identity
   * address and the aliases of the page are used, and only when the page may hold code.
   */
  syncPhysical(paddr: number, len: number, code = true): void {
    const first = Math.floor(paddr / 4096) * 4096;
    for (let p = first; p < paddr + len; p += 4096) {
      const v = this.uc.view(p, 4096);
      if (v === null) continue;
      const f = this.cpu.mem.peekFrame(p / 4096);
      if (f !== null) v.set(f.bytes);
      else v.set(this.cpu.mem.readBytes(p, 4096)); // zeros, or all-ones where nothing backs it
      if (!code) continue;
      if (this.cpu.mmu.debugTranslate(p | 0, Math.floor(p / 4294967296)) === p) this.uc.flushCode(BigInt(p), BigInt(p + 4096));
      for (const [lin, phys] of this.uc.aliasedPages()) if (phys === p) this.uc.flushCode(lin, lin + 4096n);
    }
  }

  /** Writes our registers, control registers and MSRs to Unicorn. */
  syncRegisters(): void {
    const cpu = this.cpu, uc = this.uc;
    const s = ourState(cpu);
    uc.setEfer(s.efer);
    const cur = uc.readState();
    if (cur.cr4 !== s.cr4) uc.setReg(X86_REG.CR4, s.cr4);
    if (cur.cr3 !== s.cr3) uc.setReg(X86_REG.CR3, s.cr3);
    if (cur.cr0 !== s.cr0) uc.setReg(X86_REG.CR0, s.cr0);
    uc.syncSmap();
    uc.setReg(X86_REG.CR2, s.cr2);
    uc.setReg(X86_REG.CR8, BigInt(cpu.cr8));
    uc.setTableReg(X86_REG.GDTR, { selector: 0, base: u64(cpu.gdtrBaseLo, cpu.gdtrBaseHi), limit: cpu.gdtrLimit, flags: 0 });
    uc.setTableReg(X86_REG.IDTR, { selector: 0, base: u64(cpu.idtrBaseLo, cpu.idtrBaseHi), limit: cpu.idtrLimit, flags: 0 });
    uc.setReg(X86_REG.FS_BASE, s.fsBase);
    uc.setReg(X86_REG.GS_BASE, s.gsBase);
    uc.setMsr(MSR_KERNEL_GS_BASE, u64(cpu.kernelGsBaseLo, cpu.kernelGsBaseHi));
    uc.setMsr(MSR_STAR, u64(cpu.starLo, cpu.starHi));
    uc.setMsr(MSR_LSTAR, u64(cpu.lstarLo, cpu.lstarHi));
    uc.setMsr(MSR_FMASK, BigInt(cpu.fmask >>> 0));
    this.flushUnicornTlb();
    uc.writeGprs(s.gpr, s.rip);
    uc.setReg(X86_REG.EFLAGS, s.rflags);
    if (uc.canSetCpl && uc.cpl() !== cpu.cpl) uc.setCpl(cpu.cpl);
    this.dropAliases();
  }

  private flushUnicornTlb(): void {
    const uc = this.uc, stub = this.flushStub;
    if (stub === null) { uc.flushTlb(); return; }
    if (uc.canSetCpl && uc.cpl() !== 0) uc.setCpl(0);
    const r = uc.run(3, NO_EXIT, BigInt(stub));
    if (r.exception !== null || r.err !== 0) uc.flushTlb();
  }

  /** The flush stub's bytes (MOV RAX, CR3; MOV CR3, RAX; HLT), for harnesses that place it. */
  static readonly FLUSH_STUB = Uint8Array.from([0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0xf4]);

  /** Full seed: memory and registers. */
  seed(): void {
    this.seedMemory();
    this.syncRegisters();
  }

  private dropAliases(): void {
    for (const lin of [...this.uc.aliasedPages().keys()]) this.uc.unalias(lin);
  }

  /** Unicorn touched a linear page it has no memory at: alias it to our frame, or give the walk a page
   *  to fault on (non-canonical and not-present addresses). */
  private mapForUnicorn(u: UcUnmapped): boolean {
    const lin = u.address & ~0xfffn;
    const lo = Number(u.address & 0xffffffffn) | 0, hi = Number(u.address >> 32n) | 0;
    const p = this.cpu.mmu.debugTranslate(lo, hi);
    if (p >= 0 && this.uc.view(p, 1) !== null) return this.uc.alias(lin, Math.floor(p / 4096) * 4096);
    if (p >= 0) return false; // a backed-nowhere physical address: reported as a divergence
    if (this.scratchPages.has(lin)) return false;
    try {
      this.uc.map(lin, 4096);
    } catch {
      return false;
    }
    this.scratchPages.add(lin);
    return true;
  }

  // ---------------------------------------------------------------------------------- stepping

  private bytesAt(rip: bigint): Uint8Array {
    const out = new Uint8Array(15);
    let page = -1n, base = -1;
    for (let k = 0; k < 15; k++) {
      const a = rip + BigInt(k);
      if ((a >> 12n) !== page) {
        page = a >> 12n;
        base = this.cpu.mmu.debugTranslate(Number(a & 0xfffff000n) | 0, Number((a >> 32n) & 0xffffffffn) | 0);
      }
      if (base < 0) return out.subarray(0, k);
      out[k] = this.cpu.mem.read8(base + Number(a & 0xfffn));
    }
    return out;
  }

  private text(rip: bigint, bytes: Uint8Array): string {
    return this.dis === null ? '' : this.dis.text(bytes, rip);
  }

  private peek(): Insn | null {
    this.peeking = true;
    try {
      return this.cpu.fetchInsn();
    } catch (e) {
      if (e instanceof CpuFault) return null;
      throw e;
    } finally {
      this.peeking = false;
    }
  }

  /**
   * Runs up to `every` instructions on our CPU, then the same on Unicorn, and compares. Returns a
   * divergence, or null. `stop` tells why the caller should stop (null: go on).
   */
  batch(every: number): { divergence: Divergence | null; stop: LockstepStop | null } {
    const cpu = this.cpu;
    let n = 0;
    let last: Insn | null = null;
    let lastRcx = 0n;
    // what the SDM leaves undefined (or Unicorn gets wrong) anywhere in the batch: compared under
    // the union of these masks at the end (every > 1 trades this precision for speed)
    const known: Undefined[] = [];
    let lastRip = 0n;
    let lastSpecial: Special | null = null;
    let halted = false;
    this.ourFault = null;
    this.external = false;
    this.hostUd = false;
    this.flushed = false;
    while (n < every) {
      const rip = u64(cpu.ripLo, cpu.ripHi);
      const insn = this.peek();
      const sp = insn === null ? null : special(insn);
      const rep = isRepString(insn);
      if ((sp !== null || rep) && n > 0) break; // run what we have first
      const preRcx = u64(cpu.regs[RCX << 1], cpu.regs[(RCX << 1) | 1]);
      const why = cpu.run(1);
      n++;
      this.instructions++;
      last = insn; lastRcx = preRcx; lastRip = rip; lastSpecial = sp;
      this.history.push(rip);
      if (this.history.length > 9) this.history.shift();
      if (why === RUN_HALT || cpu.halted) { halted = true; break; }
      if (cpu.stopped || this.ourFault !== null || this.external || this.hostUd || sp !== null || rep || this.flushed) break;
      if (insn !== null) {
        const k = knownDifferences(insn, preRcx, { rflags: BigInt(getFlags(cpu) >>> 0) });
        if (k.length > 0) known.push(...k);
      }
    }
    const ours = ourState(cpu);
    const events = this.external || this.hostUd;
    // ---------------------------------------------------------------- Unicorn's side
    if (events) {
      // an external interrupt (tlbemu's LAPIC) or a host-handled #UD (WARN/BUG trap) happened inside
      // the batch: Unicorn cannot follow; take our state
      this.mask(this.external ? 'external interrupt delivered by tlbemu (Unicorn has no interrupt controller)'
        : 'host-handled #UD (the WARN/BUG trap)', lastRip);
      this.resyncAll();
      return { divergence: null, stop: cpu.stopped ? 'stopped' : halted ? 'halted' : null };
    }
    if (lastSpecial !== null && lastSpecial.skipUnicorn && this.ourFault === null) {
      this.mask(lastSpecial.reason, lastRip);
      this.resyncAfter(lastSpecial);
      return { divergence: null, stop: cpu.stopped ? 'stopped' : halted ? 'halted' : null };
    }
    if (this.unicornWouldAbort(lastRip, n)) {
      this.mask('Unicorn 2.0.1 aborts the process translating FF /3 or FF /5 with a register operand (#UD on hardware): step not run there', lastRip);
      this.resyncAll();
      return { divergence: null, stop: cpu.stopped ? 'stopped' : halted ? 'halted' : null };
    }
    this.writes = [];
    let ucExc: UcException | null = null;
    let ucCr2 = 0n;
    let unmapped: UcUnmapped | null = null;
    let ucErr = 0;
    if (this.earlyFetch !== null && n === 1 && this.earlyFetch.rip === lastRip) {
      ucExc = this.earlyFetch.exc;
      ucCr2 = this.earlyFetch.cr2;
    } else {
      // a REP string instruction runs on Unicorn until RIP leaves it (or it faults): one counted
      // instruction per iteration, so at most RCX + 1 (a timeout would cost a thread per run)
      let r;
      if (n === 1 && isRepString(last)) {
        const iterations = last!.asize === 4 ? lastRcx & 0xffffffffn : lastRcx;
        const count = iterations > 10_000_000n ? 10_000_001 : Number(iterations) + 1;
        r = this.uc.run(count, lastRip + BigInt(last!.len));
      } else {
        r = this.uc.run(n);
      }
      ucExc = r.exception;
      unmapped = r.unmapped;
      ucErr = r.err;
      if (ucExc !== null) ucCr2 = this.uc.reg(X86_REG.CR2);
    }
    this.earlyFetch = null;
    const uState = fromUc(this.uc.readState());
    this.compared++;
    const fault = this.ourFault as OurFault | null;
    const mk = (kind: Divergence['kind'], fields: FieldDiff[], note: string, o: ArchState = ours): Divergence => {
      const bytes = this.bytesAt(lastRip);
      return {
        kind, instruction: this.instructions - 1, rip: lastRip, bytes, disasm: this.text(lastRip, bytes),
        ours: o, unicorn: uState, fields,
        ourException: fault === null ? null : { vector: fault.vector, errorCode: fault.errorCode, cr2: fault.vector === 14 ? u64(cpu.cr2Lo, cpu.cr2Hi) : undefined },
        unicornException: ucExc === null ? null : { vector: ucExc.vector, errorCode: ucExc.errorCode, cr2: ucExc.vector === 14 ? ucCr2 : undefined },
        memory: null, note,
        history: this.history.slice(0, -1).map((rip) => ({ rip, text: this.text(rip, this.bytesAt(rip)) })),
      };
    };
    const stopAfter = (): LockstepStop | null => (cpu.stopped ? 'stopped' : halted ? 'halted' : null);

    if (unmapped !== null && ucExc === null) {
      return { divergence: mk('unicorn', [], `Unicorn could not ${unmapped.kind} ${hex(unmapped.address)} (${unmapped.size} bytes): no RAM behind it (error ${ucErr})`), stop: 'divergence' };
    }
    if (ucErr !== 0 && ucExc === null) {
      return { divergence: mk('unicorn', [], `Unicorn stopped with ${UC_ERR_NAMES[ucErr] ?? ucErr}`), stop: 'divergence' };
    }

    if (fault !== null) {
      if (ucExc === null) {
        if (fault.vector === 6 && isFpuOrSimd(this.bytesAt(lastRip))) {
          this.mask('x87/MMX/SSE instruction: tlbemu has none (its CPUID says so), Unicorn executes it', lastRip);
          this.resyncAll();
          return { divergence: null, stop: stopAfter() };
        }
        return { divergence: mk('exception', [], 'tlbemu raised an exception, Unicorn did not', fault.state), stop: 'divergence' };
      }
      const diffs: FieldDiff[] = [];
      if (ucExc.vector !== fault.vector) diffs.push({ field: 'vector', ours: BigInt(fault.vector), unicorn: BigInt(ucExc.vector) });
      else if (ucExc.errorCode >= 0 && fault.errorCode >= 0 && ucExc.errorCode !== fault.errorCode) {
        diffs.push({ field: 'error code', ours: BigInt(fault.errorCode), unicorn: BigInt(ucExc.errorCode) });
      }
      if (fault.vector === 14 && ucExc.vector === 14 && u64(cpu.cr2Lo, cpu.cr2Hi) !== ucCr2) {
        diffs.push({ field: 'cr2', ours: u64(cpu.cr2Lo, cpu.cr2Hi), unicorn: ucCr2 });
      }
      const dev = last === null ? null : unicornFaultDeviations(last);
      const stateDiffs = diffStates({ ...fault.state, cr2: uState.cr2 }, uState);
      if (dev !== null && stateDiffs.length > 0) {
        const masked = diffStates({ ...fault.state, cr2: uState.cr2 }, uState, dev.flags, dev.regs);
        if (masked.length < stateDiffs.length) this.mask(dev.reason, lastRip);
        diffs.push(...masked);
      } else {
        diffs.push(...stateDiffs);
      }
      if (diffs.length > 0) {
        if (this.explainByMissingFeature(lastRip, fault, ucExc, ucCr2, uState.rip)) return { divergence: null, stop: stopAfter() };
        return { divergence: mk('exception', diffs, 'the exception or the state at the fault differs', fault.state), stop: 'divergence' };
      }
      if (ucExc.errorCode < 0) this.mask('error code not readable from this Unicorn build', lastRip);
      this.mask('exception delivery: Unicorn does not deliver through the IDT (vector, error code, CR2 and state compared)', lastRip);
      this.resyncAll();
      return { divergence: null, stop: stopAfter() };
    }

    if (ucExc !== null) {
      // Unicorn ran our instruction and faulted fetching the next one (a count=N stop comes after
      // the next fetch): keep the exception for the next step
      if (uState.rip === ours.rip && (ucExc.vector === 14 ? ucCr2 >= ours.rip && ucCr2 < ours.rip + 16n : ucExc.vector === 13)) {
        const diffs = diffStates(ours, { ...uState, cr2: ours.cr2 });
        if (diffs.length === 0) {
          this.earlyFetch = { rip: ours.rip, exc: ucExc, cr2: ucCr2 };
          this.uc.setReg(X86_REG.CR2, ours.cr2);
          return { divergence: null, stop: stopAfter() };
        }
      }
      // QEMU translates ahead: for an instruction that ends exactly at a page boundary it walks the
      // next page and, if that faults, reports the #PF before executing the instruction at all
      if (n === 1 && uState.rip === lastRip && ucExc.vector === 14 &&
        ucCr2 === ours.rip && (ours.rip & 0xfffn) === 0n && last !== null && lastRip + BigInt(last.len) === ours.rip) {
        this.mask('Unicorn deviation: a fetch fault on the next page is raised before an instruction ending at the page boundary executes', lastRip);
        this.syncRegisters();
        this.uc.setReg(X86_REG.CR2, ours.cr2);
        this.earlyFetch = { rip: ours.rip, exc: ucExc, cr2: ucCr2 };
        return { divergence: null, stop: stopAfter() };
      }
      if (this.explainByMissingFeature(lastRip, null, ucExc, ucCr2)) return { divergence: null, stop: stopAfter() };
      if (ucExc.vector === 14 && this.explainByOurTlb(ucCr2)) return { divergence: null, stop: stopAfter() };
      return { divergence: mk('exception', diffStates(ours, uState), 'Unicorn raised an exception, tlbemu did not'), stop: 'divergence' };
    }

    // QEMU abandons an instruction that stores into the page it executes from (its self-modifying
    // code check) and restarts it: Unicorn's RIP has not moved although the store happened
    if (n === 1 && uState.rip === lastRip && ours.rip !== lastRip && this.writes.some((w) => (w.address >> 12n) === (lastRip >> 12n))) {
      this.mask('Unicorn deviation: a store into the page being executed restarts the instruction (QEMU self-modifying-code check)', lastRip);
      this.resyncAll();
      return { divergence: null, stop: stopAfter() };
    }

    // ---------------------------------------------------------------- plain comparison
    let diffs = diffStates(ours, uState);
    if (lastSpecial !== null) {
      this.mask(lastSpecial.reason, lastRip);
      this.resyncAfter(lastSpecial);
      return { divergence: null, stop: stopAfter() };
    }
    if (diffs.length > 0 && known.length > 0) {
      let flags = 0n;
      const regs: number[] = [];
      for (const k of known) { flags |= k.flags; regs.push(...k.regs); }
      const masked = diffStates(ours, uState, flags, regs);
      if (masked.length < diffs.length) {
        for (const k of known) {
          const flagHit = ((ours.rflags ^ uState.rflags) & k.flags) !== 0n;
          const regHit = k.regs.some((r) => ours.gpr[r] !== uState.gpr[r]);
          if (flagHit || regHit) this.mask(k.reason, lastRip);
        }
        diffs = masked;
        if (diffs.length === 0) this.syncUndefined(ours);
      }
    }
    if (diffs.length > 0) return { divergence: mk('state', diffs, ''), stop: 'divergence' };
    const memDiff = this.compareWrites();
    if (memDiff !== null) {
      const d = mk('memory', [], `memory at ${hex(memDiff.address)} differs after the step`);
      d.memory = memDiff;
      return { divergence: d, stop: 'divergence' };
    }
    if (this.flushed) this.dropAliases();
    return { divergence: null, stop: stopAfter() };
  }

  /** Copies our values of undefined flags and registers so that later steps agree on them. */
  private syncUndefined(ours: ArchState): void {
    this.uc.setReg(X86_REG.EFLAGS, ours.rflags);
    this.uc.writeGprs(ours.gpr, ours.rip);
  }

  private resyncAfter(sp: Special): void {
    if (sp.sync === 'gprs') {
      const o = ourState(this.cpu);
      this.uc.writeGprs(o.gpr, o.rip);
      this.uc.setReg(X86_REG.EFLAGS, o.rflags);
    } else if (sp.sync === 'registers') {
      this.syncRegisters();
    } else {
      this.resyncAll();
    }
  }

  /** Our state (registers and every page that differs) becomes Unicorn's. */
  resyncAll(): void {
    this.syncRegisters();
    if (this.fullResync) { this.syncDifferingPages(); return; }
    // at least the pages Unicorn wrote in the last batch take our bytes (as data: dropping code
    // translated from them would make Unicorn walk, and set accessed bits, for that page)
    for (const w of this.writes) {
      for (const a of [w.address, w.address + BigInt(w.size - 1)]) {
        const p = this.cpu.mmu.debugTranslate(Number(a & 0xffffffffn) | 0, Number((a >> 32n) & 0xffffffffn) | 0);
        if (p >= 0) this.syncPhysical(p, 1, false);
      }
    }
  }

  private syncDifferingPages(): void {
    const mem = this.cpu.mem;
    for (const r of mem.map.entries() as readonly E820Range[]) {
      const base = Math.floor(r.base / 4096) * 4096;
      const end = Math.ceil((r.base + r.length) / 4096) * 4096;
      for (let p = base; p < end; p += 4096) {
        const f = mem.peekFrame(p / 4096);
        if (f === null) continue;
        const v = this.uc.view(p, 4096);
        if (v === null || equalBytes(v, f.bytes)) continue;
        this.syncPhysical(p, 4096);
      }
    }
  }

  /** Compares the bytes Unicorn wrote in the last batch with ours at the same linear addresses. */
  private compareWrites(): { address: bigint; ours: Uint8Array; unicorn: Uint8Array } | null {
    for (const w of this.writes) {
      const theirs = this.uc.memRead(w.address, w.size);
      const mine = new Uint8Array(w.size);
      for (let k = 0; k < w.size; k++) {
        const a = w.address + BigInt(k);
        const p = this.cpu.mmu.debugTranslate(Number(a & 0xffffffffn) | 0, Number((a >> 32n) & 0xffffffffn) | 0);
        mine[k] = p < 0 ? 0 : this.cpu.mem.read8(p);
      }
      if (!equalBytes(mine, theirs)) return { address: w.address, ours: mine, unicorn: theirs };
    }
    return null;
  }

  /**
   * Compares all of RAM. Differences that are only accessed/dirty bits of 8-byte entries are masked
   * (Unicorn re-walks where tlbemu may use a cached translation, SDM 4.8) and copied to Unicorn.
   */
  compareMemory(): { address: bigint; ours: Uint8Array; unicorn: Uint8Array } | null {
    const mem = this.cpu.mem;
    for (const r of mem.map.entries() as readonly E820Range[]) {
      const base = Math.floor(r.base / 4096) * 4096;
      const end = Math.ceil((r.base + r.length) / 4096) * 4096;
      for (let p = base; p < end; p += 4096) {
        const f = mem.peekFrame(p / 4096);
        const v = this.uc.view(p, 4096);
        if (v === null) continue;
        const ours = f === null ? new Uint8Array(4096) : f.bytes;
        if (equalBytes(v, ours)) continue;
        let onlyAd = true;
        let first = -1;
        for (let k = 0; k < 4096; k++) {
          if (v[k] === ours[k]) continue;
          if (first < 0) first = k;
          if ((k & 7) !== 0 || ((v[k] ^ ours[k]) & ~0x60) !== 0) { onlyAd = false; first = k; break; }
        }
        if (onlyAd) {
          this.mask('accessed/dirty bits: Unicorn re-walks where tlbemu uses a cached translation (SDM 4.8)', 0n);
          this.syncPhysical(p, 4096);
          continue;
        }
        const at = Math.floor(first / 8) * 8;
        return { address: BigInt(p + at), ours: ours.slice(at, at + 8), unicorn: v.slice(at, at + 8) };
      }
    }
    return null;
  }

  /**
   * Unicorn 2.0.1's fixed CPUID lacks features tlbemu has: MAXPHYADDR above 40, INVPCID, POPCNT,
   * MOVBE. A fault that only those explain is masked and Unicorn re-seeded.
   */
  private explainByMissingFeature(rip: bigint, fault: OurFault | null, exc: UcException, cr2: bigint, uRip = 0n): boolean {
    const cpu = this.cpu;
    if (exc.vector === 6 && fault === null) {
      const i = this.decodeAt(rip);
      const missing = i === null ? null : i.op === 0x282 ? 'INVPCID' : i.op === 0x1b8 && i.rep === 1 ? 'POPCNT'
        : i.op === 0x2f0 || i.op === 0x2f1 ? 'MOVBE' : null;
      if (missing !== null) {
        this.mask(`${missing} is not in Unicorn 2.0.1's CPUID (#UD there)`, rip);
        this.resyncAll();
        return true;
      }
    }
    // QEMU moves RIP to a non-canonical branch target and faults on the fetch there; the SDM raises
    // #GP(0) on the branch itself (RET, JMP, CALL near: "If the target is not canonical")
    if (fault !== null && fault.vector === 13 && exc.vector === 13 && fault.errorCode === 0 && exc.errorCode <= 0 &&
      uRip !== fault.state.rip && !cpu.mmu.isCanonical(Number(BigInt.asIntN(32, uRip >> 32n)))) {
      this.mask('Unicorn deviation: a branch to a non-canonical address faults at the target, not on the branch', rip);
      this.resyncAll();
      return true;
    }
    if (exc.vector === 14 && (exc.errorCode & 8) !== 0 && (fault === null || fault.vector !== 14) && cpu.cpuid.maxPhysAddr > 40) {
      const r = cpu.mmu.debugTranslate(Number(cr2 & 0xffffffffn) | 0, Number(cr2 >> 32n) | 0);
      if (r >= 0) {
        this.mask('reserved-bit #PF in Unicorn only: its MAXPHYADDR is 40 (tlbemu\'s is larger)', rip);
        this.resyncAll();
        return true;
      }
    }
    return false;
  }

  /**
   * Whether Unicorn would translate an FF /3 or FF /5 with a register operand (far CALL/JMP through
   * a register: #UD) in the code it is about to run, which makes QEMU's TCG abort the whole process
   * ("tcg fatal error"; it translates an instruction or two past a LOOPcc too). Scans the instructions
   * from the batch's first RIP by our decoder's lengths.
   */
  private unicornWouldAbort(lastRip: bigint, n: number): boolean {
    let rip = n === 1 ? lastRip : this.history.length >= n ? this.history[this.history.length - n] : lastRip;
    for (let k = 0; k < n + 2; k++) {
      const b = this.bytesAt(rip);
      let p = 0;
      while (p < b.length && (b[p] === 0x66 || b[p] === 0x67 || b[p] === 0xf2 || b[p] === 0xf3 || b[p] === 0xf0 ||
        b[p] === 0x2e || b[p] === 0x3e || b[p] === 0x26 || b[p] === 0x36 || b[p] === 0x64 || b[p] === 0x65)) p++;
      if (p < b.length && (b[p] & 0xf0) === 0x40) p++;
      if (p + 1 < b.length && b[p] === 0xff && (b[p + 1] >> 6) === 3 && (((b[p + 1] >> 3) & 7) === 3 || ((b[p + 1] >> 3) & 7) === 5)) return true;
      const i = this.decodeAt(rip);
      if (i === null) return false;
      rip += BigInt(i.len);
    }
    return false;
  }

  /** Decodes the instruction at `rip` from memory through the current tables, with no side effect
   *  on our CPU (no fetch: no accessed bits, no TLB fill, no fault). */
  private decodeAt(rip: bigint): Insn | null {
    const b = this.bytesAt(rip);
    try {
      return decode((k) => {
        if (k >= b.length) throw new CpuFault(14);
        return b[k];
      });
    } catch (e) {
      if (e instanceof CpuFault) return null;
      throw e;
    }
  }

  /** Unicorn faulted on a linear address our CPU accessed through a TLB entry that the current tables
   *  no longer allow (not present, another frame, fewer rights): tlbemu may keep that translation
   *  until it is invalidated (SDM 4.10.4.3), while Unicorn walked the tables again. */
  private explainByOurTlb(cr2: bigint): boolean {
    const vpn = Number((cr2 >> 12n) & ((1n << 45n) - 1n));
    const lo = Number(cr2 & 0xffffffffn) | 0, hi = Number((cr2 >> 32n) & 0xffffffffn) | 0;
    const w = new WalkResult();
    const now = this.cpu.mmu.debugTranslate(lo, hi, w);
    for (const e of this.cpu.mmu.entries()) {
      if (!e.alive) continue;
      const span = Math.pow(512, e.level);
      if (Math.floor(vpn / span) !== e.vpn) continue;
      const cached = e.pageBase + (vpn % span) * 4096;
      const fewerRights = (e.perm & ~w.perm & (PERM_W | PERM_U | PERM_X)) !== 0;
      if (now < 0 || Math.floor(now / 4096) * 4096 !== cached || fewerRights) {
        this.mask('stale TLB entry tlbemu may keep until invalidated (SDM 4.10.4.3); Unicorn re-walked', u64(this.cpu.insnRipLo, this.cpu.insnRipHi));
        this.resyncAll();
        return true;
      }
    }
    return false;
  }
}

/** x87 (D8-DF, 9B), MMX and SSE encodings (0F 10-17, 28-2F, 38/3A maps, 50-7F, AE /0-/3, C2-C6,
 *  D0-FF), after legacy prefixes and REX. */
export function isFpuOrSimd(b: Uint8Array): boolean {
  let p = 0;
  while (p < b.length && (b[p] === 0x66 || b[p] === 0x67 || b[p] === 0xf2 || b[p] === 0xf3 || b[p] === 0xf0 ||
    b[p] === 0x26 || b[p] === 0x2e || b[p] === 0x36 || b[p] === 0x3e || b[p] === 0x64 || b[p] === 0x65)) p++;
  if (p < b.length && (b[p] & 0xf0) === 0x40) p++;
  if (p >= b.length) return false;
  const o = b[p];
  if ((o >= 0xd8 && o <= 0xdf) || o === 0x9b) return true;
  if (o !== 0x0f || p + 1 >= b.length) return false;
  const o2 = b[p + 1];
  if (o2 === 0xae) return p + 2 < b.length && ((b[p + 2] >> 3) & 7) <= 3 && (b[p + 2] >> 6) !== 3;
  return (o2 >= 0x10 && o2 <= 0x17) || (o2 >= 0x28 && o2 <= 0x2f) || o2 === 0x38 || o2 === 0x3a ||
    (o2 >= 0x50 && o2 <= 0x7f) || (o2 >= 0xc2 && o2 <= 0xc6) || o2 >= 0xd0 || o2 === 0x0e || o2 === 0x77;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function theCpu(t: LockstepTarget): Cpu {
  if ('cpus' in t) {
    if (t.cpus.length !== 1) throw new RangeError(`lockstep needs a machine with 1 CPU (this one has ${t.cpus.length})`);
    return t.cpus[0];
  }
  return t;
}

/**
 * Runs `target` (a machine with one CPU, or a CPU) in lockstep with `unicorn` (a fresh engine) from
 * its current state. Stops at the first divergence, at HLT, when the CPU stops or the machine asks to
 * stop, or after maxInsns instructions.
 */
export async function runLockstep(target: LockstepTarget, unicorn: Unicorn, opts: LockstepOptions = {}): Promise<LockstepResult> {
  const cpu = theCpu(target);
  const every = Math.max(1, Math.floor(opts.every ?? 1));
  const maxInsns = opts.maxInsns ?? Infinity;
  const fullEvery = opts.fullCompareEvery ?? 100_000;
  const dis = await disassembler();
  const s = new LockstepSession(cpu, unicorn, dis);
  let report: Divergence | null = null;
  let stop: LockstepStop = 'budget';
  let nextFull = fullEvery > 0 ? fullEvery : Infinity;
  try {
    s.seed();
    while (s.instructions < maxInsns) {
      const r = s.batch(Math.min(every, maxInsns - s.instructions));
      if (r.divergence !== null) { report = r.divergence; stop = 'divergence'; break; }
      if ('cpus' in target && target.stopRequest) { stop = 'machine-stop'; break; }
      if (r.stop !== null) { stop = r.stop; break; }
      if (s.instructions >= nextFull) {
        nextFull += fullEvery;
        const m = s.compareMemory();
        if (m !== null) { report = memoryDivergence(s, cpu, unicorn, m); stop = 'divergence'; break; }
      }
    }
    if (report === null) {
      const m = s.compareMemory();
      if (m !== null) { report = memoryDivergence(s, cpu, unicorn, m); stop = 'divergence'; }
    }
  } finally {
    s.close();
  }
  return {
    ok: report === null, report, instructions: s.instructions, compared: s.compared,
    masked: [...s.masked.values()], stop,
  };
}

function memoryDivergence(s: LockstepSession, cpu: Cpu, uc: Unicorn, m: { address: bigint; ours: Uint8Array; unicorn: Uint8Array }): Divergence {
  const ours = ourState(cpu);
  return {
    kind: 'memory', instruction: s.instructions, rip: ours.rip, bytes: new Uint8Array(0), disasm: '',
    ours, unicorn: fromUc(uc.readState()), fields: [], ourException: null, unicornException: null,
    memory: m, note: `physical memory at ${hex(m.address)} differs (found by the whole-RAM comparison)`, history: [],
  };
}

// ------------------------------------------------------------------------------------------------
// Text report (for `tlbemu run --lockstep unicorn`)

function bytesHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

function excText(e: ExceptionInfo | null): string {
  if (e === null) return 'none';
  const names: Record<number, string> = { 0: '#DE', 1: '#DB', 3: '#BP', 6: '#UD', 8: '#DF', 10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 17: '#AC' };
  let s = names[e.vector] ?? `vector ${e.vector}`;
  if (e.errorCode >= 0 && (e.vector === 8 || (e.vector >= 10 && e.vector <= 14) || e.vector === 17)) s += `(0x${e.errorCode.toString(16)})`;
  if (e.cr2 !== undefined) s += ` CR2=${hex(e.cr2)}`;
  return s;
}

/** The result as text: the divergence (instruction, both states, differing fields) and the masks. */
export function formatLockstepReport(r: LockstepResult): string {
  const out: string[] = [];
  if (r.ok) {
    out.push(`lockstep with Unicorn: no divergence in ${r.instructions} instructions (${r.compared} comparisons, stopped: ${r.stop})`);
  } else {
    const d = r.report!;
    out.push(`lockstep with Unicorn: DIVERGENCE (${d.kind}) at instruction ${d.instruction}, RIP ${hex(d.rip)}`);
    if (d.bytes.length > 0) out.push(`  instruction: ${d.disasm || '(not decoded)'}    [${bytesHex(d.bytes)}]`);
    if (d.note) out.push(`  ${d.note}`);
    if (d.ourException !== null || d.unicornException !== null) {
      out.push(`  exception: tlbemu ${excText(d.ourException)}, Unicorn ${excText(d.unicornException)}`);
    }
    if (d.fields.length > 0) {
      out.push('  differing fields:');
      for (const f of d.fields) out.push(`    ${f.field.padEnd(10)} tlbemu ${hex(f.ours)}  unicorn ${hex(f.unicorn)}`);
    }
    if (d.memory !== null) {
      out.push(`  memory at ${hex(d.memory.address)}: tlbemu [${bytesHex(d.memory.ours)}]  unicorn [${bytesHex(d.memory.unicorn)}]`);
    }
    if (d.history.length > 0) {
      out.push('  preceding instructions:');
      for (const h of d.history) out.push(`    ${hex(h.rip)}  ${h.text}`);
    }
    out.push('  state:            tlbemu              unicorn');
    const row = (name: string, a: bigint, b: bigint) => out.push(`    ${name.padEnd(8)} ${hex(a)}  ${hex(b)}${a !== b ? '  <--' : ''}`);
    for (let i = 0; i < 16; i++) row(REG_NAMES[i], d.ours.gpr[i], d.unicorn.gpr[i]);
    row('rip', d.ours.rip, d.unicorn.rip);
    row('rflags', d.ours.rflags, d.unicorn.rflags);
    for (const f of ['cr0', 'cr2', 'cr3', 'cr4', 'efer'] as const) row(f, d.ours[f], d.unicorn[f]);
    out.push(`  ${r.instructions} instructions, ${r.compared} comparisons before stopping`);
  }
  if (r.masked.length > 0) {
    out.push('  masked (known, documented differences):');
    for (const m of [...r.masked].sort((a, b) => b.count - a.count)) out.push(`    ${String(m.count).padStart(8)}  ${m.reason}`);
  }
  return out.join('\n');
}

