// Descriptor tables and segments: LGDT/LIDT/SGDT/SIDT and SMSW/LMSW (0F 01, dispatched from
// system.ts), SLDT/STR/LLDT/LTR/VERR/VERW (0F 00), MOV Sreg (8E, 8C), far JMP/CALL through memory
// (FF /5, /3), RETF (CB, CA) and IRET (CF). 64-bit mode only: segment limits and the bases of CS, DS,
// ES and SS are ignored; FS and GS keep a base (SDM 3.4.4). Descriptor-table reads are implicit
// supervisor accesses (Cpu.readDescriptor).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, defineGroup, IMM_16, SZ_V } from '../opcodes.js';
import { CpuFault, VEC_GP, VEC_NP, VEC_SS, VEC_UD } from '../faults.js';
import { computeEA, readRM, readMem, writeMem, writeReg } from '../operands.js';
import { getFlags, setArithFlags } from '../flags.js';
import {
  RSP, SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, IF, IOPL, NT, VM, ZF, RFLAGS_WRITABLE,
  CR0_PE, CR0_MP, CR0_EM, CR0_TS,
} from '../state.js';
import { requireCpl0 } from './system-cr.js';
import {
  DESC_ACCESSED, DESC_TSS_BUSY, SYS_LDT, SYS_TSS_AVAIL, SYS_CALL_GATE, UnsupportedByEmulator,
  descBase, descConforming, descDpl, descIsCode, descIsCodeData, descLimit, descLong, descPresent,
  descReadable, descType, descWritableData,
} from './system-desc.js';

const gp = (code: number): CpuFault => new CpuFault(VEC_GP, code);

/** (lo,hi) + off (|off| < 2^32) as halves into tmp[0], tmp[1]. */
const tmp = new Int32Array(2);
function plus(lo: number, hi: number, off: number): void {
  const s = (lo >>> 0) + off;
  tmp[0] = s | 0;
  tmp[1] = s > 0xffffffff ? (hi + 1) | 0 : s < 0 ? (hi - 1) | 0 : hi;
}

// ------------------------------------------------------------------ GDTR / IDTR (0F 01 /0-/3)

/** LGDT / LIDT m16&64: in 64-bit mode the base is always 8 bytes; a non-canonical base is #GP(0). */
export function lgdtLidt(cpu: Cpu, i: Insn): void {
  if (!i.isMem) throw new CpuFault(VEC_UD);
  requireCpl0(cpu);
  computeEA(cpu, i);
  const aLo = cpu.eaLo, aHi = cpu.eaHi;
  const limit = readMem(cpu, aLo, aHi, 2);
  plus(aLo, aHi, 2);
  const bLo = readMem(cpu, tmp[0], tmp[1], 8);
  const bHi = cpu.opHi;
  if (!cpu.mmu.isCanonical(bHi)) throw gp(0);
  if ((i.reg & 7) === 2) { cpu.gdtrLimit = limit; cpu.gdtrBaseLo = bLo; cpu.gdtrBaseHi = bHi; }
  else { cpu.idtrLimit = limit; cpu.idtrBaseLo = bLo; cpu.idtrBaseHi = bHi; }
}

/** SGDT / SIDT m: stores the 2-byte limit and the 8-byte base (any CPL: no UMIP). */
export function sgdtSidt(cpu: Cpu, i: Insn): void {
  if (!i.isMem) throw new CpuFault(VEC_UD);
  computeEA(cpu, i);
  const gdt = (i.reg & 7) === 0;
  const aLo = cpu.eaLo, aHi = cpu.eaHi;
  writeMem(cpu, aLo, aHi, 2, gdt ? cpu.gdtrLimit : cpu.idtrLimit, 0);
  plus(aLo, aHi, 2);
  writeMem(cpu, tmp[0], tmp[1], 8, gdt ? cpu.gdtrBaseLo : cpu.idtrBaseLo, gdt ? cpu.gdtrBaseHi : cpu.idtrBaseHi);
}

/** Stores a 16-bit value to r/m: 16 bits to memory, zero-extended to the operand size in a register. */
function storeSelector(cpu: Cpu, i: Insn, v: number): void {
  if (i.isMem) {
    computeEA(cpu, i);
    writeMem(cpu, cpu.eaLo, cpu.eaHi, 2, v, 0);
  } else {
    writeReg(cpu, i, i.rm, i.osize, v & 0xffff, 0);
  }
}

/** SMSW r/m (0F 01 /4): the low 16 bits of CR0 to memory, all of CR0 to a 32/64-bit register. */
export function smsw(cpu: Cpu, i: Insn): void {
  if (i.isMem || i.osize === 2) storeSelector(cpu, i, cpu.cr0 & 0xffff);
  else writeReg(cpu, i, i.rm, i.osize, cpu.cr0, 0);
}

/** LMSW r/m16 (0F 01 /6): loads CR0 bits 3:0; PE can be set but not cleared (SDM LMSW). */
export function lmsw(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const v = readRM(cpu, i, 2);
  const old = cpu.cr0;
  const mask = CR0_MP | CR0_EM | CR0_TS;
  const nv = (old & ~mask) | (v & mask) | (v & CR0_PE);
  cpu.cr0 = nv;
  cpu.mmu.onMovCr0(old, nv);
}

// ------------------------------------------------------------------ 0F 00: LDTR and TR

function sldt(cpu: Cpu, i: Insn): void { storeSelector(cpu, i, cpu.ldtrSel); }
function str(cpu: Cpu, i: Insn): void { storeSelector(cpu, i, cpu.trSel); }

/** LLDT r/m16: a null selector leaves LDTR unusable; otherwise a present 16-byte LDT descriptor in the GDT. */
function lldt(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const sel = readRM(cpu, i, 2);
  if ((sel & 0xfffc) === 0) { cpu.ldtrSel = sel; cpu.ldtrBaseLo = 0; cpu.ldtrBaseHi = 0; cpu.ldtrLimit = 0; return; }
  if ((sel & 4) !== 0) throw gp(sel & 0xfffc);
  cpu.readDescriptor(sel, 0, 16);
  const hi = cpu.descHi;
  if (descIsCodeData(hi) || descType(hi) !== SYS_LDT) throw gp(sel & 0xfffc);
  if (!descPresent(hi)) throw new CpuFault(VEC_NP, sel & 0xfffc);
  const baseHi = cpu.descExtLo;
  if (!cpu.mmu.isCanonical(baseHi)) throw gp(sel & 0xfffc);
  cpu.ldtrSel = sel;
  cpu.ldtrBaseLo = descBase(cpu.descLo, hi);
  cpu.ldtrBaseHi = baseHi;
  cpu.ldtrLimit = descLimit(cpu.descLo, hi);
}

/**
 * LTR r/m16: loads TR from an available 64-bit TSS descriptor (16 bytes, type 9) in the GDT and marks it
 * busy (type 0xB). #GP(0) for a null selector, #GP(selector) for the LDT, a selector beyond the GDT, a
 * descriptor of another type (a busy TSS included) or a non-canonical base, #NP(selector) if not present.
 */
function ltr(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const sel = readRM(cpu, i, 2);
  if ((sel & 0xfffc) === 0) throw gp(0);
  if ((sel & 4) !== 0) throw gp(sel & 0xfffc);
  cpu.readDescriptor(sel, 0, 16);
  const hi = cpu.descHi;
  if (descIsCodeData(hi) || descType(hi) !== SYS_TSS_AVAIL) throw gp(sel & 0xfffc);
  if (((cpu.descExtHi >>> 8) & 0x1f) !== 0) throw gp(sel & 0xfffc); // upper half's type field must be 0
  if (!descPresent(hi)) throw new CpuFault(VEC_NP, sel & 0xfffc);
  const baseHi = cpu.descExtLo;
  if (!cpu.mmu.isCanonical(baseHi)) throw gp(sel & 0xfffc);
  cpu.setDescriptorBit(DESC_TSS_BUSY);
  cpu.trSel = sel;
  cpu.trBaseLo = descBase(cpu.descLo, hi);
  cpu.trBaseHi = baseHi;
  cpu.trLimit = descLimit(cpu.descLo, hi);
}

/** VERR / VERW r/m16: ZF=1 when the segment is readable / writable from the current CPL and RPL. */
function verrVerw(cpu: Cpu, i: Insn): void {
  const sel = readRM(cpu, i, 2);
  const write = (i.reg & 7) === 5;
  let ok = false;
  if ((sel & 0xfffc) !== 0) {
    try {
      cpu.readDescriptor(sel, 0, 8);
      const hi = cpu.descHi;
      const dplOk = descDpl(hi) >= cpu.cpl && descDpl(hi) >= (sel & 3);
      if (descIsCodeData(hi)) {
        if (write) ok = descWritableData(hi) && dplOk;
        else ok = descReadable(hi) && ((descIsCode(hi) && descConforming(hi)) || dplOk);
      }
    } catch (e) {
      // a selector beyond the table's limit only clears ZF; memory faults still fault
      if (!(e instanceof CpuFault) || e.vector !== VEC_GP) throw e;
    }
  }
  const f = getFlags(cpu);
  setArithFlags(cpu, ok ? f | ZF : f & ~ZF);
}

defineGroup(0x100, SZ_V, [sldt, str, lldt, ltr, verrVerw, verrVerw, null, null]);

// ------------------------------------------------------------------ MOV Sreg

/**
 * Loads a data segment register or SS with a selector (MOV Sreg, and the SS of IRET/RETF), with the
 * protected-mode checks (SDM MOV, 64-bit mode exceptions). FS and GS get the descriptor's 32-bit base;
 * a null selector zeroes their base, as Intel processors do (Linux: X86_BUG_NULL_SEG is AMD's).
 */
export function loadDataSegment(cpu: Cpu, seg: number, sel: number): void {
  const err = sel & 0xfffc;
  if (seg === SEG_SS) {
    if (err === 0) {
      // a null SS is allowed in 64-bit mode below CPL 3 when RPL = CPL
      if (cpu.cpl === 3 || (sel & 3) !== cpu.cpl) throw gp(0);
      cpu.sel[SEG_SS] = sel;
      return;
    }
    cpu.readDescriptor(sel, 0, 8);
    const hi = cpu.descHi;
    if ((sel & 3) !== cpu.cpl || !descWritableData(hi) || descDpl(hi) !== cpu.cpl) throw gp(err);
    if (!descPresent(hi)) throw new CpuFault(VEC_SS, err);
    cpu.setDescriptorBit(DESC_ACCESSED);
    cpu.sel[SEG_SS] = sel;
    return;
  }
  if (err === 0) {
    cpu.sel[seg] = sel;
    if (seg === SEG_FS) { cpu.fsBaseLo = 0; cpu.fsBaseHi = 0; }
    else if (seg === SEG_GS) { cpu.gsBaseLo = 0; cpu.gsBaseHi = 0; }
    return;
  }
  cpu.readDescriptor(sel, 0, 8);
  const hi = cpu.descHi;
  if (!descReadable(hi)) throw gp(err);
  // data and non-conforming code: RPL and CPL must not exceed DPL
  if (!(descIsCode(hi) && descConforming(hi)) && ((sel & 3) > descDpl(hi) || cpu.cpl > descDpl(hi))) throw gp(err);
  if (!descPresent(hi)) throw new CpuFault(VEC_NP, err);
  cpu.setDescriptorBit(DESC_ACCESSED);
  cpu.sel[seg] = sel;
  if (seg === SEG_FS) { cpu.fsBaseLo = descBase(cpu.descLo, hi); cpu.fsBaseHi = 0; }
  else if (seg === SEG_GS) { cpu.gsBaseLo = descBase(cpu.descLo, hi); cpu.gsBaseHi = 0; }
}

/** MOV Sreg, r/m16 (8E): CS and reg 6/7 are #UD; loading SS blocks interrupts for one instruction. */
function movSreg(cpu: Cpu, i: Insn): void {
  const seg = i.reg & 7;
  if (seg === SEG_CS || seg > SEG_GS || i.reg > 7) throw new CpuFault(VEC_UD);
  const sel = readRM(cpu, i, 2);
  loadDataSegment(cpu, seg, sel);
  if (seg === SEG_SS) cpu.interruptShadow = true;
}
/** MOV r/m, Sreg (8C): 16 bits to memory; zero-extended to a 32/64-bit register. */
function movFromSreg(cpu: Cpu, i: Insn): void {
  const seg = i.reg & 7;
  if (seg > SEG_GS || i.reg > 7) throw new CpuFault(VEC_UD);
  storeSelector(cpu, i, cpu.sel[seg]);
}
defineOp(0x8e, { modrm: true, size: SZ_V, handler: movSreg });
defineOp(0x8c, { modrm: true, size: SZ_V, handler: movFromSreg });

// ------------------------------------------------------------------ far transfers

/** Pushes a value of `size` (2, 4 or 8) bytes on the current stack (RSP updated). */
function pushSized(cpu: Cpu, size: number, lo: number, hi: number): void {
  const r = cpu.regs;
  plus(r[RSP << 1], r[(RSP << 1) | 1], -size);
  if (!cpu.mmu.isCanonical(tmp[1])) throw new CpuFault(VEC_SS, 0);
  writeMem(cpu, tmp[0], tmp[1], size, lo, hi);
  r[RSP << 1] = tmp[0];
  r[(RSP << 1) | 1] = tmp[1];
}

/**
 * Checks a far JMP/CALL target (SDM JMP, CALL: 64-bit mode): a present 64-bit code segment; conforming
 * with DPL <= CPL, or non-conforming with RPL <= CPL and DPL = CPL. TSS and task gates are #GP(selector)
 * in IA-32e mode; call gates and 32-bit code (compatibility mode) are not modelled by tlbemu.
 */
function checkFarTarget(cpu: Cpu, sel: number): void {
  const err = sel & 0xfffc;
  if (err === 0) throw gp(0);
  cpu.readDescriptor(sel, 0, 8);
  const hi = cpu.descHi;
  if (!descIsCodeData(hi)) {
    if (descType(hi) === SYS_CALL_GATE) throw new UnsupportedByEmulator('far transfer through a call gate');
    throw gp(err);
  }
  if (!descIsCode(hi)) throw gp(err);
  if (descConforming(hi)) {
    if (descDpl(hi) > cpu.cpl) throw gp(err);
  } else if ((sel & 3) > cpu.cpl || descDpl(hi) !== cpu.cpl) {
    throw gp(err);
  }
  if (!descPresent(hi)) throw new CpuFault(VEC_NP, err);
  if (!descLong(hi)) throw new UnsupportedByEmulator('far transfer to compatibility mode');
}

/** Reads the m16:16/32/64 far pointer of FF /3, /5 into offset (lo,hi) and selector. */
const farPtr = { lo: 0, hi: 0, sel: 0 };
function readFarPointer(cpu: Cpu, i: Insn): void {
  if (!i.isMem) throw new CpuFault(VEC_UD);
  computeEA(cpu, i);
  const aLo = cpu.eaLo, aHi = cpu.eaHi;
  const size = i.osize;
  const lo = readMem(cpu, aLo, aHi, size);
  farPtr.hi = size === 8 ? cpu.opHi : 0;
  farPtr.lo = size === 2 ? lo & 0xffff : lo;
  plus(aLo, aHi, size);
  farPtr.sel = readMem(cpu, tmp[0], tmp[1], 2);
}

/** JMP m16:16/32/64 (FF /5). */
export function jmpFar(cpu: Cpu, i: Insn): void {
  readFarPointer(cpu, i);
  const sel = farPtr.sel;
  checkFarTarget(cpu, sel);
  if (!cpu.mmu.isCanonical(farPtr.hi)) throw gp(0);
  cpu.setDescriptorBit(DESC_ACCESSED);
  cpu.sel[SEG_CS] = (sel & 0xfffc) | cpu.cpl;
  cpu.ripLo = farPtr.lo;
  cpu.ripHi = farPtr.hi;
}

/** CALL m16:16/32/64 (FF /3): pushes CS and the return RIP with the operand size. */
export function callFar(cpu: Cpu, i: Insn): void {
  readFarPointer(cpu, i);
  const sel = farPtr.sel, tLo = farPtr.lo, tHi = farPtr.hi;
  checkFarTarget(cpu, sel);
  if (!cpu.mmu.isCanonical(tHi)) throw gp(0);
  const r = cpu.regs;
  const oldLo = r[RSP << 1], oldHi = r[(RSP << 1) | 1];
  const size = i.osize;
  try {
    pushSized(cpu, size, cpu.sel[SEG_CS], 0);
    pushSized(cpu, size, cpu.ripLo, size === 8 ? cpu.ripHi : 0);
  } catch (e) {
    r[RSP << 1] = oldLo; r[(RSP << 1) | 1] = oldHi;
    throw e;
  }
  cpu.setDescriptorBit(DESC_ACCESSED);
  cpu.sel[SEG_CS] = (sel & 0xfffc) | cpu.cpl;
  cpu.ripLo = tLo;
  cpu.ripHi = tHi;
}

/** Stack image read by RETF/IRET: values as halves, in pop order. */
const popped = new Int32Array(10);

/** Reads `n` values of `size` bytes from the stack without changing RSP; returns the new RSP in tmp. */
function readStack(cpu: Cpu, n: number, size: number): void {
  const r = cpu.regs;
  let lo = r[RSP << 1], hi = r[(RSP << 1) | 1];
  for (let k = 0; k < n; k++) {
    if (!cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_SS, 0);
    const v = readMem(cpu, lo, hi, size);
    popped[2 * k] = size === 2 ? v & 0xffff : v;
    popped[2 * k + 1] = size === 8 ? cpu.opHi : 0;
    plus(lo, hi, size);
    lo = tmp[0]; hi = tmp[1];
  }
  tmp[0] = lo; tmp[1] = hi;
}

/**
 * Checks the CS of a far return (RETF, IRET) and, for a return to an outer level, the SS; leaves
 * nothing changed. Returns the new CPL (SDM RET, IRET: protected-mode return).
 */
function checkReturn(cpu: Cpu, cs: number, ss: number, ssPopped: boolean): number {
  const err = cs & 0xfffc;
  if (err === 0) throw gp(0);
  const rpl = cs & 3;
  if (rpl < cpu.cpl) throw gp(err);
  cpu.readDescriptor(cs, 0, 8);
  const hi = cpu.descHi;
  if (!descIsCode(hi)) throw gp(err);
  if (descConforming(hi) ? descDpl(hi) > rpl : descDpl(hi) !== rpl) throw gp(err);
  if (!descPresent(hi)) throw new CpuFault(VEC_NP, err);
  if (!descLong(hi)) throw new UnsupportedByEmulator('return to compatibility mode');
  cpu.setDescriptorBit(DESC_ACCESSED);
  if (ssPopped) {
    const sErr = ss & 0xfffc;
    if (sErr === 0) {
      // a null SS is allowed when returning to 64-bit code below CPL 3 (SDM IRET)
      if (rpl === 3 || (ss & 3) !== rpl) throw gp(0);
    } else {
      if ((ss & 3) !== rpl) throw gp(sErr);
      cpu.readDescriptor(ss, 0, 8);
      const sh = cpu.descHi;
      if (!descWritableData(sh) || descDpl(sh) !== rpl) throw gp(sErr);
      if (!descPresent(sh)) throw new CpuFault(VEC_SS, sErr);
      cpu.setDescriptorBit(DESC_ACCESSED);
    }
  }
  return rpl;
}

/**
 * After a return to an outer privilege level, DS, ES, FS and GS holding a data or non-conforming code
 * segment with DPL < new CPL are loaded with the null selector (SDM IRET/RET); FS and GS keep their
 * base (the FS_BASE/GS_BASE MSR values user code relies on).
 */
function nullInaccessibleSegments(cpu: Cpu, newCpl: number): void {
  for (const seg of OUTER_SEGS) {
    const sel = cpu.sel[seg];
    if ((sel & 0xfffc) === 0) continue;
    let drop = true;
    try {
      cpu.readDescriptor(sel, 0, 8);
      const hi = cpu.descHi;
      drop = descDpl(hi) < newCpl && !(descIsCode(hi) && descConforming(hi));
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e; // an unreadable descriptor is invalid: null it
    }
    if (drop) cpu.sel[seg] = 0;
  }
}
const OUTER_SEGS = [SEG_ES, SEG_DS, SEG_FS, SEG_GS];

/** RETF / RETF imm16 (CB, CA): operand size 32 by default in 64-bit mode, 64 with REX.W (lretq). */
function retf(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const r = cpu.regs;
  readStack(cpu, 2, size);
  const ripLo = popped[0], ripHi = popped[1], cs = popped[2] & 0xffff;
  let spLo = tmp[0], spHi = tmp[1];
  const rpl = cs & 3;
  const outer = (cs & 0xfffc) !== 0 && rpl > cpu.cpl;
  let ss = 0, nspLo = 0, nspHi = 0;
  if (outer) {
    // the immediate releases parameters on the called procedure's stack, then RSP and SS are popped
    plus(spLo, spHi, i.imm & 0xffff);
    const saveLo = r[RSP << 1], saveHi = r[(RSP << 1) | 1];
    r[RSP << 1] = tmp[0]; r[(RSP << 1) | 1] = tmp[1];
    try { readStack(cpu, 2, size); } finally { r[RSP << 1] = saveLo; r[(RSP << 1) | 1] = saveHi; }
    nspLo = popped[0]; nspHi = popped[1]; ss = popped[2] & 0xffff;
  }
  const newCpl = checkReturn(cpu, cs, ss, outer);
  if (!cpu.mmu.isCanonical(ripHi)) throw gp(0);
  if (outer) {
    plus(nspLo, nspHi, i.imm & 0xffff);
    spLo = tmp[0]; spHi = tmp[1];
    cpu.sel[SEG_SS] = ss;
  } else {
    plus(spLo, spHi, i.imm & 0xffff);
    spLo = tmp[0]; spHi = tmp[1];
  }
  r[RSP << 1] = spLo; r[(RSP << 1) | 1] = spHi;
  cpu.sel[SEG_CS] = cs;
  cpu.ripLo = ripLo; cpu.ripHi = ripHi;
  if (newCpl !== cpu.cpl) {
    cpu.setCpl(newCpl);
    nullInaccessibleSegments(cpu, newCpl);
  }
}
defineOp(0xcb, { size: SZ_V, handler: retf });
defineOp(0xca, { size: SZ_V, imm: IMM_16, handler: retf });

/**
 * IRET / IRETD / IRETQ (CF; 66 CF, CF, 48 CF) in 64-bit mode: pops RIP, CS, RFLAGS, RSP and SS (always,
 * even at the same CPL) with the operand size, checks CS and SS, and loads RFLAGS: IOPL only at CPL 0,
 * IF only when CPL <= IOPL; VM, VIF and VIP are not loaded in IA-32e mode. NT=1 is #GP(0) (no task
 * return in IA-32e mode).
 */
function iret(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  if ((getFlags(cpu) & NT) !== 0) throw gp(0);
  readStack(cpu, 5, size);
  const ripLo = popped[0], ripHi = popped[1], cs = popped[2] & 0xffff, fl = popped[4];
  const rspLo = popped[6], rspHi = popped[7], ss = popped[8] & 0xffff;
  const oldCpl = cpu.cpl;
  const newCpl = checkReturn(cpu, cs, ss, true);
  if (!cpu.mmu.isCanonical(ripHi)) throw gp(0);
  // flags: what this CPL may change (SDM IRET, "RETURN-TO-SAME/OUTER-PRIVILEGE-LEVEL")
  const old = getFlags(cpu);
  let mask = RFLAGS_WRITABLE;
  if (oldCpl !== 0) mask &= ~IOPL;
  if (oldCpl > ((old & IOPL) >>> 12)) mask &= ~IF;
  if (size === 2) mask &= 0xffff;
  cpu.setFlags(((old & ~mask) | (fl & mask)) & ~VM);
  cpu.regs[RSP << 1] = rspLo; // popped values are zero-extended for the 16- and 32-bit forms
  cpu.regs[(RSP << 1) | 1] = rspHi;
  cpu.sel[SEG_SS] = ss;
  cpu.sel[SEG_CS] = cs;
  cpu.ripLo = ripLo;
  cpu.ripHi = ripHi;
  if (newCpl !== oldCpl) {
    cpu.setCpl(newCpl);
    nullInaccessibleSegments(cpu, newCpl);
  }
}
defineOp(0xcf, { size: SZ_V, handler: iret });

