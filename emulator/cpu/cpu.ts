// One logical processor: architectural state, its MMU, the decode cache and the instruction loop.
import { CpuState, AC, IF, RSP } from './state.js';
import { CpuFault, VEC_GP, VEC_UD, vectorName } from './faults.js';
import { decode } from './decoder.js';
import { Insn } from './insn.js';
import { Mmu } from '../mmu/mmu.js';
import { ACC_IMPLICIT } from '../mmu/access.js';
import { Frame, PhysicalMemory, FRAME_HAS_CODE } from '../memory/physical.js';
import { CpuBus, EMPTY_BUS } from './bus.js';
import { EmulatorHooks } from '../hooks.js';
import { getFlags, materialize } from './flags.js';
import { deliver, raiseException, EV_EXTERNAL } from './interrupts.js';
import { CpuidConfig, defaultCpuid } from './cpuid.js';
import { hex64 } from './u64.js';
import './ops/index.js';
import { compileBlock, CompiledBlock } from './jit/compiler.js';
import { JitPage, JIT_PAGE_SLOT } from './jit/jit-page.js';

/** Interpreted starts of an instruction before a block is compiled from it (below 65536). */
export const DEFAULT_JIT_THRESHOLD = 256;

/** Why run() returned. */
export const RUN_BUDGET = 0;
export const RUN_HALT = 1;
export const RUN_PAUSE = 2;
export const RUN_STOPPED = 3;

export interface TripleFaultReport {
  ripLo: number;
  ripHi: number;
  chain: string[];
}

export class Cpu extends CpuState {
  readonly mmu: Mmu;
  bus: CpuBus = EMPTY_BUS;
  hooks: EmulatorHooks | null = null;
  private cpuidConfig: CpuidConfig = defaultCpuid();
  /** Number of CPUs in the machine (CPUID leaves 1, 0Bh and 80000008h report it). */
  cpuCount = 1;
  /** Start of the instruction being executed (faults restore RIP to it). */
  insnRipLo = 0;
  insnRipHi = 0;
  /** Scratch: effective address of the last memory operand and high half of the last 64-bit operand. */
  eaLo = 0;
  eaHi = 0;
  opHi = 0;
  /** Set by PAUSE (and similar) to end the scheduler slice early. */
  yieldRequested = false;
  tripleFaultReport: TripleFaultReport | null = null;
  /** Counters beyond the MMU's. */
  interruptsTaken = 0;
  exceptionsTaken = 0;
  haltedInstructions = 0;
  /**
   * The interrupt line: set by the interrupt controller when a vector may have become deliverable
   * (cleared when the controller says nothing is). Lets the loop skip asking the controller after
   * every instruction.
   */
  irqPending = false;
  /** PAUSE instructions executed (spin-wait hints). */
  pauses = 0;
  /** Instruction trace callback (--trace): called before each instruction executes. */
  tracer: ((cpu: Cpu, i: Insn) => void) | null = null;
  /** Compile hot straight-line code into blocks (jit/compiler.ts); off = interpreter only. */
  jitEnabled = true;
  /** Interpreted starts of an instruction before a block is compiled from it (1..65535). */
  jitThreshold = DEFAULT_JIT_THRESHOLD;
  /** Blocks compiled, and instructions retired inside blocks. */
  blocksCompiled = 0;
  blockInstructions = 0;
  /** cpu.instructions when the running block was entered, -1 outside blocks (fault accounting). */
  private blockEntry = -1;

  constructor(index: number, readonly mem: PhysicalMemory) {
    super(index);
    this.mmu = new Mmu(this, mem);
    this.applyCpuid();
  }

  /** The CPUID feature set; the paging mode follows it (1 GiB pages, MAXPHYADDR). */
  get cpuid(): CpuidConfig { return this.cpuidConfig; }
  set cpuid(c: CpuidConfig) {
    this.cpuidConfig = c;
    this.applyCpuid();
  }

  /** Copies the translation-relevant CPUID features into the MMU's paging mode (also done by run()). */
  applyCpuid(): void {
    const m = this.mmu.mode, c = this.cpuidConfig;
    if (m.gbPages !== c.gbPages || m.maxPhysAddr !== c.maxPhysAddr) {
      m.gbPages = c.gbPages;
      m.maxPhysAddr = c.maxPhysAddr;
      this.mmu.modeChanged();
    }
  }

  setHooks(h: EmulatorHooks | null): void {
    this.hooks = h;
    this.mmu.setHooks(h);
  }

  // ------------------------------------------------------------------ state changes with side effects

  setCpl(cpl: number): void {
    if (cpl !== this.cpl) {
      this.cpl = cpl;
      this.mmu.modeChanged();
    }
  }

  /** Writes RFLAGS (all bits); AC changes the rights of supervisor accesses (SMAP). */
  setFlags(v: number): void {
    const oldAc = this.flags & AC;
    this.flags = (v & 0x3f7fd5) | 2; // bit 1 reads as 1; 3, 5, 15 and 22-63 as 0
    this.lfOp = 0;
    if ((this.flags & AC) !== oldAc) this.mmu.modeChanged();
  }

  getFlags(): number {
    return getFlags(this);
  }

  // ------------------------------------------------------------------ segment descriptors (SDM 3.4.5)

  /** The last descriptor read by readDescriptor: low and high dwords, and its linear address. */
  descLo = 0;
  descHi = 0;
  descAddrLo = 0;
  descAddrHi = 0;
  /** Bytes 8-15 of a 16-byte system descriptor (readDescriptor with size 16). */
  descExtLo = 0;
  descExtHi = 0;

  /**
   * Reads the descriptor a selector names from the GDT or (TI=1) the LDT, with implicit supervisor
   * accesses (SDM 4.6). The selector must not be null. #GP(selector | ext) when it lies beyond the
   * table's limit or names the LDT while LDTR is null. `size` is 8, or 16 for a 64-bit system descriptor.
   */
  readDescriptor(selector: number, ext: number, size: number): void {
    const err = (selector & 0xfffc) | ext;
    let bLo: number, bHi: number, limit: number;
    if ((selector & 4) !== 0) {
      if ((this.ldtrSel & 0xfffc) === 0) throw new CpuFault(VEC_GP, err);
      bLo = this.ldtrBaseLo; bHi = this.ldtrBaseHi; limit = this.ldtrLimit;
    } else {
      bLo = this.gdtrBaseLo; bHi = this.gdtrBaseHi; limit = this.gdtrLimit;
    }
    const index = selector & 0xfff8;
    if (index + size - 1 > limit) throw new CpuFault(VEC_GP, err);
    const s = (bLo >>> 0) + index;
    const lo = s | 0, hi = s > 0xffffffff ? (bHi + 1) | 0 : bHi;
    this.descAddrLo = lo;
    this.descAddrHi = hi;
    this.descLo = this.mmu.read64With(lo, hi, ACC_IMPLICIT);
    this.descHi = this.mmu.hi;
    if (size === 16) {
      const s8 = (lo >>> 0) + 8;
      this.descExtLo = this.mmu.read64With(s8 | 0, s8 > 0xffffffff ? (hi + 1) | 0 : hi, ACC_IMPLICIT);
      this.descExtHi = this.mmu.hi;
    }
  }

  /** Sets a bit in the high dword of the descriptor last read (accessed or busy flag), as the CPU does. */
  setDescriptorBit(bit: number): void {
    if ((this.descHi & bit) !== 0) return;
    this.descHi |= bit;
    const s = (this.descAddrLo >>> 0) + 4;
    this.mmu.writeSized(s | 0, s > 0xffffffff ? (this.descAddrHi + 1) | 0 : this.descAddrHi, 4, this.descHi, 0,
      ACC_IMPLICIT);
  }

  noteInterrupt(vector: number, external: boolean): void {
    if (external) this.interruptsTaken++;
    else this.exceptionsTaken++;
    if (this.hooks !== null && this.hooks.interrupt !== undefined) this.hooks.interrupt(this.index, vector, external);
  }

  tripleFault(chain: CpuFault[]): void {
    this.stopped = true;
    this.tripleFaultReport = {
      ripLo: this.insnRipLo, ripHi: this.insnRipHi,
      chain: chain.map((f) => f.toString()),
    };
  }

  describeTripleFault(): string {
    const r = this.tripleFaultReport;
    if (r === null) return '';
    return `triple fault on CPU ${this.index} at RIP 0x${hex64(r.ripLo, r.ripHi)}: ${r.chain.join(' -> ')}`;
  }

  // ------------------------------------------------------------------ fetch and decode

  /** The decoded instruction at RIP (cached per physical frame unless it crosses a page). */
  fetchInsn(): Insn {
    return this.insnIn(this.mmu.fetchFrame(this.ripLo, this.ripHi));
  }

  /** The decoded instruction at RIP, given the frame fetchFrame returned for it. */
  private insnIn(frame: Frame | null): Insn {
    const lo = this.ripLo, hi = this.ripHi;
    if (frame === null) return this.decodeSlow(lo, hi);
    const off = lo & 0xfff;
    let code = frame.code as (Insn | undefined)[] | null;
    if (code !== null) {
      const cached = code[off];
      if (cached !== undefined) return cached;
    }
    let insn: Insn;
    try {
      insn = decodeInPage(frame.bytes, off);
    } catch (e) {
      if (e === PAGE_END) return this.decodeSlow(lo, hi); // crosses into the next page: not cached
      throw e;
    }
    if (code === null) {
      // room for the block compiler's slot too: storing past the end of a mostly empty array makes V8
      // turn it into a dictionary (a hash lookup per instruction fetched)
      code = new Array(JIT_PAGE_SLOT + 1);
      frame.code = code;
      frame.flags |= FRAME_HAS_CODE;
    }
    code[off] = insn;
    return insn;
  }

  /** The instruction at `off` of a code frame for the block compiler: null if it cannot be decoded
   *  there (a fault, or it crosses into the next page). */
  private decodeInFrame(frame: Frame, code: unknown[], off: number): Insn | null {
    const cached = code[off] as Insn | undefined;
    if (cached !== undefined) return cached;
    let insn: Insn;
    try {
      insn = decodeInPage(frame.bytes, off);
    } catch {
      return null;
    }
    code[off] = insn;
    return insn;
  }

  /**
   * Runs the compiled block at RIP (in `frame`), if there is one and the budget `left` allows it, for
   * at most `left` instructions (compiling it once the start is hot). Returns the instructions
   * retired, 0 when the interpreter must take this one.
   */
  private runBlock(frame: Frame, lo: number, left: number): number {
    const code = frame.code;
    if (code === null) return 0;
    const off = lo & 0xfff;
    let page = code[JIT_PAGE_SLOT] as JitPage | undefined;
    if (page === undefined) {
      page = new JitPage();
      code[JIT_PAGE_SLOT] = page;
    }
    let block = page.blocks[off];
    if (block === undefined) {
      if (++page.starts[off] < this.jitThreshold) return 0;
      block = this.compileAt(frame, code, off);
      page.blocks[off] = block;
      if (block !== null) this.blocksCompiled++;
    }
    if (block === null || (block.count > left && !block.partial)) return 0;
    this.blockEntry = this.instructions;
    const n = block.run(this, left);
    this.blockEntry = -1;
    this.blockInstructions += n;
    return n;
  }

  // Apart from runBlock: a closure there would make V8 allocate the variables it captures in a context
  // on every call of runBlock, compiling or not.
  private compileAt(frame: Frame, code: unknown[], off: number): CompiledBlock | null {
    return compileBlock(frame, code, off, (o) => this.decodeInFrame(frame, code, o));
  }

  private decodeSlow(lo: number, hi: number): Insn {
    const mmu = this.mmu;
    return decode((k) => {
      const s = (lo >>> 0) + k;
      return mmu.fetch8(s | 0, s > 0xffffffff ? (hi + 1) | 0 : hi);
    });
  }

  // ------------------------------------------------------------------ the loop

  /**
   * Executes up to `budget` instructions. Returns RUN_* telling why it stopped. Interrupts are taken at
   * instruction boundaries when RFLAGS.IF=1 and no interrupt shadow is active (SDM 6.8.3).
   */
  run(budget: number): number {
    let executed = 0;
    this.yieldRequested = false;
    this.applyCpuid(); // in case a field of cpuid was changed in place
    // once per slice, ask the controller (its timers fire on this poll); between polls the
    // controller raises irqPending when an IPI or an EOI/TPR change makes a vector deliverable
    this.irqPending = true;
    while (executed < budget) {
      if (this.stopped) return RUN_STOPPED;
      if (this.irqPending && (this.flags & IF) !== 0 && !this.interruptShadow) {
        const v = this.bus.pendingInterrupt(this.index);
        if (v >= 0) this.takeExternal(v);
        else this.irqPending = false;
        if (this.stopped) return RUN_STOPPED;
      }
      if (this.halted) return RUN_HALT;
      try {
        while (executed < budget) {
          this.interruptShadow = false;
          // the start of the instruction is known before fetching it: a fetch or decode fault is
          // reported at this RIP (the run loop restores it on any fault)
          const lo = this.ripLo;
          this.insnRipLo = lo;
          this.insnRipHi = this.ripHi;
          // one front-end lookup serves the block and, when there is none, the interpreter
          const frame = this.mmu.fetchFrame(lo, this.ripHi);
          if (frame !== null && this.jitEnabled && this.tracer === null) {
            const ran = this.runBlock(frame, lo, budget - executed);
            if (ran !== 0) {
              // a block holds no instruction that halts, yields, sets a shadow or raises the line
              executed += ran;
              if (this.irqPending && (this.flags & IF) !== 0) break;
              continue;
            }
          }
          const insn = this.insnIn(frame);
          const nlo = (lo + insn.len) | 0;
          if ((nlo >>> 0) < (lo >>> 0)) this.ripHi = (this.ripHi + 1) | 0;
          this.ripLo = nlo;
          if (this.tracer !== null) this.tracer(this, insn);
          insn.exec(this, insn);
          executed++;
          this.instructions++;
          if (this.halted || this.yieldRequested || this.interruptShadow) break;
          if (this.irqPending && (this.flags & IF) !== 0) break;
        }
        if (this.yieldRequested) return RUN_PAUSE;
      } catch (e) {
        if (this.blockEntry >= 0) {
          // a fault inside a block: the instructions before the faulting one have retired
          const done = this.instructions - this.blockEntry;
          executed += done;
          this.blockInstructions += done;
          this.blockEntry = -1;
        }
        if (!(e instanceof CpuFault)) throw e;
        this.ripLo = this.insnRipLo;
        this.ripHi = this.insnRipHi;
        this.interruptShadow = false;
        if (e.vector === VEC_UD && this.hooks !== null && this.hooks.invalidOpcode !== undefined) {
          materialize(this);
          if (this.hooks.invalidOpcode(this.index)) { executed++; this.instructions++; continue; }
        }
        if (this.hooks !== null && this.hooks.fault !== undefined && e.vector !== 14) {
          this.hooks.fault({ cpu: this.index, vector: e.vector, errorCode: e.errorCode, addrLo: 0, addrHi: 0,
            ripLo: this.ripLo, ripHi: this.ripHi });
        }
        materialize(this);
        if (!raiseException(this, e)) return RUN_STOPPED;
        // a delivered exception uses budget (it retires nothing): a handler that faults on its first
        // instruction cannot keep run() from returning
        executed++;
      }
    }
    return RUN_BUDGET;
  }

  private takeExternal(vector: number): void {
    this.bus.acknowledgeInterrupt(this.index, vector);
    this.halted = false;
    materialize(this);
    this.insnRipLo = this.ripLo;
    this.insnRipHi = this.ripHi;
    try {
      this.noteInterrupt(vector, true);
      deliver(this, vector, EV_EXTERNAL, -1);
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      raiseException(this, e);
    }
  }

  /** Human-readable one-line description of a vector (for reports). */
  static vectorName(v: number): string {
    return vectorName(v);
  }

  get rsp(): number { return this.regs[RSP << 1]; }
}

const PAGE_END = { pageEnd: true };

/** Decodes the instruction at `off` of a code frame; throws PAGE_END when it continues past the frame. */
function decodeInPage(bytes: Uint8Array, off: number): Insn {
  return decode((k) => {
    if (off + k >= 4096) throw PAGE_END;
    return bytes[off + k];
  });
}
