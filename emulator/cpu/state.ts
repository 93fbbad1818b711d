// Architectural state of one x86-64 logical processor. Registers are 64-bit values held as int32
// halves (lo at 2*i, hi at 2*i+1) in one typed array: no BigInt, no allocation (DESIGN.md).

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

// Segment register indices (ModRM reg encoding of MOV Sreg).
export const SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5;

// RFLAGS bits.
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9,
  DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16, VM = 1 << 17, AC = 1 << 18,
  VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21;
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Bits of RFLAGS that software can change (POPF at CPL 0 in 64-bit mode, IRETQ). */
export const RFLAGS_WRITABLE = CF | PF | AF | ZF | SF | TF | IF | DF | OF | IOPL | NT | RF | AC | ID;

// Control-register bits.
export const CR0_PE = 1 << 0, CR0_MP = 1 << 1, CR0_EM = 1 << 2, CR0_TS = 1 << 3, CR0_ET = 1 << 4,
  CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_NW = 1 << 29, CR0_CD = 1 << 30, CR0_PG = 1 << 31;
export const CR4_VME = 1 << 0, CR4_PVI = 1 << 1, CR4_TSD = 1 << 2, CR4_DE = 1 << 3, CR4_PSE = 1 << 4,
  CR4_PAE = 1 << 5, CR4_MCE = 1 << 6, CR4_PGE = 1 << 7, CR4_PCE = 1 << 8, CR4_OSFXSR = 1 << 9,
  CR4_OSXMMEXCPT = 1 << 10, CR4_UMIP = 1 << 11, CR4_LA57 = 1 << 12, CR4_FSGSBASE = 1 << 16,
  CR4_PCIDE = 1 << 17, CR4_OSXSAVE = 1 << 18, CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21, CR4_PKE = 1 << 22;
export const EFER_SCE = 1 << 0, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

// Lazy-flag operations (flags.ts computes the arithmetic flags from the last result on demand).
export const LF_NONE = 0, LF_ADD = 1, LF_SUB = 2, LF_LOGIC = 3, LF_INC = 4, LF_DEC = 5, LF_ADC = 6, LF_SBB = 7;

export class CpuState {
  /** GPRs: lo of register i at [2i], hi at [2i+1]. */
  readonly regs = new Int32Array(32);
  ripLo = 0;
  ripHi = 0;
  /** RFLAGS except the arithmetic flags while lfOp != LF_NONE (then those come from the lazy state). */
  flags = 0x2;
  // Lazy arithmetic flags: operation, operand size in bytes, operands and result (64-bit as halves).
  lfOp = LF_NONE;
  lfSize = 4;
  lfRes = 0; lfResHi = 0;
  lfA = 0; lfAHi = 0;
  lfB = 0; lfBHi = 0;
  /** Carry-in for ADC/SBB, or the preserved CF for INC/DEC. */
  lfCin = 0;

  /** Segment selectors ES CS SS DS FS GS. */
  readonly sel = new Uint16Array(6);
  fsBaseLo = 0; fsBaseHi = 0;
  gsBaseLo = 0; gsBaseHi = 0;
  kernelGsBaseLo = 0; kernelGsBaseHi = 0;
  /** Current privilege level (CS.RPL in long mode). */
  cpl = 0;

  gdtrBaseLo = 0; gdtrBaseHi = 0; gdtrLimit = 0xffff;
  idtrBaseLo = 0; idtrBaseHi = 0; idtrLimit = 0xffff;
  ldtrSel = 0; ldtrBaseLo = 0; ldtrBaseHi = 0; ldtrLimit = 0;
  trSel = 0; trBaseLo = 0; trBaseHi = 0; trLimit = 0;

  cr0 = CR0_PE | CR0_ET | CR0_NE;
  cr2Lo = 0; cr2Hi = 0;
  cr3Lo = 0; cr3Hi = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  xcr0 = 1;

  // syscall MSRs, PAT and friends (64-bit values as halves)
  starLo = 0; starHi = 0;
  lstarLo = 0; lstarHi = 0;
  cstarLo = 0; cstarHi = 0;
  fmask = 0;
  patLo = 0x00070406; patHi = 0x00070406;
  tscAux = 0;
  apicBaseLo = 0xfee00000 | (1 << 11) | (1 << 10); apicBaseHi = 0;
  miscEnableLo = 1; miscEnableHi = 0;
  /** Adjustment so that TSC = retired instructions + tscOffset (WRMSR to IA32_TSC sets it). */
  tscOffset = 0;

  /** Retired instructions: the emulator's clock (TSC and the LAPIC timer count these). */
  instructions = 0;
  /** One-instruction interrupt shadow after STI / MOV SS (SDM 6.8.3). */
  interruptShadow = false;
  halted = false;
  /** Set when the CPU has stopped for good (triple fault, machine exit). */
  stopped = false;
  /** Index of this CPU in the machine (0 = bootstrap processor). */
  readonly index: number;

  constructor(index: number) {
    this.index = index;
  }

  getRegLo(r: number): number { return this.regs[r << 1]; }
  getRegHi(r: number): number { return this.regs[(r << 1) | 1]; }
  setReg64(r: number, lo: number, hi: number): void {
    this.regs[r << 1] = lo;
    this.regs[(r << 1) | 1] = hi;
  }
  /** 32-bit writes zero-extend into the full register (SDM 3.4.1.1). */
  setReg32(r: number, v: number): void {
    this.regs[r << 1] = v;
    this.regs[(r << 1) | 1] = 0;
  }
}
