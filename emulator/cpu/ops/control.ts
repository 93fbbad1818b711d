// Control transfer: Jcc (70-7F, 0F 80-8F), JMP (EB, E9, FF /4), CALL (E8, FF /2), RET (C3, C2),
// LOOP/LOOPE/LOOPNE (E0-E2), JRCXZ/JECXZ (E3). Near branches are 64-bit in long mode; a target that is
// not canonical raises #GP(0) at the branch (SDM 3.3.7.1).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, IMM_REL8, IMM_REL32, IMM_16, SZ_F64, SZ_D64 } from '../opcodes.js';
import { condition, getZF } from '../flags.js';
import { readRM } from '../operands.js';
import { push, pop } from '../stack.js';
import { CpuFault, VEC_GP } from '../faults.js';
import { RCX, RSP } from '../state.js';

/** RIP := (lo, hi), checking canonicality first. */
export function setRip(cpu: Cpu, lo: number, hi: number): void {
  if (!cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_GP, 0);
  cpu.ripLo = lo;
  cpu.ripHi = hi;
}

/** Relative branch: RIP (already at the next instruction) + sign-extended displacement. */
function branchRel(cpu: Cpu, i: Insn): void {
  const s = (cpu.ripLo >>> 0) + i.imm; // imm is a signed int32
  const carry = s > 0xffffffff ? 1 : s < 0 ? -1 : 0;
  const hi = (cpu.ripHi + carry) | 0;
  if (hi !== cpu.ripHi && !cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_GP, 0);
  cpu.ripLo = s | 0;
  cpu.ripHi = hi;
}

function jcc(cpu: Cpu, i: Insn): void {
  if (condition(cpu, i.op & 0xf)) branchRel(cpu, i);
}
for (let cc = 0; cc < 16; cc++) {
  defineOp(0x70 + cc, { imm: IMM_REL8, size: SZ_F64, handler: jcc });
  defineOp(0x180 + cc, { imm: IMM_REL32, size: SZ_F64, handler: jcc });
}
defineOp(0xeb, { imm: IMM_REL8, size: SZ_F64, handler: branchRel });
defineOp(0xe9, { imm: IMM_REL32, size: SZ_F64, handler: branchRel });

function callRel(cpu: Cpu, i: Insn): void {
  const retLo = cpu.ripLo, retHi = cpu.ripHi;
  // compute and check the target before pushing, so a bad target leaves RSP unchanged
  const s = (retLo >>> 0) + i.imm;
  const hi = (retHi + (s > 0xffffffff ? 1 : s < 0 ? -1 : 0)) | 0;
  if (!cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_GP, 0);
  push(cpu, 8, retLo, retHi);
  cpu.ripLo = s | 0;
  cpu.ripHi = hi;
}
defineOp(0xe8, { imm: IMM_REL32, size: SZ_F64, handler: callRel });

/** CALL r/m64 (FF /2). */
export function callIndirect(cpu: Cpu, i: Insn): void {
  const lo = readRM(cpu, i, 8);
  const hi = cpu.opHi;
  if (!cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_GP, 0);
  push(cpu, 8, cpu.ripLo, cpu.ripHi);
  cpu.ripLo = lo;
  cpu.ripHi = hi;
}
/** JMP r/m64 (FF /4). */
export function jmpIndirect(cpu: Cpu, i: Insn): void {
  const lo = readRM(cpu, i, 8);
  setRip(cpu, lo, cpu.opHi);
}

function ret(cpu: Cpu, i: Insn): void {
  const r = cpu.regs;
  const oldLo = r[RSP << 1], oldHi = r[(RSP << 1) | 1];
  const lo = pop(cpu, 8);
  const hi = cpu.opHi;
  if (!cpu.mmu.isCanonical(hi)) {
    r[RSP << 1] = oldLo; r[(RSP << 1) | 1] = oldHi;
    throw new CpuFault(VEC_GP, 0);
  }
  if (i.op === 0xc2) {
    const s = (r[RSP << 1] >>> 0) + i.imm;
    r[RSP << 1] = s | 0;
    if (s > 0xffffffff) r[(RSP << 1) | 1] = (r[(RSP << 1) | 1] + 1) | 0;
  }
  cpu.ripLo = lo;
  cpu.ripHi = hi;
}
defineOp(0xc3, { size: SZ_D64, handler: ret });
defineOp(0xc2, { size: SZ_D64, imm: IMM_16, handler: ret });

// LOOP family and JRCXZ: the counter is RCX, or ECX with a 67h prefix.
function decCounter(cpu: Cpu, i: Insn): boolean {
  const r = cpu.regs;
  if (i.asize === 4) {
    r[RCX << 1] = (r[RCX << 1] - 1) | 0;
    r[(RCX << 1) | 1] = 0;
    return r[RCX << 1] !== 0;
  }
  const lo = r[RCX << 1];
  r[RCX << 1] = (lo - 1) | 0;
  if (lo === 0) r[(RCX << 1) | 1] = (r[(RCX << 1) | 1] - 1) | 0;
  return r[RCX << 1] !== 0 || r[(RCX << 1) | 1] !== 0;
}
function loop(cpu: Cpu, i: Insn): void {
  const nz = decCounter(cpu, i);
  let take = nz;
  if (i.op === 0xe1) take = nz && getZF(cpu);
  else if (i.op === 0xe0) take = nz && !getZF(cpu);
  if (take) branchRel(cpu, i);
}
function jrcxz(cpu: Cpu, i: Insn): void {
  const r = cpu.regs;
  const zero = i.asize === 4 ? r[RCX << 1] === 0 : r[RCX << 1] === 0 && r[(RCX << 1) | 1] === 0;
  if (zero) branchRel(cpu, i);
}
defineOp(0xe0, { imm: IMM_REL8, size: SZ_F64, handler: loop });
defineOp(0xe1, { imm: IMM_REL8, size: SZ_F64, handler: loop });
defineOp(0xe2, { imm: IMM_REL8, size: SZ_F64, handler: loop });
defineOp(0xe3, { imm: IMM_REL8, size: SZ_F64, handler: jrcxz });
void SZ_D64;
