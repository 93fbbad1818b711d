// XADD (0F C0/C1), CMPXCHG (0F B0/B1), CMPXCHG8B/CMPXCHG16B (0F C7 /1). A CPU's slice ends only at an
// instruction boundary, so every instruction is atomic with respect to the other CPUs; LOCK validity is
// decided by the decoder. SDM vol. 2: "XADD", "CMPXCHG", "CMPXCHG8B/CMPXCHG16B".
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineGroup, defineOp, SZ_BYTE, SZ_V } from '../opcodes.js';
import { computeEA, readMem, readReg, writeMem, writeReg } from '../operands.js';
import { setLazy, updateFlags } from '../flags.js';
import { CpuFault, VEC_GP, VEC_UD } from '../faults.js';
import { LF_ADD, LF_SUB, ZF, RAX, RCX, RDX, RBX } from '../state.js';

/** XADD r/m, r: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (flags as ADD). */
function xadd(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const s = readReg(cpu, i, i.reg, size);
  const sHi = size === 8 ? cpu.opHi : 0;
  let d: number, dHi: number;
  if (i.isMem) { computeEA(cpu, i); d = readMem(cpu, cpu.eaLo, cpu.eaHi, size); }
  else d = readReg(cpu, i, i.rm, size);
  dHi = size === 8 ? cpu.opHi : 0;
  let lo: number, hi = 0;
  if (size === 8) {
    const t = (d >>> 0) + (s >>> 0);
    lo = t | 0;
    hi = (dHi + sHi + (t > 0xffffffff ? 1 : 0)) | 0;
  } else lo = (d + s) | 0;
  // the memory write comes first so that a fault leaves the register untouched
  if (i.isMem) {
    writeMem(cpu, cpu.eaLo, cpu.eaHi, size, lo, hi);
    writeReg(cpu, i, i.reg, size, d, dHi);
  } else {
    writeReg(cpu, i, i.reg, size, d, dHi);
    writeReg(cpu, i, i.rm, size, lo, hi); // with reg == rm the sum wins
  }
  cpu.lfCin = 0;
  setLazy(cpu, LF_ADD, size, d, dHi, s, sHi, lo, hi);
}
defineOp(0x1c0, { modrm: true, size: SZ_BYTE, handler: xadd });
defineOp(0x1c1, { modrm: true, size: SZ_V, handler: xadd });

/**
 * CMPXCHG r/m, r: compare the accumulator with DEST (flags as CMP acc, DEST). Equal: DEST = SRC.
 * Different: acc = DEST, and DEST is written back with its own value (SDM: "the destination operand
 * receives a write cycle without regard to the result of the comparison"), so a read-only page faults
 * either way and a 32-bit register DEST is zero-extended either way.
 */
function cmpxchg(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const a = readReg(cpu, i, RAX, size);
  const aHi = size === 8 ? cpu.opHi : 0;
  const s = readReg(cpu, i, i.reg, size);
  const sHi = size === 8 ? cpu.opHi : 0;
  let d: number;
  if (i.isMem) { computeEA(cpu, i); d = readMem(cpu, cpu.eaLo, cpu.eaHi, size); }
  else d = readReg(cpu, i, i.rm, size);
  const dHi = size === 8 ? cpu.opHi : 0;
  const m = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  const equal = ((a ^ d) & m) === 0 && aHi === dHi;
  if (i.isMem) writeMem(cpu, cpu.eaLo, cpu.eaHi, size, equal ? s : d, equal ? sHi : dHi);
  else writeReg(cpu, i, i.rm, size, equal ? s : d, equal ? sHi : dHi);
  if (!equal) writeReg(cpu, i, RAX, size, d, dHi);
  // flags of CMP acc, DEST
  let lo: number, hi = 0;
  if (size === 8) {
    const t = (a >>> 0) - (d >>> 0);
    lo = t | 0;
    hi = (aHi - dHi - (t < 0 ? 1 : 0)) | 0;
  } else lo = (a - d) | 0;
  cpu.lfCin = 0;
  setLazy(cpu, LF_SUB, size, a, aHi, d, dHi, lo, hi);
}
defineOp(0x1b0, { modrm: true, size: SZ_BYTE, handler: cmpxchg });
defineOp(0x1b1, { modrm: true, size: SZ_V, handler: cmpxchg });

/**
 * CMPXCHG8B m64 (EDX:EAX vs m64, ECX:EBX stored) and, with REX.W, CMPXCHG16B m128 (RDX:RAX vs m128,
 * RCX:RBX stored; #GP(0) unless 16-byte aligned). Only ZF changes. The memory is written either way.
 */
function cmpxchg8b16b(cpu: Cpu, i: Insn): void {
  if (!i.isMem) throw new CpuFault(VEC_UD);
  const r = cpu.regs;
  computeEA(cpu, i);
  const lo = cpu.eaLo, hi = cpu.eaHi;
  if (i.osize !== 8) {
    const mLo = readMem(cpu, lo, hi, 8), mHi = cpu.opHi;
    const equal = mLo === r[RAX << 1] && mHi === r[RDX << 1];
    if (equal) writeMem(cpu, lo, hi, 8, r[RBX << 1], r[RCX << 1]);
    else {
      writeMem(cpu, lo, hi, 8, mLo, mHi);
      r[RAX << 1] = mLo; r[(RAX << 1) | 1] = 0;
      r[RDX << 1] = mHi; r[(RDX << 1) | 1] = 0;
    }
    updateFlags(cpu, ZF, equal ? ZF : 0);
    return;
  }
  if ((lo & 15) !== 0) throw new CpuFault(VEC_GP, 0);
  // aligned: both quadwords are in the same page, so the second access cannot fault after the first
  const aLo = readMem(cpu, lo, hi, 8), aHi = cpu.opHi;
  const bLo = readMem(cpu, lo + 8, hi, 8), bHi = cpu.opHi;
  const equal = aLo === r[RAX << 1] && aHi === r[(RAX << 1) | 1] && bLo === r[RDX << 1] && bHi === r[(RDX << 1) | 1];
  if (equal) {
    writeMem(cpu, lo, hi, 8, r[RBX << 1], r[(RBX << 1) | 1]);
    writeMem(cpu, lo + 8, hi, 8, r[RCX << 1], r[(RCX << 1) | 1]);
  } else {
    writeMem(cpu, lo, hi, 8, aLo, aHi);
    writeMem(cpu, lo + 8, hi, 8, bLo, bHi);
    r[RAX << 1] = aLo; r[(RAX << 1) | 1] = aHi;
    r[RDX << 1] = bLo; r[(RDX << 1) | 1] = bHi;
  }
  updateFlags(cpu, ZF, equal ? ZF : 0);
}
defineGroup(0x1c7, SZ_V, [null, cmpxchg8b16b, null, null, null, null, null, null]);
