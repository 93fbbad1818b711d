// Integer ALU: ADD OR ADC SBB AND SUB XOR CMP (00-3D, 80-83), TEST (84, 85, A8, A9, F6/F7 /0),
// INC/DEC (FE/FF /0 /1), NOT/NEG (F6/F7 /2 /3). Flags are lazy for the common forms (flags.ts).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, defineGroup, IMM_8, IMM_Z, SZ_BYTE, SZ_V } from '../opcodes.js';
import { readReg, writeReg, readRM, writeBackRM, writeMem } from '../operands.js';
import { getCF, setLazy } from '../flags.js';
import { LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC, LF_ADC, LF_SBB } from '../state.js';

// ALU operation numbers = the /reg of the 80-83 group and bits 5:3 of the 00-3F opcodes.
const OP_ADD = 0, OP_OR = 1, OP_ADC = 2, OP_SBB = 3, OP_AND = 4, OP_SUB = 5, OP_XOR = 6, OP_CMP = 7;

let rHi = 0; // high half of the last aluOp result

// A read-modify-write whose memory write faults must leave RFLAGS as it was before the instruction
// (SDM vol. 3A 6.5: a fault reports the state before the faulting instruction). The handlers record
// the new flags before writing, so memory forms save the flag state first and put it back on a fault.
const savedFlags = new Int32Array(10);
function saveFlags(cpu: Cpu): void {
  savedFlags[0] = cpu.lfOp; savedFlags[1] = cpu.lfSize; savedFlags[2] = cpu.lfRes; savedFlags[3] = cpu.lfResHi;
  savedFlags[4] = cpu.lfA; savedFlags[5] = cpu.lfAHi; savedFlags[6] = cpu.lfB; savedFlags[7] = cpu.lfBHi;
  savedFlags[8] = cpu.lfCin; savedFlags[9] = cpu.flags;
}
function restoreFlags(cpu: Cpu): void {
  cpu.lfOp = savedFlags[0]; cpu.lfSize = savedFlags[1]; cpu.lfRes = savedFlags[2]; cpu.lfResHi = savedFlags[3];
  cpu.lfA = savedFlags[4]; cpu.lfAHi = savedFlags[5]; cpu.lfB = savedFlags[6]; cpu.lfBHi = savedFlags[7];
  cpu.lfCin = savedFlags[8]; cpu.flags = savedFlags[9];
}
/** Writes an RMW result to the r/m operand read by readRM (flags saved with saveFlags for memory). */
function writeBackRmw(cpu: Cpu, i: Insn, size: number, lo: number, hi: number): void {
  if (!i.isMem) { writeReg(cpu, i, i.rm, size, lo, hi); return; }
  try {
    writeMem(cpu, cpu.eaLo, cpu.eaHi, size, lo, hi);
  } catch (e) {
    restoreFlags(cpu);
    throw e;
  }
}

/** a OP b at size; returns lo, high half in rHi; records the flags. */
function aluOp(cpu: Cpu, op: number, size: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  let lo = 0, hi = 0;
  switch (op) {
    case OP_ADD: case OP_ADC: {
      const cin = op === OP_ADC ? getCF(cpu) : 0;
      if (size === 8) {
        const s = (aLo >>> 0) + (bLo >>> 0) + cin;
        lo = s | 0;
        hi = (aHi + bHi + (s > 0xffffffff ? 1 : 0)) | 0;
      } else {
        lo = (aLo + bLo + cin) | 0;
      }
      cpu.lfCin = cin;
      setLazy(cpu, op === OP_ADC ? LF_ADC : LF_ADD, size, aLo, aHi, bLo, bHi, lo, hi);
      break;
    }
    case OP_SUB: case OP_CMP: case OP_SBB: {
      const bin = op === OP_SBB ? getCF(cpu) : 0;
      if (size === 8) {
        const d = (aLo >>> 0) - (bLo >>> 0) - bin;
        lo = d | 0;
        hi = (aHi - bHi - (d < 0 ? 1 : 0)) | 0;
      } else {
        lo = (aLo - bLo - bin) | 0;
      }
      cpu.lfCin = bin;
      setLazy(cpu, op === OP_SBB ? LF_SBB : LF_SUB, size, aLo, aHi, bLo, bHi, lo, hi);
      break;
    }
    case OP_AND: lo = aLo & bLo; hi = aHi & bHi; setLazy(cpu, LF_LOGIC, size, 0, 0, 0, 0, lo, hi); break;
    case OP_OR: lo = aLo | bLo; hi = aHi | bHi; setLazy(cpu, LF_LOGIC, size, 0, 0, 0, 0, lo, hi); break;
    default: lo = aLo ^ bLo; hi = aHi ^ bHi; setLazy(cpu, LF_LOGIC, size, 0, 0, 0, 0, lo, hi); break;
  }
  if (size < 8) hi = 0;
  rHi = hi;
  return lo;
}

/** op r/m, reg (00, 01, 08, ...). */
function aluRmReg(op: number) {
  return (cpu: Cpu, i: Insn): void => {
    const size = i.osize;
    const b = readReg(cpu, i, i.reg, size);
    const bHi = cpu.opHi;
    const a = readRM(cpu, i, size);
    const aHi = size === 8 ? cpu.opHi : 0;
    if (i.isMem) saveFlags(cpu);
    const r = aluOp(cpu, op, size, a, aHi, b, size === 8 ? bHi : 0);
    if (op !== OP_CMP) writeBackRmw(cpu, i, size, r, rHi);
  };
}

/** op reg, r/m (02, 03, 0A, ...). */
function aluRegRm(op: number) {
  return (cpu: Cpu, i: Insn): void => {
    const size = i.osize;
    const b = readRM(cpu, i, size);
    const bHi = size === 8 ? cpu.opHi : 0;
    const a = readReg(cpu, i, i.reg, size);
    const aHi = size === 8 ? cpu.opHi : 0;
    const r = aluOp(cpu, op, size, a, aHi, b, bHi);
    if (op !== OP_CMP) writeReg(cpu, i, i.reg, size, r, rHi);
  };
}

/** op AL/eAX, imm (04, 05, 0C, ...). */
function aluAccImm(op: number) {
  return (cpu: Cpu, i: Insn): void => {
    const size = i.osize;
    const a = readReg(cpu, i, 0, size);
    const aHi = size === 8 ? cpu.opHi : 0;
    const r = aluOp(cpu, op, size, a, aHi, i.imm, i.immHi);
    if (op !== OP_CMP) writeReg(cpu, i, 0, size, r, rHi);
  };
}

/** op r/m, imm (80, 81, 83 /op). */
function aluRmImm(op: number) {
  return (cpu: Cpu, i: Insn): void => {
    const size = i.osize;
    const a = readRM(cpu, i, size);
    const aHi = size === 8 ? cpu.opHi : 0;
    if (i.isMem) saveFlags(cpu);
    const r = aluOp(cpu, op, size, a, aHi, i.imm, i.immHi);
    if (op !== OP_CMP) writeBackRmw(cpu, i, size, r, rHi);
  };
}

for (let op = 0; op < 8; op++) {
  const base = op << 3;
  defineOp(base + 0, { modrm: true, size: SZ_BYTE, handler: aluRmReg(op) });
  defineOp(base + 1, { modrm: true, size: SZ_V, handler: aluRmReg(op) });
  defineOp(base + 2, { modrm: true, size: SZ_BYTE, handler: aluRegRm(op) });
  defineOp(base + 3, { modrm: true, size: SZ_V, handler: aluRegRm(op) });
  defineOp(base + 4, { size: SZ_BYTE, imm: IMM_8, handler: aluAccImm(op) });
  defineOp(base + 5, { size: SZ_V, imm: IMM_Z, handler: aluAccImm(op) });
}
const immGroup = [0, 1, 2, 3, 4, 5, 6, 7].map(aluRmImm);
defineGroup(0x80, SZ_BYTE, immGroup, IMM_8);
defineGroup(0x81, SZ_V, immGroup, IMM_Z);
defineGroup(0x83, SZ_V, immGroup, IMM_8);

// TEST
function testRmReg(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const b = readReg(cpu, i, i.reg, size);
  const bHi = cpu.opHi;
  const a = readRM(cpu, i, size);
  aluOp(cpu, OP_AND, size, a, size === 8 ? cpu.opHi : 0, b, size === 8 ? bHi : 0);
}
function testAccImm(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const a = readReg(cpu, i, 0, size);
  aluOp(cpu, OP_AND, size, a, size === 8 ? cpu.opHi : 0, i.imm, i.immHi);
}
function testRmImm(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const a = readRM(cpu, i, size);
  aluOp(cpu, OP_AND, size, a, size === 8 ? cpu.opHi : 0, i.imm, i.immHi);
}
defineOp(0x84, { modrm: true, size: SZ_BYTE, handler: testRmReg });
defineOp(0x85, { modrm: true, size: SZ_V, handler: testRmReg });
defineOp(0xa8, { size: SZ_BYTE, imm: IMM_8, handler: testAccImm });
defineOp(0xa9, { size: SZ_V, imm: IMM_Z, handler: testAccImm });

// INC / DEC preserve CF
function incDec(dec: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const size = i.osize;
    const a = readRM(cpu, i, size);
    const aHi = size === 8 ? cpu.opHi : 0;
    const cf = getCF(cpu);
    let lo: number, hi = 0;
    if (dec) {
      lo = (a - 1) | 0;
      if (size === 8) hi = a === 0 ? (aHi - 1) | 0 : aHi;
    } else {
      lo = (a + 1) | 0;
      if (size === 8) hi = lo === 0 ? (aHi + 1) | 0 : aHi;
    }
    if (i.isMem) saveFlags(cpu);
    cpu.lfCin = cf;
    setLazy(cpu, dec ? LF_DEC : LF_INC, size, a, aHi, 1, 0, lo, hi);
    writeBackRmw(cpu, i, size, lo, hi);
  };
}

function not(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const a = readRM(cpu, i, size);
  writeBackRM(cpu, i, size, ~a, ~cpu.opHi);
}

function neg(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const a = readRM(cpu, i, size);
  const aHi = size === 8 ? cpu.opHi : 0;
  if (i.isMem) saveFlags(cpu);
  const r = aluOp(cpu, OP_SUB, size, 0, 0, a, aHi);
  writeBackRmw(cpu, i, size, r, rHi);
}

export const testRmImmHandler = testRmImm;
export const notHandler = not;
export const negHandler = neg;
export const incHandler = incDec(false);
export const decHandler = incDec(true);
export { aluOp, OP_ADD, OP_SUB, OP_AND };
/** High half of the last aluOp result. */
export function aluResultHi(): number { return rHi; }
