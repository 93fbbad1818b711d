// Data movement: MOV (88-8B, A0-A3, B0-BF, C6, C7), LEA, MOVZX/MOVSX/MOVSXD, XCHG, CBW/CWDE/CDQE,
// CWD/CDQ/CQO, CMOVcc, SETcc, BSWAP, PUSH/POP (50-5F, 68, 6A, 8F /0, FF /6), ENTER, LEAVE, NOP forms,
// XLAT, and the flag instructions SAHF LAHF CMC CLC STC CLD STD (CLI/STI/PUSHF/POPF are system-misc.ts).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import {
  defineOp, defineGroup, IMM_8, IMM_Z, IMM_V, IMM_ADDR, IMM_16_8, SZ_BYTE, SZ_V, SZ_D64,
} from '../opcodes.js';
import { readReg, writeReg, readRM, writeRM, computeOffset, addSegmentBase, readMem, writeMem } from '../operands.js';
import { condition, getFlags, getCF, updateFlags } from '../flags.js';
import { push, pop } from '../stack.js';
import { CpuFault, VEC_SS, VEC_UD } from '../faults.js';
import { RSP, RBP, RBX, CF, PF, AF, ZF, SF, DF } from '../state.js';

// MOV r/m, reg and reg, r/m
function movRmReg(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const v = readReg(cpu, i, i.reg, size);
  writeRM(cpu, i, size, v, cpu.opHi);
}
function movRegRm(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const v = readRM(cpu, i, size);
  writeReg(cpu, i, i.reg, size, v, cpu.opHi);
}
defineOp(0x88, { modrm: true, size: SZ_BYTE, handler: movRmReg });
defineOp(0x89, { modrm: true, size: SZ_V, handler: movRmReg });
defineOp(0x8a, { modrm: true, size: SZ_BYTE, handler: movRegRm });
defineOp(0x8b, { modrm: true, size: SZ_V, handler: movRegRm });

// MOV r, imm (B0-B7 imm8, B8-BF imm16/32/64)
function movRegImm(cpu: Cpu, i: Insn): void {
  writeReg(cpu, i, i.rm, i.osize, i.imm, i.immHi);
}
for (let r = 0; r < 8; r++) {
  defineOp(0xb0 + r, { size: SZ_BYTE, imm: IMM_V, handler: movRegImm });
  defineOp(0xb8 + r, { size: SZ_V, imm: IMM_V, handler: movRegImm });
}
// MOV r/m, imm (C6 /0 ib, C7 /0 iz: sign-extended imm32 for 64-bit)
function movRmImm(cpu: Cpu, i: Insn): void {
  writeRM(cpu, i, i.osize, i.imm, i.immHi);
}
defineGroup(0xc6, SZ_BYTE, [movRmImm, null, null, null, null, null, null, null], IMM_8);
defineGroup(0xc7, SZ_V, [movRmImm, null, null, null, null, null, null, null], IMM_Z);

// MOV AL/eAX, moffs and back (A0-A3): absolute address, segment override applies
function moffsAddress(cpu: Cpu, i: Insn): void {
  cpu.eaLo = addSegmentBase(cpu, i.seg, i.imm, i.asize === 8 ? i.immHi : 0);
}
function movAccMoffs(cpu: Cpu, i: Insn): void {
  moffsAddress(cpu, i);
  const v = readMem(cpu, cpu.eaLo, cpu.eaHi, i.osize);
  writeReg(cpu, i, 0, i.osize, v, cpu.opHi);
}
function movMoffsAcc(cpu: Cpu, i: Insn): void {
  moffsAddress(cpu, i);
  const v = readReg(cpu, i, 0, i.osize);
  writeMem(cpu, cpu.eaLo, cpu.eaHi, i.osize, v, cpu.opHi);
}
defineOp(0xa0, { size: SZ_BYTE, imm: IMM_ADDR, handler: movAccMoffs });
defineOp(0xa1, { size: SZ_V, imm: IMM_ADDR, handler: movAccMoffs });
defineOp(0xa2, { size: SZ_BYTE, imm: IMM_ADDR, handler: movMoffsAcc });
defineOp(0xa3, { size: SZ_V, imm: IMM_ADDR, handler: movMoffsAcc });

// LEA: the effective address without segment base and without any canonical check (no access)
function lea(cpu: Cpu, i: Insn): void {
  if (!i.isMem) throw new CpuFault(VEC_UD);
  computeOffset(cpu, i);
  writeReg(cpu, i, i.reg, i.osize, cpu.eaLo, cpu.eaHi);
}
defineOp(0x8d, { modrm: true, size: SZ_V, handler: lea });

// MOVZX / MOVSX (0F B6, B7, BE, BF) and MOVSXD (63)
function movzx(srcSize: number) {
  return (cpu: Cpu, i: Insn): void => {
    const v = readRM(cpu, i, srcSize);
    writeReg(cpu, i, i.reg, i.osize, srcSize === 1 ? v & 0xff : v & 0xffff, 0);
  };
}
function movsx(srcSize: number) {
  return (cpu: Cpu, i: Insn): void => {
    const v = readRM(cpu, i, srcSize);
    const x = srcSize === 1 ? (v << 24) >> 24 : srcSize === 2 ? (v << 16) >> 16 : v;
    writeReg(cpu, i, i.reg, i.osize, x, x >> 31);
  };
}
defineOp(0x1b6, { modrm: true, size: SZ_V, handler: movzx(1) });
defineOp(0x1b7, { modrm: true, size: SZ_V, handler: movzx(2) });
defineOp(0x1be, { modrm: true, size: SZ_V, handler: movsx(1) });
defineOp(0x1bf, { modrm: true, size: SZ_V, handler: movsx(2) });
defineOp(0x63, { modrm: true, size: SZ_V, handler: movsx(4) });

// XCHG (86, 87 with r/m — always locked on memory; 90+r with eAX). 90 without REX.B is NOP;
// F3 90 is PAUSE (system.ts gives it its scheduling meaning).
function xchgRmReg(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const a = readReg(cpu, i, i.reg, size);
  const aHi = cpu.opHi;
  const b = readRM(cpu, i, size);
  const bHi = cpu.opHi;
  if (i.isMem) writeMem(cpu, cpu.eaLo, cpu.eaHi, size, a, aHi);
  else writeReg(cpu, i, i.rm, size, a, aHi);
  writeReg(cpu, i, i.reg, size, b, bHi);
}
defineOp(0x86, { modrm: true, size: SZ_BYTE, handler: xchgRmReg });
defineOp(0x87, { modrm: true, size: SZ_V, handler: xchgRmReg });
function xchgAcc(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const r = i.rm;
  if (r === 0) { if (size === 4) writeReg(cpu, i, 0, 4, readReg(cpu, i, 0, 4), 0); return; }
  const a = readReg(cpu, i, 0, size);
  const aHi = cpu.opHi;
  const b = readReg(cpu, i, r, size);
  const bHi = cpu.opHi;
  writeReg(cpu, i, 0, size, b, bHi);
  writeReg(cpu, i, r, size, a, aHi);
}
function nop90(cpu: Cpu, i: Insn): void {
  if (i.rep === 1) { cpu.yieldRequested = true; cpu.pauses++; return; } // PAUSE: a spin-wait hint
  if ((i.rex & 1) !== 0) xchgAcc(cpu, i); // REX.B 90 = XCHG r8, rAX
}
defineOp(0x90, { size: SZ_V, handler: nop90 });
for (let r = 1; r < 8; r++) defineOp(0x90 + r, { size: SZ_V, handler: xchgAcc });

// CBW/CWDE/CDQE and CWD/CDQ/CQO
function cbw(cpu: Cpu, i: Insn): void {
  const r = cpu.regs;
  switch (i.osize) {
    case 2: r[0] = (r[0] & ~0xffff) | (((r[0] << 24) >> 24) & 0xffff); break;
    case 4: r[0] = (r[0] << 16) >> 16; r[1] = 0; break;
    default: r[1] = r[0] >> 31; break;
  }
}
function cwd(cpu: Cpu, i: Insn): void {
  const r = cpu.regs;
  switch (i.osize) {
    case 2: r[4] = (r[4] & ~0xffff) | (((r[0] << 16) >> 31) & 0xffff); break;
    case 4: r[4] = r[0] >> 31; r[5] = 0; break;
    default: r[4] = r[1] >> 31; r[5] = r[1] >> 31; break;
  }
}
defineOp(0x98, { size: SZ_V, handler: cbw });
defineOp(0x99, { size: SZ_V, handler: cwd });

// CMOVcc (0F 40-4F): the source is read (and may fault) even when the condition is false; a 32-bit
// destination is zero-extended either way (SDM CMOVcc).
function cmov(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const v = readRM(cpu, i, size);
  const vHi = cpu.opHi;
  if (condition(cpu, i.op & 0xf)) writeReg(cpu, i, i.reg, size, v, vHi);
  else if (size === 4) cpu.regs[(i.reg << 1) | 1] = 0;
}
// SETcc (0F 90-9F)
function setcc(cpu: Cpu, i: Insn): void {
  writeRM(cpu, i, 1, condition(cpu, i.op & 0xf) ? 1 : 0, 0);
}
for (let cc = 0; cc < 16; cc++) {
  defineOp(0x140 + cc, { modrm: true, size: SZ_V, handler: cmov });
  defineOp(0x190 + cc, { modrm: true, size: SZ_BYTE, handler: setcc });
}

// BSWAP (0F C8+r). With a 16-bit operand the result is undefined; we clear the low word, as Intel
// hardware does.
function swap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}
function bswap(cpu: Cpu, i: Insn): void {
  const r = cpu.regs, k = i.rm << 1;
  if (i.osize === 8) { const lo = r[k]; r[k] = swap32(r[k + 1]); r[k + 1] = swap32(lo); }
  else if (i.osize === 4) { r[k] = swap32(r[k]); r[k + 1] = 0; }
  else r[k] &= ~0xffff;
}
for (let r = 0; r < 8; r++) defineOp(0x1c8 + r, { size: SZ_V, handler: bswap });

// PUSH / POP
function pushReg(cpu: Cpu, i: Insn): void {
  const v = readReg(cpu, i, i.rm, i.osize);
  push(cpu, i.osize, v, cpu.opHi);
}
function popReg(cpu: Cpu, i: Insn): void {
  const v = pop(cpu, i.osize);
  writeReg(cpu, i, i.rm, i.osize, v, cpu.opHi);
}
for (let r = 0; r < 8; r++) {
  defineOp(0x50 + r, { size: SZ_D64, handler: pushReg });
  defineOp(0x58 + r, { size: SZ_D64, handler: popReg });
}
function pushImm(cpu: Cpu, i: Insn): void {
  push(cpu, i.osize, i.imm, i.immHi);
}
defineOp(0x68, { size: SZ_D64, imm: IMM_Z, handler: pushImm });
defineOp(0x6a, { size: SZ_D64, imm: IMM_8, handler: pushImm });
export function pushRm(cpu: Cpu, i: Insn): void {
  const v = readRM(cpu, i, i.osize);
  push(cpu, i.osize, v, cpu.opHi);
}
// POP r/m: RSP is incremented before the destination address is computed (SDM POP)
function popRm(cpu: Cpu, i: Insn): void {
  const oldLo = cpu.regs[RSP << 1], oldHi = cpu.regs[(RSP << 1) | 1];
  const v = pop(cpu, i.osize);
  const vHi = cpu.opHi;
  try {
    writeRM(cpu, i, i.osize, v, vHi);
  } catch (e) {
    cpu.regs[RSP << 1] = oldLo; cpu.regs[(RSP << 1) | 1] = oldHi;
    throw e;
  }
}
defineGroup(0x8f, SZ_D64, [popRm, null, null, null, null, null, null, null]);

// LEAVE: RSP = RBP; RBP = pop
function leave(cpu: Cpu, i: Insn): void {
  const r = cpu.regs;
  const oldLo = r[RSP << 1], oldHi = r[(RSP << 1) | 1];
  r[RSP << 1] = r[RBP << 1]; r[(RSP << 1) | 1] = r[(RBP << 1) | 1];
  try {
    const v = pop(cpu, i.osize);
    writeReg(cpu, i, RBP, i.osize, v, cpu.opHi);
  } catch (e) {
    r[RSP << 1] = oldLo; r[(RSP << 1) | 1] = oldHi;
    throw e;
  }
}
defineOp(0xc9, { size: SZ_D64, handler: leave });

// Multi-byte NOP (0F 1F /0) and the hint space 0F 18-1E /r (PREFETCH*, reserved-NOP)
function nopRm(): void {}
for (let op = 0x118; op <= 0x11f; op++) defineOp(op, { modrm: true, size: SZ_V, handler: nopRm });
// 0F 0D /r: PREFETCH/PREFETCHW, a hint that never faults (Intel processors execute it as a NOP)
defineOp(0x10d, { modrm: true, size: SZ_V, handler: nopRm });

// ENTER imm16, imm8 (C8): 64-bit operand size by default, 16 with 66h; the nesting level is taken mod 32
// and copies level-1 frame pointers from the old frame (SDM ENTER, 64-bit mode). A fault leaves RSP and
// RBP as they were.
function enter(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const alloc = i.imm & 0xffff, level = i.imm2 & 31;
  const r = cpu.regs;
  const spLo = r[RSP << 1], spHi = r[(RSP << 1) | 1], bpLo = r[RBP << 1], bpHi = r[(RBP << 1) | 1];
  try {
    push(cpu, size, bpLo, bpHi);
    const ftLo = r[RSP << 1], ftHi = r[(RSP << 1) | 1];
    if (level > 0) {
      let pLo = bpLo, pHi = bpHi;
      for (let k = 1; k < level; k++) {
        const s = (pLo >>> 0) - size;
        pLo = s | 0;
        if (s < 0) pHi = (pHi - 1) | 0;
        if (!cpu.mmu.isCanonical(pHi)) throw new CpuFault(VEC_SS, 0);
        const v = readMem(cpu, pLo, pHi, size);
        push(cpu, size, v, size === 8 ? cpu.opHi : 0);
      }
      push(cpu, size, ftLo, ftHi);
    }
    if (size === 8) { r[RBP << 1] = ftLo; r[(RBP << 1) | 1] = ftHi; }
    else r[RBP << 1] = (r[RBP << 1] & ~0xffff) | (ftLo & 0xffff);
    const s = (r[RSP << 1] >>> 0) - alloc;
    r[RSP << 1] = s | 0;
    if (s < 0) r[(RSP << 1) | 1] = (r[(RSP << 1) | 1] - 1) | 0;
  } catch (e) {
    r[RSP << 1] = spLo; r[(RSP << 1) | 1] = spHi; r[RBP << 1] = bpLo; r[(RBP << 1) | 1] = bpHi;
    throw e;
  }
}
defineOp(0xc8, { size: SZ_D64, imm: IMM_16_8, handler: enter });

// XLAT (D7): AL = [seg:rBX + zero-extended AL]; 67h uses EBX and wraps at 4 GiB.
function xlat(cpu: Cpu, i: Insn): void {
  const r = cpu.regs;
  const al = r[0] & 0xff;
  let lo: number, hi: number;
  if (i.asize === 8) {
    const s = (r[RBX << 1] >>> 0) + al;
    lo = s | 0;
    hi = s > 0xffffffff ? (r[(RBX << 1) | 1] + 1) | 0 : r[(RBX << 1) | 1];
  } else {
    lo = (r[RBX << 1] + al) | 0;
    hi = 0;
  }
  lo = addSegmentBase(cpu, i.seg, lo, hi);
  const v = cpu.mmu.read8(lo, cpu.eaHi);
  r[0] = (r[0] & ~0xff) | v;
}
defineOp(0xd7, { size: SZ_BYTE, handler: xlat });

// Flag instructions. SAHF/LAHF move SF ZF AF PF CF to and from AH (valid in 64-bit mode: CPUID
// 80000001h ECX.LAHF-SAHF is set); bit 1 of the image reads as 1, bits 3 and 5 as 0.
const SAHF_MASK = SF | ZF | AF | PF | CF;
function sahf(cpu: Cpu): void {
  updateFlags(cpu, SAHF_MASK, cpu.regs[0] >>> 8);
}
function lahf(cpu: Cpu): void {
  const f = (getFlags(cpu) & SAHF_MASK) | 2;
  cpu.regs[0] = (cpu.regs[0] & ~0xff00) | (f << 8);
}
defineOp(0x9e, { handler: sahf });
defineOp(0x9f, { handler: lahf });
function cmc(cpu: Cpu): void { updateFlags(cpu, CF, getCF(cpu) ^ CF); }
function clc(cpu: Cpu): void { updateFlags(cpu, CF, 0); }
function stc(cpu: Cpu): void { updateFlags(cpu, CF, CF); }
// DF is never lazy: it lives in cpu.flags
function cld(cpu: Cpu): void { cpu.flags &= ~DF; }
function std(cpu: Cpu): void { cpu.flags |= DF; }
defineOp(0xf5, { handler: cmc });
defineOp(0xf8, { handler: clc });
defineOp(0xf9, { handler: stc });
defineOp(0xfc, { handler: cld });
defineOp(0xfd, { handler: std });
