// x86-64 instruction decoder (64-bit mode): legacy prefixes, REX, one/two/three-byte opcodes,
// ModRM/SIB/displacement (RIP-relative included) and immediates (SDM vol. 2, ch. 2).
import { CpuFault, VEC_GP, VEC_UD } from './faults.js';
import { Insn } from './insn.js';
import {
  OPCODES, IMM_NONE, IMM_8, IMM_8U, IMM_16, IMM_Z, IMM_V, IMM_16_8, IMM_ADDR, IMM_REL8, IMM_REL32,
  SZ_BYTE, SZ_D64, SZ_F64,
} from './opcodes.js';
import { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS } from './state.js';

/** Supplies instruction bytes by offset from the instruction's first byte (may raise #PF). */
export type ByteSource = (offset: number) => number;

/** Opcodes that accept a LOCK prefix (with a memory destination); others raise #UD (SDM LOCK). */
const LOCKABLE = new Uint8Array(0x400);
for (const base of [0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30]) { LOCKABLE[base] = 1; LOCKABLE[base + 1] = 1; }
for (const op of [0x80, 0x81, 0x83, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff,
  0x1ab, 0x1b3, 0x1bb, 0x1ba, 0x1b0, 0x1b1, 0x1c7, 0x1c0, 0x1c1]) LOCKABLE[op] = 1;
/** Group members (ModRM.reg) that may be locked, for the group opcodes above. */
function lockableMember(op: number, reg: number): boolean {
  switch (op) {
    case 0x80: case 0x81: case 0x83: return reg !== 7; // not CMP
    case 0xf6: case 0xf7: return reg === 2 || reg === 3; // NOT, NEG
    case 0xfe: case 0xff: return reg === 0 || reg === 1; // INC, DEC
    case 0x1ba: return reg >= 5; // BTS, BTR, BTC
    case 0x1c7: return reg === 1; // CMPXCHG8B/16B
    default: return true;
  }
}

export function decode(fetch: ByteSource, into?: Insn): Insn {
  const i = into ?? new Insn();
  let p = 0;
  let b = 0;
  let rex = 0;
  let opsizePrefix = false;
  let adsizePrefix = false;
  let rep = 0;
  let lock = false;
  let seg = -1;
  // legacy prefixes and REX (a REX not immediately followed by the opcode is ignored)
  for (;;) {
    if (p >= 15) throw new CpuFault(VEC_GP, 0);
    b = fetch(p++);
    if (b >= 0x40 && b <= 0x4f) { rex = b; continue; }
    let isPrefix = true;
    switch (b) {
      case 0x66: opsizePrefix = true; break;
      case 0x67: adsizePrefix = true; break;
      case 0xf0: lock = true; break;
      case 0xf2: rep = 2; break;
      case 0xf3: rep = 1; break;
      // segment overrides: the last one wins; only FS and GS have a base in 64-bit mode, and SS
      // decides whether a non-canonical address raises #SS rather than #GP
      case 0x64: seg = SEG_FS; break;
      case 0x65: seg = SEG_GS; break;
      case 0x26: seg = SEG_ES; break;
      case 0x2e: seg = SEG_CS; break;
      case 0x36: seg = SEG_SS; break;
      case 0x3e: seg = SEG_DS; break;
      default: isPrefix = false;
    }
    if (!isPrefix) break;
    rex = 0;
  }
  let op = b;
  if (b === 0x0f) {
    const b2 = fetch(p++);
    if (b2 === 0x38) op = 0x200 | fetch(p++);
    else if (b2 === 0x3a) op = 0x300 | fetch(p++);
    else op = 0x100 | b2;
  }
  const spec = OPCODES[op];
  if (spec === undefined) throw new CpuFault(VEC_UD);
  const rexW = (rex & 8) !== 0, rexR = (rex & 4) << 1, rexX = (rex & 2) << 2, rexB = (rex & 1) << 3;
  i.op = op;
  i.rex = rex;
  i.rep = rep;
  i.lock = lock;
  i.seg = seg;
  i.opsizePrefix = opsizePrefix;
  i.asize = adsizePrefix ? 4 : 8;
  i.osize = operandSize(spec.size, rexW, opsizePrefix);
  i.hasModrm = spec.modrm;
  i.isMem = false;
  i.base = -1; i.index = -1; i.scale = 1; i.disp = 0; i.stackRef = false;
  i.mod = 3; i.reg = 0;
  // for +r opcodes (no ModRM) the register comes from the opcode's low bits and REX.B
  i.rm = (op & 7) | rexB;
  let handler = spec.handler;
  let immKind = spec.imm;
  if (spec.modrm) {
    const m = fetch(p++);
    const mod = m >> 6;
    i.mod = mod;
    i.reg = ((m >> 3) & 7) | rexR;
    const rm = m & 7;
    if (mod === 3) {
      i.rm = rm | rexB;
    } else {
      i.isMem = true;
      if (rm === 4) {
        const sib = fetch(p++);
        const scaleBits = sib >> 6, idx = ((sib >> 3) & 7) | rexX, base = sib & 7;
        i.scale = 1 << scaleBits;
        i.index = idx === 4 ? -1 : idx;
        if (base === 5 && mod === 0) {
          i.base = -1;
          i.disp = read32(fetch, p); p += 4;
        } else {
          i.base = base | rexB;
        }
      } else if (rm === 5 && mod === 0) {
        i.base = 16; // RIP-relative
        i.disp = read32(fetch, p); p += 4;
      } else {
        i.base = rm | rexB;
      }
      if (mod === 1) { i.disp = (fetch(p++) << 24) >> 24; }
      else if (mod === 2) { i.disp = read32(fetch, p); p += 4; }
      // SS is the default segment for RSP/RBP bases (not R12/R13); an override replaces it (SDM 3.7.4)
      i.stackRef = seg === SEG_SS || (seg === -1 && (i.base === 4 || i.base === 5));
    }
    if (spec.group !== undefined) {
      const member = spec.group[i.reg & 7];
      if (member === null || member === undefined) throw new CpuFault(VEC_UD);
      handler = member;
      if (spec.groupImm !== undefined) immKind = spec.groupImm[i.reg & 7];
      if (spec.groupSize !== undefined) i.osize = operandSize(spec.groupSize[i.reg & 7], rexW, opsizePrefix);
    }
  }
  i.imm = 0; i.immHi = 0; i.imm2 = 0;
  switch (immKind) {
    case IMM_NONE: break;
    case IMM_8: case IMM_REL8: i.imm = (fetch(p++) << 24) >> 24; i.immHi = i.imm >> 31; break;
    case IMM_8U: i.imm = fetch(p++); break;
    case IMM_16: i.imm = fetch(p) | (fetch(p + 1) << 8); p += 2; break;
    case IMM_16_8: i.imm = fetch(p) | (fetch(p + 1) << 8); i.imm2 = fetch(p + 2); p += 3; break;
    case IMM_Z:
      if (i.osize === 2) { i.imm = fetch(p) | (fetch(p + 1) << 8); p += 2; }
      else { i.imm = read32(fetch, p); i.immHi = i.imm >> 31; p += 4; }
      break;
    case IMM_REL32: i.imm = read32(fetch, p); i.immHi = i.imm >> 31; p += 4; break;
    case IMM_V:
      if (i.osize === 2) { i.imm = fetch(p) | (fetch(p + 1) << 8); p += 2; }
      else if (i.osize === 4) { i.imm = read32(fetch, p); p += 4; }
      else if (i.osize === 1) { i.imm = fetch(p++); }
      else { i.imm = read32(fetch, p); i.immHi = read32(fetch, p + 4); p += 8; }
      break;
    case IMM_ADDR:
      if (i.asize === 8) { i.imm = read32(fetch, p); i.immHi = read32(fetch, p + 4); p += 8; }
      else { i.imm = read32(fetch, p); p += 4; }
      break;
  }
  if (p > 15) throw new CpuFault(VEC_GP, 0);
  // LOCK is valid only on the read-modify-write forms with a memory destination (SDM LOCK): checked
  // once the whole instruction has been fetched (a fetch #PF comes first)
  if (lock && (LOCKABLE[op] === 0 || !i.isMem || !lockableMember(op, i.reg & 7))) throw new CpuFault(VEC_UD);
  i.len = p;
  i.exec = handler;
  return i;
}

function operandSize(rule: number, rexW: boolean, opsizePrefix: boolean): number {
  switch (rule) {
    case SZ_BYTE: return 1;
    case SZ_D64: return opsizePrefix && !rexW ? 2 : 8;
    case SZ_F64: return 8;
    default: return rexW ? 8 : opsizePrefix ? 2 : 4;
  }
}

function read32(fetch: ByteSource, p: number): number {
  return fetch(p) | (fetch(p + 1) << 8) | (fetch(p + 2) << 16) | (fetch(p + 3) << 24);
}
