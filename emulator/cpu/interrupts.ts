// Delivery of exceptions and interrupts through the 64-bit IDT (SDM vol. 3, 6.14): gate checks,
// stack switch to TSS.RSPn on a privilege change or to an IST stack, the 16-byte aligned frame
// SS, RSP, RFLAGS, CS, RIP [, error code], and the double-fault / triple-fault rules (6.15).
import type { Cpu } from './cpu.js';
import { CpuFault, VEC_DF, VEC_GP, VEC_NP, VEC_PF, VEC_TS, hasErrorCode, isContributory } from './faults.js';
import { ACC_IMPLICIT, ACC_WRITE } from '../mmu/access.js';
import { getFlags } from './flags.js';
import { IF, TF, NT, RF, VM, RSP } from './state.js';

/** Kind of event being delivered. */
export const EV_EXCEPTION = 0;
export const EV_EXTERNAL = 1;
/** INT n, INT3, INTO: gate DPL is checked against CPL. */
export const EV_SOFTWARE = 2;

function readImplicit64(cpu: Cpu, lo: number, hi: number): number {
  return cpu.mmu.read64With(lo, hi, ACC_IMPLICIT);
}

function addOffset(lo: number, hi: number, off: number): [number, number] {
  const s = (lo >>> 0) + off;
  return [s | 0, s > 0xffffffff ? (hi + 1) | 0 : hi];
}

/**
 * Delivers one event. Throws CpuFault when delivery itself faults (the caller applies the
 * double-fault rules).
 */
export function deliver(cpu: Cpu, vector: number, kind: number, errorCode: number): void {
  const ext = kind === EV_EXTERNAL ? 1 : 0;
  const gateErr = vector * 8 + 2 + ext;
  if (vector * 16 + 15 > cpu.idtrLimit) throw new CpuFault(VEC_GP, gateErr);
  const [gLo, gHi] = addOffset(cpu.idtrBaseLo, cpu.idtrBaseHi, vector * 16);
  const w0 = readImplicit64(cpu, gLo, gHi);
  const w1 = cpu.mmu.hi;
  const [g8Lo, g8Hi] = addOffset(gLo, gHi, 8);
  const w2 = readImplicit64(cpu, g8Lo, g8Hi);
  const type = (w1 >>> 8) & 0x1f;
  const dpl = (w1 >>> 13) & 3;
  const present = (w1 >>> 15) & 1;
  if (type !== 0x0e && type !== 0x0f) throw new CpuFault(VEC_GP, gateErr);
  if (kind === EV_SOFTWARE && dpl < cpu.cpl) throw new CpuFault(VEC_GP, gateErr);
  if (!present) throw new CpuFault(VEC_NP, gateErr);
  const selector = (w0 >>> 16) & 0xffff;
  const offLo = (w0 & 0xffff) | (w1 & 0xffff0000);
  const offHi = w2;
  const ist = w1 & 7;
  const newCpl = cpu.codeSegmentDpl(selector, gateErr);
  if (newCpl > cpu.cpl) throw new CpuFault(VEC_GP, (selector & 0xfffc) + ext);

  const oldFlags = getFlags(cpu);
  const oldCs = cpu.sel[1], oldSs = cpu.sel[2];
  const oldRspLo = cpu.regs[RSP << 1], oldRspHi = cpu.regs[(RSP << 1) | 1];
  let rspLo = oldRspLo, rspHi = oldRspHi;
  if (ist !== 0 || newCpl !== cpu.cpl) {
    // RSPn at TSS+4+8n, ISTn at TSS+0x24+8(n-1) (SDM 7.7)
    const off = ist !== 0 ? 0x24 + 8 * (ist - 1) : 4 + 8 * newCpl;
    if (off + 7 > cpu.trLimit) throw new CpuFault(VEC_TS, (cpu.trSel & 0xfffc) + ext);
    const [tLo, tHi] = addOffset(cpu.trBaseLo, cpu.trBaseHi, off);
    rspLo = readImplicit64(cpu, tLo, tHi);
    rspHi = cpu.mmu.hi;
  }
  rspLo &= ~0xf; // the frame is 16-byte aligned in 64-bit mode
  // Build the frame with supervisor stack writes (the new privilege level's stack).
  const oldCpl = cpu.cpl;
  const frame: number[] = [oldSs, 0, oldRspLo, oldRspHi, oldFlags, 0, oldCs, 0, cpu.ripLo, cpu.ripHi];
  const withErr = kind === EV_EXCEPTION && hasErrorCode(vector) && errorCode >= 0;
  if (withErr) frame.push(errorCode, 0);
  const words = frame.length / 2;
  let pLo = rspLo, pHi = rspHi;
  const total = words * 8;
  const s = (pLo >>> 0) - total;
  pLo = s | 0;
  if (s < 0) pHi = (pHi - 1) | 0;
  if (!cpu.mmu.isCanonical(pHi)) throw new CpuFault(12, ext);
  for (let k = 0; k < words; k++) {
    const [aLo, aHi] = addOffset(pLo, pHi, (words - 1 - k) * 8);
    cpu.mmu.writeSized(aLo, aHi, 8, frame[2 * k], frame[2 * k + 1], ACC_IMPLICIT | ACC_WRITE);
  }
  // commit
  cpu.regs[RSP << 1] = pLo;
  cpu.regs[(RSP << 1) | 1] = pHi;
  if (newCpl !== oldCpl) cpu.sel[2] = newCpl; // SS = NULL selector with RPL = new CPL
  cpu.sel[1] = (selector & ~3) | newCpl;
  cpu.setCpl(newCpl);
  let f = oldFlags & ~(TF | NT | RF | VM);
  if (type === 0x0e) f &= ~IF;
  cpu.setFlags(f);
  cpu.ripLo = offLo;
  cpu.ripHi = offHi;
  if (vector === VEC_PF && kind === EV_EXCEPTION) { /* CR2 was loaded by the caller */ }
}

/** Exception classes for the double-fault rules (SDM table 6-5): 0 benign, 1 contributory, 2 page fault. */
function faultClass(vector: number): number {
  if (vector === VEC_PF) return 2;
  return isContributory(vector) ? 1 : 0;
}

/**
 * Delivers an exception raised by an instruction, applying the double-fault rules. Returns false when
 * the CPU has triple-faulted (it is then stopped with a report).
 */
export function raiseException(cpu: Cpu, fault: CpuFault): boolean {
  const chain: CpuFault[] = [fault];
  let current = fault;
  let kind = EV_EXCEPTION;
  for (;;) {
    if (current.vector === VEC_PF) { cpu.cr2Lo = current.cr2Lo; cpu.cr2Hi = current.cr2Hi; }
    try {
      cpu.noteInterrupt(current.vector, false);
      deliver(cpu, current.vector, kind, current.errorCode);
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
      } else {
        current = e;
      }
      kind = EV_EXCEPTION;
    }
  }
}
