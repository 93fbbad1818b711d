// Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR (C0/C1 ib, D0/D1 by 1, D2/D3 by CL; /6 is an
// alias of SHL on real processors) and the double shifts SHLD/SHRD (0F A4/A5/AC/AD).
// SDM vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD": the count is masked to 5 bits (6 with
// a 64-bit operand); a masked count of 0 changes neither the operand nor the flags. SHL/SHR/SAR keep
// their flags lazy (flags.ts LF_SHL/LF_SHR/LF_SAR); rotates change only CF and OF.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineGroup, defineOp, IMM_8U, SZ_BYTE, SZ_V } from '../opcodes.js';
import { readRM, writeBackRM } from '../operands.js';
import { getCF, setLazy, updateFlags, setArithFlags, resultFlags, LF_SHL, LF_SHR, LF_SAR } from '../flags.js';
import { u64, shl64, shr64, sar64, bit64 } from '../u64.js';
import { CF, OF, RCX } from '../state.js';

/** A 32-bit operation with a masked count of 0 still writes its register: the upper half is cleared. */
/**
 * A count that leaves the operand unchanged: flags stay, a 32-bit register is still zero-extended, and
 * a memory destination is still written back (it is a read-modify-write operand whatever the count:
 * a read-only page faults with W/R=1, as QEMU and Bochs do).
 */
function zeroCount(cpu: Cpu, i: Insn, size: number, lo: number, hi: number): void {
  if (i.isMem) writeBackRM(cpu, i, size, lo, hi);
  else if (size === 4) cpu.regs[(i.rm << 1) | 1] = 0;
}

/** The sign bit of an operand of `size` as 0/1. */
function msb(size: number, lo: number, hi: number): number {
  return size === 8 ? hi >>> 31 : (lo >>> ((size << 3) - 1)) & 1;
}

/** The unmasked count of the shift group: imm8 (C0/C1), 1 (D0/D1) or CL (D2/D3). */
function rawCount(cpu: Cpu, i: Insn): number {
  const op = i.op;
  if (op <= 0xc1) return i.imm;
  if (op <= 0xd1) return 1;
  return cpu.regs[RCX << 1] & 0xff;
}

function rol(cpu: Cpu, i: Insn): void { rotate(cpu, i, 0); }
function ror(cpu: Cpu, i: Insn): void { rotate(cpu, i, 1); }
function rcl(cpu: Cpu, i: Insn): void { rotateCarry(cpu, i, 0); }
function rcr(cpu: Cpu, i: Insn): void { rotateCarry(cpu, i, 1); }

function rotate(cpu: Cpu, i: Insn, right: number): void {
  const size = i.osize;
  const count = rawCount(cpu, i) & (size === 8 ? 63 : 31);
  const a = readRM(cpu, i, size);
  const aHi = size === 8 ? cpu.opHi : 0;
  if (count === 0) { zeroCount(cpu, i, size, a, aHi); return; }
  let lo: number, hi = 0;
  if (size === 8) {
    // count is 1..63
    if (right === 0) {
      const l1 = shl64(a, aHi, count), h1 = u64.hi;
      const l2 = shr64(a, aHi, 64 - count);
      lo = l1 | l2; hi = h1 | u64.hi;
    } else {
      const l1 = shr64(a, aHi, count), h1 = u64.hi;
      const l2 = shl64(a, aHi, 64 - count);
      lo = l1 | l2; hi = h1 | u64.hi;
    }
  } else {
    const bits = size << 3;
    const mask = size === 4 ? -1 : (1 << bits) - 1;
    const c = count & (bits - 1); // 8/16-bit rotates by count mod size (the masked count may exceed it)
    const v = a & mask;
    if (c === 0) lo = v;
    else if (right === 0) lo = ((v << c) | (v >>> (bits - c))) & mask;
    else lo = ((v >>> c) | (v << (bits - c))) & mask;
  }
  // CF: the bit rotated last into the other end. OF (defined for count 1): ROL MSB(r) XOR CF,
  // ROR the XOR of the two top bits of the result.
  let cf: number, of: number;
  if (right === 0) {
    cf = lo & 1;
    of = msb(size, lo, hi) ^ cf;
  } else {
    cf = msb(size, lo, hi);
    of = cf ^ (size === 8 ? (hi >>> 30) & 1 : (lo >>> ((size << 3) - 2)) & 1);
  }
  writeBackRM(cpu, i, size, lo, hi);
  updateFlags(cpu, CF | OF, cf | (of !== 0 ? OF : 0));
}

/** RCL/RCR: rotation through CF over size+1 bits (count mod 9 / 17 for 8 / 16 bits). */
function rotateCarry(cpu: Cpu, i: Insn, right: number): void {
  const size = i.osize;
  const count = rawCount(cpu, i) & (size === 8 ? 63 : 31);
  let lo = readRM(cpu, i, size);
  let hi = size === 8 ? cpu.opHi : 0;
  if (count === 0) { zeroCount(cpu, i, size, lo, hi); return; }
  const c = size === 1 ? count % 9 : size === 2 ? count % 17 : count;
  let cf = getCF(cpu);
  const top = (size << 3) - 1;
  if (size < 8) lo &= size === 4 ? -1 : (1 << (top + 1)) - 1;
  // one bit at a time: at most 63 steps, and RCL/RCR are rare in compiled code
  for (let k = 0; k < c; k++) {
    if (right === 0) {
      const out = msb(size, lo, hi);
      if (size === 8) { hi = (hi << 1) | (lo >>> 31); lo = (lo << 1) | cf; }
      else lo = ((lo << 1) | cf) & (size === 4 ? -1 : (1 << (top + 1)) - 1);
      cf = out;
    } else {
      const out = lo & 1;
      if (size === 8) { lo = (lo >>> 1) | (hi << 31); hi = (hi >>> 1) | (cf << 31); }
      else lo = (lo >>> 1) | (cf << top);
      cf = out;
    }
  }
  // OF (defined for count 1): RCL MSB(r) XOR CF; RCR the XOR of the two top bits of the result
  // (= old MSB XOR old CF for a count of 1, as the SDM states it)
  const of = right === 0 ? msb(size, lo, hi) ^ cf
    : msb(size, lo, hi) ^ (size === 8 ? (hi >>> 30) & 1 : (lo >>> (top - 1)) & 1);
  writeBackRM(cpu, i, size, lo, hi);
  updateFlags(cpu, CF | OF, cf | (of !== 0 ? OF : 0));
}

function shl(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const count = rawCount(cpu, i) & (size === 8 ? 63 : 31);
  const a = readRM(cpu, i, size);
  const aHi = size === 8 ? cpu.opHi : 0;
  if (count === 0) { zeroCount(cpu, i, size, a, aHi); return; }
  let lo: number, hi = 0;
  if (size === 8) { lo = shl64(a, aHi, count); hi = u64.hi; }
  else lo = a << count; // count <= 31; bits above the operand size are ignored
  writeBackRM(cpu, i, size, lo, hi);
  setLazy(cpu, LF_SHL, size, a, aHi, count, 0, lo, hi);
}

function shr(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const count = rawCount(cpu, i) & (size === 8 ? 63 : 31);
  const a = readRM(cpu, i, size); // sizes < 4 come back zero-extended
  const aHi = size === 8 ? cpu.opHi : 0;
  if (count === 0) { zeroCount(cpu, i, size, a, aHi); return; }
  let lo: number, hi = 0;
  if (size === 8) { lo = shr64(a, aHi, count); hi = u64.hi; }
  else lo = a >>> count;
  writeBackRM(cpu, i, size, lo, hi);
  setLazy(cpu, LF_SHR, size, a, aHi, count, 0, lo, hi);
}

function sar(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const count = rawCount(cpu, i) & (size === 8 ? 63 : 31);
  const a = readRM(cpu, i, size);
  const aHi = size === 8 ? cpu.opHi : 0;
  if (count === 0) { zeroCount(cpu, i, size, a, aHi); return; }
  let lo: number, hi = 0;
  if (size === 8) { lo = sar64(a, aHi, count); hi = u64.hi; }
  else {
    const sv = size === 1 ? (a << 24) >> 24 : size === 2 ? (a << 16) >> 16 : a;
    lo = sv >> count;
  }
  writeBackRM(cpu, i, size, lo, hi);
  setLazy(cpu, LF_SAR, size, a, aHi, count, 0, lo, hi);
}

const members = [rol, ror, rcl, rcr, shl, shr, shl, sar];
defineGroup(0xc0, SZ_BYTE, members, IMM_8U);
defineGroup(0xc1, SZ_V, members, IMM_8U);
defineGroup(0xd0, SZ_BYTE, members);
defineGroup(0xd1, SZ_V, members);
defineGroup(0xd2, SZ_BYTE, members);
defineGroup(0xd3, SZ_V, members);

// SHLD r/m, r, imm8|CL (0F A4/A5) and SHRD (0F AC/AD): the destination is shifted and the vacated bits
// are filled from the source register. For a 16-bit operand with a count above 16 (result undefined in
// the SDM) we shift the 48-bit string dest:src:dest, as Intel processors do.
function shiftDouble(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  const right = i.op >= 0x1ac;
  const raw = (i.op & 1) === 0 ? i.imm : cpu.regs[RCX << 1] & 0xff;
  const count = raw & (size === 8 ? 63 : 31);
  const src = cpu.regs[i.reg << 1], srcHi = cpu.regs[(i.reg << 1) | 1];
  const d = readRM(cpu, i, size);
  const dHi = size === 8 ? cpu.opHi : 0;
  if (count === 0) { zeroCount(cpu, i, size, d, dHi); return; }
  let lo: number, hi = 0, cf: number;
  if (size === 8) {
    if (!right) {
      const l1 = shl64(d, dHi, count), h1 = u64.hi;
      const l2 = shr64(src, srcHi, 64 - count);
      lo = l1 | l2; hi = h1 | u64.hi;
      cf = bit64(d, dHi, 64 - count);
    } else {
      const l1 = shr64(d, dHi, count), h1 = u64.hi;
      const l2 = shl64(src, srcHi, 64 - count);
      lo = l1 | l2; hi = h1 | u64.hi;
      cf = bit64(d, dHi, count - 1);
    }
  } else if (size === 4) {
    if (!right) { lo = (d << count) | (src >>> (32 - count)); cf = (d >>> (32 - count)) & 1; }
    else { lo = (d >>> count) | (src << (32 - count)); cf = (d >>> (count - 1)) & 1; }
  } else {
    // the 48-bit string dest:src:dest (dest in bits 47-32 and 15-0) as an exact double; SHLD takes
    // its top 16 bits after shifting left, SHRD its low 16 bits after shifting right
    const dw = d & 0xffff, sw = src & 0xffff;
    const x = dw * 4294967296 + sw * 65536 + dw;
    if (!right) {
      lo = Math.floor(x / 2 ** (32 - count)) & 0xffff;
      cf = Math.floor(x / 2 ** (48 - count)) & 1;
    } else {
      lo = Math.floor(x / 2 ** count) & 0xffff;
      cf = Math.floor(x / 2 ** (count - 1)) & 1;
    }
  }
  writeBackRM(cpu, i, size, lo, hi);
  // OF (defined for count 1): set when the sign changed
  let f = resultFlags(size, lo, hi);
  if (cf) f |= CF;
  if (msb(size, lo, hi) !== msb(size, d, dHi)) f |= OF;
  setArithFlags(cpu, f);
}
defineOp(0x1a4, { modrm: true, size: SZ_V, imm: IMM_8U, handler: shiftDouble });
defineOp(0x1a5, { modrm: true, size: SZ_V, handler: shiftDouble });
defineOp(0x1ac, { modrm: true, size: SZ_V, imm: IMM_8U, handler: shiftDouble });
defineOp(0x1ad, { modrm: true, size: SZ_V, handler: shiftDouble });
