// Inline JavaScript for the common instruction forms inside a compiled block: MOV, LEA, MOVZX/MOVSX,
// the ALU operations without a memory destination, TEST, INC/DEC of a register, and the conditions of
// Jcc. Each form does exactly what its interpreter handler does (ops/data.ts, ops/alu.ts, flags.ts),
// including the lazy-flag record, so interpreter and blocks can alternate at any instruction.
// Forms not listed here return null and the block calls the interpreter handler instead.
import type { Insn } from '../insn.js';
import { LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC } from '../state.js';
import { LF_SHL, LF_SHR, LF_SAR } from '../flags.js';
import { regLo, regHi, writeRegSrc, effectiveAddress, readMemSrc, writeMemSrc } from './operand-source.js';

/** What the block compiler knows about the lazy flags after an instruction (null: nothing). */
export interface FlagsKnown { op: number; size: number }

// The fields of the lazy-flag record (CpuState), field k as bit 1 << k: which ones an instruction
// writes decides which stores of the instruction before it are dead.
const LF_FIELDS = ['lfCin', 'lfOp', 'lfSize', 'lfA', 'lfAHi', 'lfB', 'lfBHi', 'lfRes', 'lfResHi'];

/** One store of the lazy-flag record: the field's bit and the value's source. */
export type FlagStore = [number, string];

/** The stores of a lazy-flag record, as [cin, op, size, a, aHi, b, bHi, res, resHi] (null: not stored). */
function flagStores(values: (string | number | null)[]): FlagStore[] {
  const out: FlagStore[] = [];
  for (let k = 0; k < LF_FIELDS.length; k++) if (values[k] !== null) out.push([1 << k, String(values[k])]);
  return out;
}

/** The source of the stores whose field is not in `dead`. */
export function flagStoresSrc(stores: FlagStore[], dead: number): string {
  let src = '';
  for (const [bit, v] of stores) if ((bit & dead) === 0) src += `c.${LF_FIELDS[31 - Math.clz32(bit)]}=${v};`;
  return src;
}

/** The fields a list of stores writes. */
export function flagFields(stores: FlagStore[]): number {
  let m = 0;
  for (const [bit] of stores) m |= bit;
  return m;
}

export interface Emitted {
  /** The instruction's source, without its lazy-flag stores (they come after it: see flags). */
  src: string;
  /** Its lazy-flag record, stored after src (the compiler leaves out stores a later write makes dead). */
  flagStores: FlagStore[];
  /** It reads the lazy-flag record left by the instruction before it (from the CPU, not from locals). */
  readsFlags: boolean;
  /** The instruction reads or writes memory, or may fault: the block records where it is (where its
   *  source marks SYNC, else before it). */
  sync: boolean;
  /** The instruction may write memory (the block then checks that its own code was not overwritten). */
  writes: boolean;
  /** Lazy flags after it: 'same' = unchanged, 'unknown' = not lazy any more, else what it recorded. */
  flags: FlagsKnown | 'same' | 'unknown';
}

const OP_ADD = 0, OP_OR = 1, OP_AND = 4, OP_SUB = 5, OP_XOR = 6, OP_CMP = 7;

/** Loads operand a (a, ah) and b (b, bh) of an ALU form from source expressions. */
function loadOperands(size: number, aLo: string, aHi: string, bLo: string, bHi: string): string {
  return `a=${aLo};ah=${size === 8 ? aHi : '0'};b=${bLo};bh=${size === 8 ? bHi : '0'};`;
}

/** r/rh := a OP b and the lazy-flag record, as alu.ts aluOp does (ADD OR AND SUB XOR CMP). */
function aluCore(op: number, size: number): { src: string; lf: number; stores: FlagStore[] } {
  let src: string, lf: number;
  switch (op) {
    case OP_ADD:
      src = size === 8 ? 's=(a>>>0)+(b>>>0);r=s|0;rh=(ah+bh+(s>4294967295?1:0))|0;' : 'r=(a+b)|0;rh=0;';
      lf = LF_ADD;
      break;
    case OP_SUB: case OP_CMP:
      src = size === 8 ? 's=(a>>>0)-(b>>>0);r=s|0;rh=(ah-bh-(s<0?1:0))|0;' : 'r=(a-b)|0;rh=0;';
      lf = LF_SUB;
      break;
    case OP_AND: src = `r=a&b;rh=${size === 8 ? 'ah&bh' : '0'};`; lf = LF_LOGIC; break;
    case OP_OR: src = `r=a|b;rh=${size === 8 ? 'ah|bh' : '0'};`; lf = LF_LOGIC; break;
    default: src = `r=a^b;rh=${size === 8 ? 'ah^bh' : '0'};`; lf = LF_LOGIC; break;
  }
  const stores = lf === LF_LOGIC
    ? flagStores([null, lf, size, 0, 0, 0, 0, 'r', 'rh'])
    : flagStores([0, lf, size, 'a', 'ah', 'b', 'bh', 'r', 'rh']);
  return { src, lf, stores };
}

function regOnly(src: string, flags: Emitted['flags'], stores: FlagStore[] = [], readsFlags = false): Emitted {
  return { src, flagStores: stores, readsFlags, sync: false, writes: false, flags };
}

/** ALU forms 00-3D and 80/81/83: ADD OR AND SUB XOR CMP, not ADC/SBB, no memory destination unless CMP. */
function emitAlu(i: Insn, next: number, op: number, form: number): Emitted | null {
  if (op === 2 || op === 3) return null; // ADC, SBB: carry-in (interpreter)
  const size = i.osize;
  const writesDest = op !== OP_CMP;
  let pre = '', aLo: string, aHi: string, bLo: string, bHi: string, dest: 'rm' | 'reg' | 'acc';
  let sync = false;
  switch (form) {
    case 0: // op r/m, reg
      if (i.isMem && writesDest) return null; // read-modify-write of memory (flag restore on a fault)
      bLo = regLo(i, i.reg, size); bHi = regHi(i.reg);
      if (i.isMem) { pre = effectiveAddress(i, next) + readMemSrc(size); aLo = 'v'; aHi = 'vh'; sync = true; }
      else { aLo = regLo(i, i.rm, size); aHi = regHi(i.rm); }
      dest = 'rm';
      break;
    case 1: // op reg, r/m
      if (i.isMem) { pre = effectiveAddress(i, next) + readMemSrc(size); bLo = 'v'; bHi = 'vh'; sync = true; }
      else { bLo = regLo(i, i.rm, size); bHi = regHi(i.rm); }
      aLo = regLo(i, i.reg, size); aHi = regHi(i.reg);
      dest = 'reg';
      break;
    case 2: // op acc, imm
      aLo = regLo(i, 0, size); aHi = regHi(0);
      bLo = String(i.imm); bHi = String(i.immHi);
      dest = 'acc';
      break;
    default: // op r/m, imm
      if (i.isMem && writesDest) return null;
      if (i.isMem) { pre = effectiveAddress(i, next) + readMemSrc(size); aLo = 'v'; aHi = 'vh'; sync = true; }
      else { aLo = regLo(i, i.rm, size); aHi = regHi(i.rm); }
      bLo = String(i.imm); bHi = String(i.immHi);
      dest = 'rm';
  }
  // The interpreter reads the reg operand before the r/m one (both orders give the same values here).
  const core = aluCore(op, size);
  let src = pre + loadOperands(size, aLo, aHi, bLo, bHi) + core.src;
  if (writesDest) {
    const r = dest === 'reg' ? i.reg : dest === 'acc' ? 0 : i.rm;
    src += writeRegSrc(i, r, size, 'r', 'rh');
  }
  return { src, flagStores: core.stores, readsFlags: false, sync, writes: false, flags: { op: core.lf, size } };
}

function emitTest(i: Insn, next: number, imm: boolean): Emitted {
  const size = i.osize;
  let pre = '', aLo: string, aHi: string;
  if (i.isMem) { pre = effectiveAddress(i, next) + readMemSrc(size); aLo = 'v'; aHi = 'vh'; }
  else { aLo = regLo(i, i.rm, size); aHi = regHi(i.rm); }
  const bLo = imm ? String(i.imm) : regLo(i, i.reg, size);
  const bHi = imm ? String(i.immHi) : regHi(i.reg);
  const core = aluCore(OP_AND, size);
  return { src: pre + loadOperands(size, aLo, aHi, bLo, bHi) + core.src, flagStores: core.stores, readsFlags: false,
    sync: i.isMem, writes: false, flags: { op: LF_LOGIC, size } };
}

/**
 * CF of the lazy flags as 0/1, inline when the operation that set them is known (flags.ts getCF); with
 * `inLocals`, that operation was the instruction just before and its record is still in the locals
 * (a, ah, b, bh, r, rh hold lfA .. lfResHi, and b lfCin after INC/DEC). Null: only X.getCF(c) knows.
 */
function carrySrc(known: FlagsKnown | null, inLocals: boolean): string | null {
  if (known !== null) {
    switch (known.op) {
      case LF_LOGIC: return '0';
      case LF_INC: case LF_DEC: return inLocals ? 'b' : 'c.lfCin';
      case LF_SUB: return inLocals ? `(${ltU(known.size, 'a', 'b', 'ah', 'bh')}?1:0)` : `(${ltU(known.size)}?1:0)`;
      case LF_ADD: return inLocals ? `(${ltU(known.size, 'r', 'a', 'rh', 'ah')}?1:0)`
        : `(${ltU(known.size, 'c.lfRes', 'c.lfA', 'c.lfResHi', 'c.lfAHi')}?1:0)`;
    }
  }
  return null;
}

/** INC/DEC of a register: CF is kept (lfCin), as alu.ts incDec does. */
function emitIncDec(i: Insn, dec: boolean, known: FlagsKnown | null, knownInLocals: boolean): Emitted | null {
  if (i.isMem) return null;
  const size = i.osize;
  // the carry first: it may read the previous instruction's locals
  const local = carrySrc(known, knownInLocals);
  const carry = local ?? 'X.getCF(c)';
  let src = `b=${carry};a=${regLo(i, i.rm, size)};ah=${size === 8 ? regHi(i.rm) : '0'};`;
  if (dec) src += `r=(a-1)|0;rh=${size === 8 ? '(a===0?(ah-1)|0:ah)' : '0'};`;
  else src += `r=(a+1)|0;rh=${size === 8 ? '(r===0?(ah+1)|0:ah)' : '0'};`;
  const lf = dec ? LF_DEC : LF_INC;
  src += writeRegSrc(i, i.rm, size, 'r', 'rh');
  const readsFlags = local === null || !knownInLocals && local !== '0';
  return regOnly(src, { op: lf, size }, flagStores(['b', lf, size, 'a', 'ah', 1, 0, 'r', 'rh']), readsFlags);
}

function emitMov(i: Insn, next: number): Emitted | null {
  const size = i.osize;
  switch (i.op) {
    case 0x88: case 0x89: // MOV r/m, reg
      if (!i.isMem) return regOnly(writeRegSrc(i, i.rm, size, regLo(i, i.reg, size), regHi(i.reg)), 'same');
      return { src: effectiveAddress(i, next) + writeMemSrc(size, regLo(i, i.reg, size), regHi(i.reg)),
        flagStores: [], readsFlags: false, sync: true, writes: true, flags: 'same' };
    case 0x8a: case 0x8b: // MOV reg, r/m
      if (!i.isMem) return regOnly(writeRegSrc(i, i.reg, size, regLo(i, i.rm, size), regHi(i.rm)), 'same');
      return { src: effectiveAddress(i, next) + readMemSrc(size) + writeRegSrc(i, i.reg, size, 'v', 'vh'),
        flagStores: [], readsFlags: false, sync: true, writes: false, flags: 'same' };
    case 0xc6: case 0xc7: // MOV r/m, imm
      if (!i.isMem) return regOnly(writeRegSrc(i, i.rm, size, String(i.imm), String(i.immHi)), 'same');
      return { src: effectiveAddress(i, next) + writeMemSrc(size, String(i.imm), String(i.immHi)),
        flagStores: [], readsFlags: false, sync: true, writes: true, flags: 'same' };
    default: // B0-BF: MOV r, imm
      return regOnly(writeRegSrc(i, i.rm, size, String(i.imm), String(i.immHi)), 'same');
  }
}

/** LEA: the offset only (no segment base, no canonical check), written at the operand size. */
function emitLea(i: Insn, next: number): Emitted | null {
  if (!i.isMem) return null; // #UD through the interpreter
  const plain = { ...i, seg: -1, stackRef: false } as Insn;
  return regOnly(effectiveAddress(plain, next) + writeRegSrc(i, i.reg, i.osize, 'el', 'eh'), 'same');
}

/** MOVZX / MOVSX / MOVSXD (0F B6/B7/BE/BF, 63). */
function emitExtend(i: Insn, next: number, srcSize: number, signed: boolean): Emitted {
  let pre = '', v: string;
  if (i.isMem) { pre = effectiveAddress(i, next) + readMemSrc(srcSize); v = 'v'; }
  else v = regLo(i, i.rm, srcSize);
  let x: string;
  if (!signed) x = v;
  else x = srcSize === 1 ? `((${v}<<24)>>24)` : srcSize === 2 ? `((${v}<<16)>>16)` : v;
  const src = pre + `a=${x};` + writeRegSrc(i, i.reg, i.osize, 'a', signed ? '(a>>31)' : '0');
  return { src, flagStores: [], readsFlags: false, sync: i.isMem, writes: false, flags: 'same' };
}

/** 64-bit (a, ah) shifted by a constant 1..63 into (r, rh): shl/shr/sar as u64.ts computes them. */
function shift64(kind: 'shl' | 'shr' | 'sar', c: number): string {
  if (kind === 'shl') {
    if (c < 32) return `r=a<<${c};rh=(ah<<${c})|(a>>>${32 - c});`;
    return c === 32 ? 'r=0;rh=a;' : `r=0;rh=a<<${c - 32};`;
  }
  const top = kind === 'shr' ? `ah>>>${c}` : `ah>>${c}`;
  if (c < 32) return `r=(a>>>${c})|(ah<<${32 - c});rh=(${top})|0;`;
  const rest = kind === 'shr' ? '0' : 'ah>>31';
  return c === 32 ? `r=ah;rh=${rest};` : `r=(ah${kind === 'shr' ? '>>>' : '>>'}${c - 32})|0;rh=${rest};`;
}

/**
 * SHL/SHR/SAR and ROL/ROR of a register by a constant (C0/C1 ib, D0/D1 by 1), as shift.ts does: the
 * count is masked to 5 bits (6 for 64-bit); a masked count of 0 changes nothing but the upper half of a
 * 32-bit register; shifts record lazy flags, rotates set CF and OF.
 */
function emitShift(i: Insn): Emitted | null {
  if (i.isMem) return null;
  const size = i.osize;
  const member = i.reg & 7;
  const raw = i.op <= 0xc1 ? i.imm : 1;
  const count = raw & (size === 8 ? 63 : 31);
  if (member === 2 || member === 3) return null; // RCL, RCR
  if (count === 0) return regOnly(size === 4 ? `R[${(i.rm << 1) | 1}]=0;` : '', 'same');
  let src = `a=${regLo(i, i.rm, size)};ah=${size === 8 ? regHi(i.rm) : '0'};`;
  if (member === 0 || member === 1) {
    if (size !== 8 && size !== 4) return null; // 8/16-bit rotates: count mod the width (interpreter)
    const right = member === 1;
    if (size === 8) {
      // ROL by c = (a << c) | (a >>> 64 - c); ROR by c = ROL by 64 - c
      const left = right ? 64 - count : count;
      src += `${shift64('shl', left)}b=r;bh=rh;${shift64('shr', 64 - left)}r=r|b;rh=rh|bh;`;
    } else {
      src += right ? `r=(a>>>${count})|(a<<${32 - count});rh=0;` : `r=(a<<${count})|(a>>>${32 - count});rh=0;`;
    }
    const msb = size === 8 ? '(rh>>>31)' : '(r>>>31)';
    const next = size === 8 ? '((rh>>>30)&1)' : '((r>>>30)&1)';
    // CF: the bit rotated last; OF: ROL MSB(r) XOR CF, ROR the XOR of the two top bits
    src += right ? `b=${msb};bh=b^${next};` : `b=r&1;bh=${msb}^b;`;
    src += writeRegSrc(i, i.rm, size, 'r', 'rh') + 'X.updateFlags(c,2049,b|(bh!==0?2048:0));';
    return regOnly(src, 'unknown', [], true);
  }
  let lf: number;
  if (member === 4 || member === 6) {
    lf = LF_SHL;
    src += size === 8 ? shift64('shl', count) : `r=a<<${count};rh=0;`;
  } else if (member === 5) {
    lf = LF_SHR;
    src += size === 8 ? shift64('shr', count) : `r=a>>>${count};rh=0;`;
  } else {
    lf = LF_SAR;
    const sv = size === 1 ? '((a<<24)>>24)' : size === 2 ? '((a<<16)>>16)' : 'a';
    src += size === 8 ? shift64('sar', count) : `r=${sv}>>${count};rh=0;`;
  }
  src += writeRegSrc(i, i.rm, size, 'r', 'rh');
  return regOnly(src, { op: lf, size }, flagStores([null, lf, size, 'a', 'ah', count, 0, 'r', 'rh']));
}

/**
 * Inline source for a body instruction, or null to call its handler. `knownInLocals`: the instruction
 * before it set the lazy flags described by `known` and left its record in the locals.
 */
export function emitBody(i: Insn, next: number, known: FlagsKnown | null, knownInLocals: boolean): Emitted | null {
  const op = i.op;
  if (op < 0x40) {
    const form = op & 7;
    if (form > 5) return null;
    return emitAlu(i, next, op >> 3, form === 0 || form === 1 ? 0 : form === 2 || form === 3 ? 1 : 2);
  }
  switch (op) {
    case 0x80: case 0x81: case 0x83: return emitAlu(i, next, i.reg & 7, 3);
    case 0x84: case 0x85: return emitTest(i, next, false);
    case 0xa8: case 0xa9: {
      const t = { ...i, isMem: false, rm: 0 } as Insn;
      return emitTest(t, next, true);
    }
    case 0xf6: case 0xf7: return (i.reg & 7) === 0 ? emitTest(i, next, true) : null;
    case 0xfe: case 0xff: {
      const r = i.reg & 7;
      return r === 0 || r === 1 ? emitIncDec(i, r === 1, known, knownInLocals) : null;
    }
    case 0x88: case 0x89: case 0x8a: case 0x8b: case 0xc6: case 0xc7: return emitMov(i, next);
    case 0x8d: return emitLea(i, next);
    case 0x1b6: return emitExtend(i, next, 1, false);
    case 0x1b7: return emitExtend(i, next, 2, false);
    case 0x1be: return emitExtend(i, next, 1, true);
    case 0x1bf: return emitExtend(i, next, 2, true);
    case 0x63: return emitExtend(i, next, 4, true);
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: return emitShift(i);
  }
  if (op >= 0xb0 && op <= 0xbf) return emitMov(i, next);
  return null;
}

/** Unsigned x < y at size, for two lazy-flag fields (lfA, lfB, lfRes) and their high halves. */
function ltU(size: number, x = 'c.lfA', y = 'c.lfB', xh = 'c.lfAHi', yh = 'c.lfBHi'): string {
  switch (size) {
    case 8: return `((${xh}>>>0)<(${yh}>>>0)||(${xh}===${yh}&&(${x}>>>0)<(${y}>>>0)))`;
    case 4: return `((${x}>>>0)<(${y}>>>0))`;
    case 2: return `((${x}&65535)<(${y}&65535))`;
    default: return `((${x}&255)<(${y}&255))`;
  }
}
/** Signed a < b on the lazy operands at size. */
function ltS(size: number): string {
  switch (size) {
    case 8: return '(c.lfAHi<c.lfBHi||(c.lfAHi===c.lfBHi&&(c.lfA>>>0)<(c.lfB>>>0)))';
    case 4: return '((c.lfA|0)<(c.lfB|0))';
    case 2: return '(((c.lfA<<16)>>16)<((c.lfB<<16)>>16))';
    default: return '(((c.lfA<<24)>>24)<((c.lfB<<24)>>24))';
  }
}
function eq(size: number): string {
  switch (size) {
    case 8: return '(c.lfA===c.lfB&&c.lfAHi===c.lfBHi)';
    case 4: return '(c.lfA===c.lfB)';
    case 2: return '(((c.lfA^c.lfB)&65535)===0)';
    default: return '(((c.lfA^c.lfB)&255)===0)';
  }
}
function resZero(size: number): string {
  switch (size) {
    case 8: return '((c.lfRes|c.lfResHi)===0)';
    case 4: return '(c.lfRes===0)';
    case 2: return '((c.lfRes&65535)===0)';
    default: return '((c.lfRes&255)===0)';
  }
}
function resSign(size: number): string {
  switch (size) {
    case 8: return '(c.lfResHi<0)';
    case 4: return '(c.lfRes<0)';
    case 2: return '((c.lfRes&32768)!==0)';
    default: return '((c.lfRes&128)!==0)';
  }
}

/**
 * Source of condition cc (Jcc/SETcc/CMOVcc numbering) given what is known of the lazy flags; the
 * generic evaluation (flags.ts condition) otherwise. Same results as flags.ts by construction: ZF/SF
 * from the result, CF/OF of SUB from the operands, CF = OF = 0 after a logic operation.
 */
export function conditionSrc(cc: number, known: FlagsKnown | null): string {
  const neg = (cc & 1) !== 0;
  const wrap = (e: string): string => (neg ? `!${e}` : e);
  if (known !== null) {
    const { op, size } = known;
    const base = cc & 0xe;
    if (base === 4) return wrap(resZero(size));
    if (base === 8) return wrap(resSign(size));
    if (op === LF_SUB) {
      switch (base) {
        case 2: return wrap(ltU(size));
        case 6: return wrap(`(${ltU(size)}||${eq(size)})`);
        case 12: return wrap(ltS(size));
        case 14: return wrap(`(${ltS(size)}||${eq(size)})`);
      }
    } else if (op === LF_LOGIC) {
      switch (base) {
        case 0: case 2: return neg ? 'true' : 'false'; // OF, CF = 0
        case 6: return wrap(resZero(size));
        case 12: return wrap(resSign(size)); // SF != OF with OF = 0
        case 14: return wrap(`(${resZero(size)}||${resSign(size)})`);
      }
    }
  }
  return `X.condition(c,${cc})`;
}
