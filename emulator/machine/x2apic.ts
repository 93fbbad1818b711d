// Local APICs in x2APIC mode, reached through MSRs 0x800-0x8FF (SDM vol. 3, ch. 11 "Advanced
// Programmable Interrupt Controller", 11.12 x2APIC). Fixed IPIs (to one CPU, self, all, all-but-self),
// EOI, TPR/PPR priority, IRR/ISR, and the LAPIC timer (one-shot and periodic) counting retired
// instructions so that runs are deterministic. A malformed access returns false, which the WRMSR/RDMSR
// handler turns into #GP(0) as the SDM specifies for x2APIC MSRs.

export const X2APIC_ID = 0x802;
export const X2APIC_VERSION = 0x803;
export const X2APIC_TPR = 0x808;
export const X2APIC_PPR = 0x80a;
export const X2APIC_EOI = 0x80b;
export const X2APIC_LDR = 0x80d;
export const X2APIC_SVR = 0x80f;
export const X2APIC_ISR0 = 0x810;
export const X2APIC_TMR0 = 0x818;
export const X2APIC_IRR0 = 0x820;
export const X2APIC_ESR = 0x828;
export const X2APIC_LVT_CMCI = 0x82f;
export const X2APIC_ICR = 0x830;
export const X2APIC_LVT_TIMER = 0x832;
export const X2APIC_LVT_THERMAL = 0x833;
export const X2APIC_LVT_PERF = 0x834;
export const X2APIC_LVT_LINT0 = 0x835;
export const X2APIC_LVT_LINT1 = 0x836;
export const X2APIC_LVT_ERROR = 0x837;
export const X2APIC_TIMER_INIT = 0x838;
export const X2APIC_TIMER_CUR = 0x839;
export const X2APIC_TIMER_DIV = 0x83e;
export const X2APIC_SELF_IPI = 0x83f;

const LVT_MASKED = 1 << 16;
const SVR_ENABLE = 1 << 8;
// ESR bits (SDM 11.5.3)
const ESR_SEND_ILLEGAL_VECTOR = 1 << 5;
const ESR_RECV_ILLEGAL_VECTOR = 1 << 6;

/** Per-CPU counters. */
export class ApicCounters {
  ipisSent = 0;
  ipisReceived = 0;
  timerInterrupts = 0;
  interruptsAccepted = 0;
  droppedWhileDisabled = 0;
}

export class LocalApic {
  tpr = 0;
  svr = 0xff; // disabled after reset: bit 8 clear, spurious vector 0xFF
  readonly irr = new Uint32Array(8);
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  esr = 0;
  /** ESR as latched by the last write to it (SDM: a write to ESR loads the accumulated errors). */
  esrLatched = 0;
  icrLo = 0;
  icrHi = 0;
  lvtTimer = LVT_MASKED;
  lvtCmci = LVT_MASKED;
  lvtThermal = LVT_MASKED;
  lvtPerf = LVT_MASKED;
  lvtLint0 = LVT_MASKED;
  lvtLint1 = LVT_MASKED;
  lvtError = LVT_MASKED;
  timerInitial = 0;
  timerDivide = 0; // raw divide-configuration register
  /** Clock value (CPU-local) at which the current count was last (re)loaded, and the deadline. */
  timerStart = 0;
  timerDeadline = -1;
  readonly counters = new ApicCounters();
  constructor(readonly id: number) {}

  get enabled(): boolean { return (this.svr & SVR_ENABLE) !== 0; }

  /** Divisor encoded by the divide-configuration register bits 3, 1:0 (SDM 11.5.4). */
  divisor(): number {
    const v = ((this.timerDivide >> 1) & 4) | (this.timerDivide & 3);
    return v === 7 ? 1 : 2 << v;
  }

  highest(bits: Uint32Array): number {
    for (let w = 7; w >= 0; w--) {
      const x = bits[w];
      if (x !== 0) return w * 32 + 31 - Math.clz32(x);
    }
    return -1;
  }

  /** Processor priority (SDM 11.8.3.1): the higher of TPR and the in-service class. */
  ppr(): number {
    const isrv = this.highest(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr & 0xff : isrClass;
  }

  /** Sets a vector in the IRR; returns false if it was illegal (vectors 0-15 are reserved). */
  post(vector: number): boolean {
    if (vector < 16) { this.esr |= ESR_RECV_ILLEGAL_VECTOR; return false; }
    this.irr[vector >>> 5] |= 1 << (vector & 31);
    return true;
  }

  /** The vector that would be delivered now, or -1. */
  deliverable(): number {
    const v = this.highest(this.irr);
    if (v < 0) return -1;
    return (v & 0xf0) > (this.ppr() & 0xf0) ? v : -1;
  }

  accept(vector: number): void {
    this.irr[vector >>> 5] &= ~(1 << (vector & 31));
    this.isr[vector >>> 5] |= 1 << (vector & 31);
    this.counters.interruptsAccepted++;
  }

  eoi(): void {
    const v = this.highest(this.isr);
    if (v >= 0) this.isr[v >>> 5] &= ~(1 << (v & 31));
  }
}

/** Clock of a CPU as the APIC timer sees it: retired instructions plus time spent halted. */
export type ClockSource = (cpu: number) => number;

export class X2ApicSystem {
  readonly apics: LocalApic[];
  /** Called when a CPU gains a deliverable interrupt (lets the scheduler wake it / end a slice). */
  onPending: ((cpu: number) => void) | null = null;
  /** Hook for IPI observation (the emulator hooks' ipi). */
  onIpi: ((from: number, to: number, vector: number) => void) | null = null;

  constructor(readonly cpuCount: number, private readonly clock: ClockSource) {
    this.apics = Array.from({ length: cpuCount }, (_, k) => new LocalApic(k));
  }

  pendingInterrupt(cpu: number): number {
    const a = this.apics[cpu];
    if (a.timerDeadline >= 0) this.updateTimer(cpu);
    return a.deliverable();
  }

  acknowledgeInterrupt(cpu: number, vector: number): void {
    this.apics[cpu].accept(vector);
  }

  /** Smallest clock value at which this CPU's timer fires, or -1 when it is not armed. */
  timerDeadline(cpu: number): number {
    return this.apics[cpu].timerDeadline;
  }

  /** Fires the timer if its deadline has passed (called at slice boundaries and on reads). */
  updateTimer(cpu: number): void {
    const a = this.apics[cpu];
    if (a.timerDeadline < 0) return;
    const now = this.clock(cpu);
    if (now < a.timerDeadline) return;
    const periodic = ((a.lvtTimer >>> 17) & 3) === 1;
    if ((a.lvtTimer & LVT_MASKED) === 0 && a.enabled) {
      if (a.post(a.lvtTimer & 0xff)) {
        a.counters.timerInterrupts++;
        this.onPending?.(cpu);
      }
    }
    if (periodic && a.timerInitial > 0) {
      const period = a.timerInitial * a.divisor();
      // catch up whole periods deterministically (one interrupt: IRR holds one bit per vector)
      const missed = Math.floor((now - a.timerDeadline) / period);
      a.timerStart = a.timerDeadline + missed * period;
      a.timerDeadline = a.timerStart + period;
    } else {
      a.timerDeadline = -1;
    }
  }

  private currentCount(cpu: number): number {
    const a = this.apics[cpu];
    if (a.timerDeadline < 0) return 0;
    const left = a.timerDeadline - this.clock(cpu);
    return left <= 0 ? 0 : Math.ceil(left / a.divisor());
  }

  /** RDMSR of an x2APIC register; false for reserved or write-only registers (#GP). */
  msrRead(cpu: number, msr: number, out: { lo: number; hi: number }): boolean {
    const a = this.apics[cpu];
    out.hi = 0;
    if (msr >= X2APIC_ISR0 && msr < X2APIC_ISR0 + 8) { out.lo = a.isr[msr - X2APIC_ISR0] | 0; return true; }
    if (msr >= X2APIC_TMR0 && msr < X2APIC_TMR0 + 8) { out.lo = a.tmr[msr - X2APIC_TMR0] | 0; return true; }
    if (msr >= X2APIC_IRR0 && msr < X2APIC_IRR0 + 8) {
      if (a.timerDeadline >= 0) this.updateTimer(cpu);
      out.lo = a.irr[msr - X2APIC_IRR0] | 0;
      return true;
    }
    switch (msr) {
      case X2APIC_ID: out.lo = a.id; return true;
      case X2APIC_VERSION: out.lo = 0x00050014; return true; // 6 LVT entries, version 0x14
      case X2APIC_TPR: out.lo = a.tpr; return true;
      case X2APIC_PPR: out.lo = a.ppr(); return true;
      case X2APIC_LDR: out.lo = ((a.id >>> 4) << 16) | (1 << (a.id & 0xf)); return true; // SDM 11.12.10.2
      case X2APIC_SVR: out.lo = a.svr; return true;
      case X2APIC_ESR: out.lo = a.esrLatched; return true;
      case X2APIC_ICR: out.lo = a.icrLo; out.hi = a.icrHi; return true;
      case X2APIC_LVT_CMCI: out.lo = a.lvtCmci; return true;
      case X2APIC_LVT_TIMER: out.lo = a.lvtTimer; return true;
      case X2APIC_LVT_THERMAL: out.lo = a.lvtThermal; return true;
      case X2APIC_LVT_PERF: out.lo = a.lvtPerf; return true;
      case X2APIC_LVT_LINT0: out.lo = a.lvtLint0; return true;
      case X2APIC_LVT_LINT1: out.lo = a.lvtLint1; return true;
      case X2APIC_LVT_ERROR: out.lo = a.lvtError; return true;
      case X2APIC_TIMER_INIT: out.lo = a.timerInitial | 0; return true;
      case X2APIC_TIMER_CUR: out.lo = this.currentCount(cpu) | 0; return true;
      case X2APIC_TIMER_DIV: out.lo = a.timerDivide; return true;
      default: return false; // EOI and SELF IPI are write-only; everything else is reserved
    }
  }

  /** WRMSR of an x2APIC register; false means #GP (read-only/reserved register or reserved bits). */
  msrWrite(cpu: number, msr: number, lo: number, hi: number): boolean {
    const a = this.apics[cpu];
    switch (msr) {
      case X2APIC_TPR:
        if (hi !== 0 || (lo & ~0xff) !== 0) return false;
        a.tpr = lo & 0xff;
        if (a.deliverable() >= 0) this.onPending?.(cpu);
        return true;
      case X2APIC_EOI:
        if (lo !== 0 || hi !== 0) return false; // SDM 11.12.1.2: non-zero EOI writes #GP in x2APIC mode
        a.eoi();
        if (a.deliverable() >= 0) this.onPending?.(cpu);
        return true;
      case X2APIC_SVR:
        if (hi !== 0 || (lo & ~0x11ff) !== 0) return false;
        a.svr = lo & 0x11ff;
        if (!a.enabled) {
          // software disable masks every LVT (SDM 11.4.7.2)
          a.lvtTimer |= LVT_MASKED; a.lvtCmci |= LVT_MASKED; a.lvtThermal |= LVT_MASKED; a.lvtPerf |= LVT_MASKED;
          a.lvtLint0 |= LVT_MASKED; a.lvtLint1 |= LVT_MASKED; a.lvtError |= LVT_MASKED;
        }
        return true;
      case X2APIC_ESR:
        if (lo !== 0 || hi !== 0) return false;
        a.esrLatched = a.esr;
        a.esr = 0;
        return true;
      case X2APIC_ICR:
        return this.writeIcr(cpu, lo, hi);
      case X2APIC_SELF_IPI:
        if (hi !== 0 || (lo & ~0xff) !== 0) return false;
        this.sendFixed(cpu, cpu, lo & 0xff);
        return true;
      case X2APIC_LVT_TIMER:
        if (hi !== 0) return false;
        a.lvtTimer = (a.enabled ? lo : lo | LVT_MASKED) & 0x710ff;
        return true;
      case X2APIC_LVT_CMCI: case X2APIC_LVT_THERMAL: case X2APIC_LVT_PERF: case X2APIC_LVT_LINT0:
      case X2APIC_LVT_LINT1: case X2APIC_LVT_ERROR: {
        if (hi !== 0) return false;
        const v = (a.enabled ? lo : lo | LVT_MASKED) & 0x1a7ff;
        if (msr === X2APIC_LVT_CMCI) a.lvtCmci = v;
        else if (msr === X2APIC_LVT_THERMAL) a.lvtThermal = v;
        else if (msr === X2APIC_LVT_PERF) a.lvtPerf = v;
        else if (msr === X2APIC_LVT_LINT0) a.lvtLint0 = v;
        else if (msr === X2APIC_LVT_LINT1) a.lvtLint1 = v;
        else a.lvtError = v & 0x100ff;
        return true;
      }
      case X2APIC_TIMER_INIT:
        if (hi !== 0) return false;
        a.timerInitial = lo >>> 0;
        if (a.timerInitial === 0) { a.timerDeadline = -1; return true; } // a zero count stops the timer
        a.timerStart = this.clock(cpu);
        a.timerDeadline = a.timerStart + a.timerInitial * a.divisor();
        return true;
      case X2APIC_TIMER_DIV:
        if (hi !== 0 || (lo & ~0xb) !== 0) return false;
        a.timerDivide = lo & 0xb;
        return true;
      default:
        return false; // ID, version, PPR, LDR, ISR/TMR/IRR, current count: read-only; others reserved
    }
  }

  /** ICR write (SDM 11.6.1, x2APIC 11.12.9): only fixed delivery (mode 0) with a physical destination
   *  or a shorthand is modelled; other delivery modes (NMI, INIT, SIPI...) are accepted and ignored,
   *  since all CPUs start at once under the boot contract. */
  private writeIcr(cpu: number, lo: number, hi: number): boolean {
    if ((lo & 0xfff32000) !== 0) return false; // reserved bits of the low word (x2APIC ICR)
    const a = this.apics[cpu];
    a.icrLo = lo & ~(1 << 12); // delivery status always idle
    a.icrHi = hi;
    const vector = lo & 0xff;
    const mode = (lo >>> 8) & 7;
    const logical = (lo >>> 11) & 1;
    const shorthand = (lo >>> 18) & 3;
    if (mode !== 0) return true;
    if (vector < 16) { a.esr |= ESR_SEND_ILLEGAL_VECTOR; return true; }
    switch (shorthand) {
      case 1: this.sendFixed(cpu, cpu, vector); break;
      case 2: for (let t = 0; t < this.cpuCount; t++) this.sendFixed(cpu, t, vector); break;
      case 3: for (let t = 0; t < this.cpuCount; t++) if (t !== cpu) this.sendFixed(cpu, t, vector); break;
      default:
        if (logical) {
          // x2APIC logical destination: cluster in 31:16, bitmap in 15:0 (SDM 11.12.10.2)
          const cluster = hi >>> 16, bits = hi & 0xffff;
          for (let t = 0; t < this.cpuCount; t++) {
            if ((t >>> 4) === cluster && (bits & (1 << (t & 15))) !== 0) this.sendFixed(cpu, t, vector);
          }
        } else if (hi === -1) {
          for (let t = 0; t < this.cpuCount; t++) this.sendFixed(cpu, t, vector); // broadcast ID 0xFFFFFFFF
        } else if (hi >= 0 && hi < this.cpuCount) {
          this.sendFixed(cpu, hi, vector);
        }
        // a destination that matches no CPU is simply not accepted by anyone
    }
    return true;
  }

  private sendFixed(from: number, to: number, vector: number): void {
    const src = this.apics[from], dst = this.apics[to];
    src.counters.ipisSent++;
    this.onIpi?.(from, to, vector);
    if (!dst.enabled) { dst.counters.droppedWhileDisabled++; return; }
    if (dst.post(vector)) {
      dst.counters.ipisReceived++;
      if (dst.deliverable() >= 0) this.onPending?.(to);
    }
  }
}

