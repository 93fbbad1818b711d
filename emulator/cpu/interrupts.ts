// Delivery of exceptions and interrupts through the 64-bit IDT (SDM vol. 3, 6.12-6.14): gate checks,
// stack switch to TSS.RSPn on a privilege change or to an IST stack, the 16-byte aligned frame
// SS, RSP, RFLAGS, CS, RIP [, error code], and the double-fault / triple-fault rules (6.15).
import type { Cpu } from './cpu.js';
import {
  CpuFault, VEC_DF, VEC_GP, VEC_NP, VEC_PF, VEC_SS, VEC_TS, hasErrorCode, isContributory,
} from './faults.js';
import { ACC_IMPLICIT, ACC_STACK, ACC_USER } from '../mmu/access.js';
import { getFlags } from './flags.js';
import { IF, TF, NT, RF, VM, RSP, SEG_CS, SEG_SS } from './state.js';
import {
  DESC_ACCESSED, SYS_INT_GATE, SYS_TRAP_GATE, descConforming, descDpl, descIsCode, descLong, descPresent,
} from './ops/system-desc.js';

/** Kind of event being delivered. */
/** An exception raised by the processor (a fault, or a trap such as INT1); faults while delivering it carry EXT=1. */
export const EV_EXCEPTION = 0;
/** An external (hardware) interrupt: EXT=1, never an error code. */
export const EV_EXTERNAL = 1;
/** INT n and INT3: the gate's DPL must be >= CPL; EXT=0; never an error code. */
export const EV_SOFTWARE = 2;

/** The frame being pushed (SS RSP RFLAGS CS RIP error), as halves: preallocated, delivery allocates nothing. */
const frame = new Int32Array(12);

function addOffset(lo: number, hi: number, off: number, out: Int32Array, at: number): void {
  const s = (lo >>> 0) + off;
  out[at] = s | 0;
  out[at + 1] = s > 0xffffffff ? (hi + 1) | 0 : hi;
}
const addr = new Int32Array(2);

/**
 * Delivers one event. The pushed RIP is cpu.rip: the faulting instruction for faults (the run loop has
 * restored it), the next instruction for traps and INT n. Nothing is committed until every check and
 * every push has succeeded; a fault during delivery is thrown as a CpuFault (the caller applies the
 * double-fault rules).
 */
export function deliver(cpu: Cpu, vector: number, kind: number, errorCode: number): void {
  const mmu = cpu.mmu;
  // EXT: the event is external to the program — an interrupt or an exception, not INT n (SDM 6.13)
  const ext = kind === EV_SOFTWARE ? 0 : 1;
  const gateErr = vector * 8 + 2 + ext; // IDT bit set
  if (vector * 16 + 15 > cpu.idtrLimit) throw new CpuFault(VEC_GP, gateErr);
  addOffset(cpu.idtrBaseLo, cpu.idtrBaseHi, vector * 16, addr, 0);
  const w0 = mmu.read64With(addr[0], addr[1], ACC_IMPLICIT);
  const w1 = mmu.hi;
  addOffset(addr[0], addr[1], 8, addr, 0);
  const w2 = mmu.read64With(addr[0], addr[1], ACC_IMPLICIT);
  // gate checks (SDM 6.14.1, 6.12.1.1): type (with S=0), then DPL for software events, then P
  const type = (w1 >>> 8) & 0x1f;
  if (type !== SYS_INT_GATE && type !== SYS_TRAP_GATE) throw new CpuFault(VEC_GP, gateErr);
  if (kind === EV_SOFTWARE && descDpl(w1) < cpu.cpl) throw new CpuFault(VEC_GP, gateErr);
  if (!descPresent(w1)) throw new CpuFault(VEC_NP, gateErr);
  const selector = (w0 >>> 16) & 0xffff;
  const offLo = (w0 & 0xffff) | (w1 & 0xffff0000);
  const offHi = w2;
  const ist = w1 & 7;

  // target code segment: non-null, a present 64-bit code segment with DPL <= CPL
  if ((selector & 0xfffc) === 0) throw new CpuFault(VEC_GP, ext);
  cpu.readDescriptor(selector, ext, 8);
  const cs = cpu.descHi;
  const selErr = (selector & 0xfffc) | ext;
  if (!descIsCode(cs) || descDpl(cs) > cpu.cpl) throw new CpuFault(VEC_GP, selErr);
  if (!descPresent(cs)) throw new CpuFault(VEC_NP, selErr);
  if (!descLong(cs) || (cs & (1 << 22)) !== 0) throw new CpuFault(VEC_GP, selErr); // L=1, D=0
  if (!mmu.isCanonical(offHi)) throw new CpuFault(VEC_GP, ext);
  const oldCpl = cpu.cpl;
  const newCpl = descConforming(cs) ? oldCpl : descDpl(cs);

  const oldFlags = getFlags(cpu);
  const oldRspLo = cpu.regs[RSP << 1], oldRspHi = cpu.regs[(RSP << 1) | 1];
  let rspLo = oldRspLo, rspHi = oldRspHi;
  if (ist !== 0 || newCpl !== oldCpl) {
    // RSPn at TSS+4+8n, ISTn at TSS+0x1C+8n (SDM 7.7); reads of the TSS are implicit supervisor accesses
    const off = ist !== 0 ? 0x1c + 8 * ist : 4 + 8 * newCpl;
    if (off + 7 > cpu.trLimit) throw new CpuFault(VEC_TS, (cpu.trSel & 0xfffc) | ext);
    addOffset(cpu.trBaseLo, cpu.trBaseHi, off, addr, 0);
    rspLo = mmu.read64With(addr[0], addr[1], ACC_IMPLICIT);
    rspHi = mmu.hi;
    if (!mmu.isCanonical(rspHi)) throw new CpuFault(VEC_SS, ext);
  }
  rspLo &= ~0xf; // in 64-bit mode the frame is always 16-byte aligned (SDM 6.14.2)

  // the frame, highest address first
  frame[0] = cpu.sel[SEG_SS]; frame[1] = 0;
  frame[2] = oldRspLo; frame[3] = oldRspHi;
  frame[4] = oldFlags; frame[5] = 0;
  frame[6] = cpu.sel[SEG_CS]; frame[7] = 0;
  frame[8] = cpu.ripLo; frame[9] = cpu.ripHi;
  const withErr = kind === EV_EXCEPTION && hasErrorCode(vector) && errorCode >= 0;
  frame[10] = errorCode; frame[11] = 0;
  const words = withErr ? 6 : 5;
  // pushes happen at the new CPL: explicit supervisor accesses for a kernel handler (SDM 4.6)
  const access = (newCpl === 3 ? ACC_USER : 0) | ACC_STACK;
  const bottomS = (rspLo >>> 0) - words * 8;
  const bottomLo = bottomS | 0, bottomHi = bottomS < 0 ? (rspHi - 1) | 0 : rspHi;
  if (!mmu.isCanonical(bottomHi) || !mmu.isCanonical(rspHi)) throw new CpuFault(VEC_SS, ext);
  // loading CS sets its descriptor's accessed bit (SDM 3.4.5.1)
  cpu.setDescriptorBit(DESC_ACCESSED);
  for (let k = 0; k < words; k++) {
    addOffset(bottomLo, bottomHi, (words - 1 - k) * 8, addr, 0);
    mmu.writeSized(addr[0], addr[1], 8, frame[2 * k], frame[2 * k + 1], access);
  }

  // commit
  cpu.regs[RSP << 1] = bottomLo;
  cpu.regs[(RSP << 1) | 1] = bottomHi;
  if (newCpl !== oldCpl) cpu.sel[SEG_SS] = newCpl; // SS = NULL selector with RPL = new CPL (SDM 6.14.4)
  cpu.sel[SEG_CS] = (selector & 0xfffc) | newCpl;
  cpu.setCpl(newCpl);
  let f = oldFlags & ~(TF | NT | RF | VM);
  if (type === SYS_INT_GATE) f &= ~IF;
  cpu.setFlags(f);
  cpu.ripLo = offLo;
  cpu.ripHi = offHi;
}

/** Exception classes for the double-fault rules (SDM table 6-5): 0 benign, 1 contributory, 2 page fault. */
function faultClass(vector: number): number {
  if (vector === VEC_PF) return 2;
  return isContributory(vector) ? 1 : 0;
}

/**
 * Delivers an exception raised by an instruction (or by the delivery of an interrupt), applying the
 * double-fault rules: a second exception while delivering the first is delivered serially unless the
 * pair is contributory/contributory or page-fault/(contributory or page fault), which gives #DF(0); an
 * exception while delivering #DF is a triple fault. Returns false when the CPU has triple-faulted (it is
 * then stopped with a report naming the RIP and the chain of vectors).
 */
export function raiseException(cpu: Cpu, fault: CpuFault): boolean {
  const chain: CpuFault[] = [fault];
  let current = fault;
  for (;;) {
    if (current.vector === VEC_PF) { cpu.cr2Lo = current.cr2Lo; cpu.cr2Hi = current.cr2Hi; }
    try {
      cpu.noteInterrupt(current.vector, false);
      deliver(cpu, current.vector, EV_EXCEPTION, current.errorCode);
      return true;
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      chain.push(e);
      if (current.vector === VEC_DF) {
        cpu.tripleFault(chain);
        return false;
      }
      const a = faultClass(current.vector), b = faultClass(e.vector);
      if ((a === 1 && b === 1) || (a === 2 && b !== 0)) {
        current = new CpuFault(VEC_DF, 0);
        chain.push(current);
      } else {
        current = e;
      }
    }
  }
}
