// String instructions MOVS CMPS STOS LODS SCAS (A4-A7, AA-AF) with REP / REPE / REPNE.
// Source seg:rSI (DS by default, FS/GS overrides add their base), destination ES:rDI (never
// overridden; ES has base 0 in 64-bit mode); 67h uses ESI/EDI/ECX, which wrap at 4 GiB and are
// written zero-extended. DF selects the direction. SDM vol. 2: "MOVS", "REP/REPE/REPZ/REPNE/REPNZ".
//
// REP executes in bulk: one dispatch performs every iteration that keeps both the source and the
// destination element inside their current 4 KiB pages, translating each page once through the MMU and
// then working on the frame's host bytes. If more iterations remain, RIP is set back to the
// instruction, which therefore restarts on its next dispatch (interrupts can be taken in between, as
// between iterations on hardware). A fault can only come from a translation, made before any
// iteration of the chunk, so rSI/rDI/rCX always reflect the completed iterations and RIP the
// instruction itself (the loop in cpu.ts restores it). Elements that straddle a page boundary, and
// destinations in watched frames (every write must be reported), go through the MMU one at a time.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, SZ_BYTE, SZ_V } from '../opcodes.js';
import { addSegmentBase, readMem, writeMem } from '../operands.js';
import { getZF, setLazy } from '../flags.js';
import { DF, LF_SUB, RCX, RSI, RDI } from '../state.js';
import { ACC_WRITE } from '../../mmu/access.js';
import { Frame, FRAME_WATCHED, PAGE_SIZE } from '../../memory/physical.js';

const TWO32 = 4294967296;

// ---------------------------------------------------------------- registers

/** Source linear address seg:rSI into cpu.eaLo / cpu.eaHi. */
function srcAddr(cpu: Cpu, i: Insn): void {
  const r = cpu.regs;
  cpu.eaLo = addSegmentBase(cpu, i.seg, r[RSI << 1], i.asize === 8 ? r[(RSI << 1) | 1] : 0);
}

/** Adds a small signed delta to rSI / rDI (64-bit, or 32-bit zero-extended with 67h). */
function advance(cpu: Cpu, reg: number, delta: number, asize: number): void {
  const r = cpu.regs, k = reg << 1;
  if (asize === 8) {
    const s = (r[k] >>> 0) + delta;
    r[k] = s | 0;
    if (s >= TWO32) r[k + 1] = (r[k + 1] + 1) | 0;
    else if (s < 0) r[k + 1] = (r[k + 1] - 1) | 0;
  } else {
    r[k] = (r[k] + delta) | 0;
    r[k + 1] = 0;
  }
}

/** min(rCX, cap) as a number. */
function counter(cpu: Cpu, i: Insn, cap: number): number {
  const r = cpu.regs;
  if (i.asize === 8 && r[(RCX << 1) | 1] !== 0) return cap;
  const lo = r[RCX << 1] >>> 0;
  return lo < cap ? lo : cap;
}

function decCounter(cpu: Cpu, i: Insn, n: number): void {
  const r = cpu.regs;
  if (i.asize === 8) {
    const s = (r[RCX << 1] >>> 0) - n;
    r[RCX << 1] = s | 0;
    if (s < 0) r[(RCX << 1) | 1] = (r[(RCX << 1) | 1] - 1) | 0;
  } else {
    r[RCX << 1] = (r[RCX << 1] - n) | 0;
    r[(RCX << 1) | 1] = 0;
  }
}

function counterZero(cpu: Cpu, i: Insn): boolean {
  const r = cpu.regs;
  return r[RCX << 1] === 0 && (i.asize === 4 || r[(RCX << 1) | 1] === 0);
}

/** Leaves RIP at the instruction so that it executes again (more iterations to go). */
function again(cpu: Cpu): void {
  cpu.ripLo = cpu.insnRipLo;
  cpu.ripHi = cpu.insnRipHi;
}

/**
 * How many elements starting at linear address `lo` (going down when `back`) lie wholly in its page
 * and, with 67h, do not wrap the 32-bit register `regLo`. 0 when the first element straddles.
 */
function fit(lo: number, regLo: number, size: number, back: boolean, asize: number): number {
  const off = lo & 0xfff;
  let n: number;
  if (off + size > PAGE_SIZE) return 0;
  n = back ? ((off / size) | 0) + 1 : ((PAGE_SIZE - off) / size) | 0;
  if (asize === 4) {
    const v = regLo >>> 0;
    if (v + size > TWO32) return 0;
    const m = back ? Math.floor(v / size) + 1 : Math.floor((TWO32 - v) / size);
    if (m < n) n = m;
  }
  return n;
}

// ---------------------------------------------------------------- element access on host frames

let elemHi = 0;
/** Element at byte `off` of frame f (or of an unallocated frame whose bytes all read `fill`). */
function elem(f: Frame | null, fill: number, off: number, size: number): number {
  if (f === null) {
    elemHi = fill === 0 ? 0 : -1;
    return size === 1 ? fill : size === 2 ? fill * 0x101 : elemHi;
  }
  const v = f.view;
  switch (size) {
    case 1: return f.bytes[off];
    case 2: return v.getUint16(off, true);
    case 4: return v.getInt32(off, true);
    default: elemHi = v.getInt32(off + 4, true); return v.getInt32(off, true);
  }
}

/** What the bytes of a frame that is not allocated read as: 0 if backed, all-ones if not. */
function fillOf(cpu: Cpu, pfn: number): number {
  return cpu.mem.isBacked(pfn) ? 0 : 0xff;
}

/** Copies len bytes between distinct frames or non-overlapping ranges, without allocating. */
function copyBytes(src: Frame, so: number, dst: Frame, d: number, len: number): void {
  if (src === dst) { dst.bytes.copyWithin(d, so, so + len); return; }
  const sv = src.view, dv = dst.view;
  let k = 0;
  for (; k + 4 <= len; k += 4) dv.setInt32(d + k, sv.getInt32(so + k, true), true);
  const sb = src.bytes, db = dst.bytes;
  for (; k < len; k++) db[d + k] = sb[so + k];
}

/** The accumulator at size (AL AX EAX RAX): returns lo, high half in elemHi. */
function acc(cpu: Cpu, size: number): number {
  const r = cpu.regs;
  elemHi = size === 8 ? r[1] : 0;
  return size === 1 ? r[0] & 0xff : size === 2 ? r[0] & 0xffff : r[0];
}

function writeAcc(cpu: Cpu, size: number, lo: number, hi: number): void {
  const r = cpu.regs;
  switch (size) {
    case 1: r[0] = (r[0] & ~0xff) | (lo & 0xff); break;
    case 2: r[0] = (r[0] & ~0xffff) | (lo & 0xffff); break;
    case 4: r[0] = lo; r[1] = 0; break;
    default: r[0] = lo; r[1] = hi;
  }
}

/** Flags of CMP a, b (SUB without storing). */
function compareFlags(cpu: Cpu, size: number, a: number, aHi: number, b: number, bHi: number): void {
  let lo: number, hi = 0;
  if (size === 8) {
    const t = (a >>> 0) - (b >>> 0);
    lo = t | 0;
    hi = (aHi - bHi - (t < 0 ? 1 : 0)) | 0;
  } else lo = (a - b) | 0;
  cpu.lfCin = 0;
  setLazy(cpu, LF_SUB, size, a, aHi, b, bHi, lo, hi);
}

function equalAt(size: number, a: number, aHi: number, b: number, bHi: number): boolean {
  if (size === 8) return a === b && aHi === bHi;
  const m = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  return ((a ^ b) & m) === 0;
}

// ---------------------------------------------------------------- one iteration through the MMU

function movsStep(cpu: Cpu, i: Insn): void {
  const size = i.osize, r = cpu.regs;
  srcAddr(cpu, i);
  const v = readMem(cpu, cpu.eaLo, cpu.eaHi, size);
  writeMem(cpu, r[RDI << 1], i.asize === 8 ? r[(RDI << 1) | 1] : 0, size, v, cpu.opHi);
  const delta = (cpu.flags & DF) !== 0 ? -size : size;
  advance(cpu, RSI, delta, i.asize);
  advance(cpu, RDI, delta, i.asize);
}

function stosStep(cpu: Cpu, i: Insn): void {
  const size = i.osize, r = cpu.regs;
  const v = acc(cpu, size);
  writeMem(cpu, r[RDI << 1], i.asize === 8 ? r[(RDI << 1) | 1] : 0, size, v, elemHi);
  advance(cpu, RDI, (cpu.flags & DF) !== 0 ? -size : size, i.asize);
}

function lodsStep(cpu: Cpu, i: Insn): void {
  const size = i.osize;
  srcAddr(cpu, i);
  const v = readMem(cpu, cpu.eaLo, cpu.eaHi, size);
  writeAcc(cpu, size, v, cpu.opHi);
  advance(cpu, RSI, (cpu.flags & DF) !== 0 ? -size : size, i.asize);
}

function cmpsStep(cpu: Cpu, i: Insn): void {
  const size = i.osize, r = cpu.regs;
  srcAddr(cpu, i);
  const a = readMem(cpu, cpu.eaLo, cpu.eaHi, size);
  const aHi = size === 8 ? cpu.opHi : 0;
  const b = readMem(cpu, r[RDI << 1], i.asize === 8 ? r[(RDI << 1) | 1] : 0, size);
  const bHi = size === 8 ? cpu.opHi : 0;
  compareFlags(cpu, size, a, aHi, b, bHi);
  const delta = (cpu.flags & DF) !== 0 ? -size : size;
  advance(cpu, RSI, delta, i.asize);
  advance(cpu, RDI, delta, i.asize);
}

function scasStep(cpu: Cpu, i: Insn): void {
  const size = i.osize, r = cpu.regs;
  const a = acc(cpu, size), aHi = elemHi;
  const b = readMem(cpu, r[RDI << 1], i.asize === 8 ? r[(RDI << 1) | 1] : 0, size);
  compareFlags(cpu, size, a, aHi, b, size === 8 ? cpu.opHi : 0);
  advance(cpu, RDI, (cpu.flags & DF) !== 0 ? -size : size, i.asize);
}

// ---------------------------------------------------------------- MOVS

function movs(cpu: Cpu, i: Insn): void {
  if (i.rep === 0) { movsStep(cpu, i); return; }
  let n = counter(cpu, i, PAGE_SIZE);
  if (n === 0) return;
  const size = i.osize, r = cpu.regs, asize = i.asize;
  const back = (cpu.flags & DF) !== 0;
  srcAddr(cpu, i);
  const sLo = cpu.eaLo, sHi = cpu.eaHi;
  const dLo = r[RDI << 1], dHi = asize === 8 ? r[(RDI << 1) | 1] : 0;
  n = Math.min(n, fit(sLo, r[RSI << 1], size, back, asize), fit(dLo, dLo, size, back, asize));
  if (n === 0) {
    movsStep(cpu, i); // an element straddles a page: one iteration through the MMU
    decCounter(cpu, i, 1);
  } else {
    const mmu = cpu.mmu, mem = cpu.mem;
    const ps = mmu.translate(sLo, sHi, mmu.dataAccess(0));
    const pd = mmu.translate(dLo, dHi, mmu.dataAccess(ACC_WRITE));
    const sPfn = Math.floor(ps / PAGE_SIZE), dPfn = Math.floor(pd / PAGE_SIZE);
    const sf = mem.peekFrame(sPfn);
    const df = mem.frameForWrite(dPfn);
    if (df !== null && (df.flags & FRAME_WATCHED) !== 0) {
      for (let k = 0; k < n; k++) { movsStep(cpu, i); decCounter(cpu, i, 1); }
    } else {
      const len = n * size, span = (n - 1) * size;
      const sOff = ps - sPfn * PAGE_SIZE, dOff = pd - dPfn * PAGE_SIZE;
      const sLow = back ? sOff - span : sOff, dLow = back ? dOff - span : dOff;
      if (df !== null) {
        if (df.flags !== 0) mem.notifyWrite(df, dPfn * PAGE_SIZE + dLow, len); // drops decoded code
        if (sf === null) df.bytes.fill(fillOf(cpu, sPfn), dLow, dLow + len);
        else if (sf !== df || sLow + len <= dLow || dLow + len <= sLow) copyBytes(sf, sLow, df, dLow, len);
        else {
          // overlapping ranges in one frame: element by element, in the architectural order
          const step = back ? -size : size;
          for (let k = 0, so = sOff, d = dOff; k < n; k++, so += step, d += step) {
            const v = elem(sf, 0, so, size);
            const v2 = elemHi;
            if (size === 1) df.bytes[d] = v;
            else if (size === 2) df.view.setUint16(d, v, true);
            else { df.view.setInt32(d, v, true); if (size === 8) df.view.setInt32(d + 4, v2, true); }
          }
        }
      }
      const delta = back ? -len : len;
      advance(cpu, RSI, delta, asize);
      advance(cpu, RDI, delta, asize);
      decCounter(cpu, i, n);
    }
  }
  if (!counterZero(cpu, i)) again(cpu);
}

// ---------------------------------------------------------------- STOS

function stos(cpu: Cpu, i: Insn): void {
  if (i.rep === 0) { stosStep(cpu, i); return; }
  let n = counter(cpu, i, PAGE_SIZE);
  if (n === 0) return;
  const size = i.osize, r = cpu.regs, asize = i.asize;
  const back = (cpu.flags & DF) !== 0;
  const dLo = r[RDI << 1], dHi = asize === 8 ? r[(RDI << 1) | 1] : 0;
  n = Math.min(n, fit(dLo, dLo, size, back, asize));
  if (n === 0) {
    stosStep(cpu, i);
    decCounter(cpu, i, 1);
  } else {
    const mmu = cpu.mmu, mem = cpu.mem;
    const pd = mmu.translate(dLo, dHi, mmu.dataAccess(ACC_WRITE));
    const dPfn = Math.floor(pd / PAGE_SIZE);
    const df = mem.frameForWrite(dPfn);
    if (df !== null && (df.flags & FRAME_WATCHED) !== 0) {
      for (let k = 0; k < n; k++) { stosStep(cpu, i); decCounter(cpu, i, 1); }
    } else {
      const len = n * size;
      if (df !== null) {
        const dOff = pd - dPfn * PAGE_SIZE;
        const dLow = back ? dOff - (n - 1) * size : dOff;
        if (df.flags !== 0) mem.notifyWrite(df, dPfn * PAGE_SIZE + dLow, len);
        const v = acc(cpu, size), vHi = elemHi;
        const b = v & 0xff;
        // one repeated byte (zeroing, all-ones, STOSB): a fill; otherwise element stores
        const uniform = size === 1 || (size === 2 ? (v >>> 8) === b
          : (v >>> 0) === b * 0x01010101 && (size === 4 || vHi === v));
        if (uniform) df.bytes.fill(b, dLow, dLow + len);
        else {
          const dv = df.view, end = dLow + len;
          if (size === 2) for (let o = dLow; o < end; o += 2) dv.setUint16(o, v, true);
          else if (size === 4) for (let o = dLow; o < end; o += 4) dv.setInt32(o, v, true);
          else for (let o = dLow; o < end; o += 8) { dv.setInt32(o, v, true); dv.setInt32(o + 4, vHi, true); }
        }
      }
      advance(cpu, RDI, back ? -len : len, asize);
      decCounter(cpu, i, n);
    }
  }
  if (!counterZero(cpu, i)) again(cpu);
}

// ---------------------------------------------------------------- LODS

function lods(cpu: Cpu, i: Insn): void {
  if (i.rep === 0) { lodsStep(cpu, i); return; }
  let n = counter(cpu, i, PAGE_SIZE);
  if (n === 0) return;
  const size = i.osize, r = cpu.regs, asize = i.asize;
  const back = (cpu.flags & DF) !== 0;
  srcAddr(cpu, i);
  const sLo = cpu.eaLo, sHi = cpu.eaHi;
  n = Math.min(n, fit(sLo, r[RSI << 1], size, back, asize));
  if (n === 0) {
    lodsStep(cpu, i);
    decCounter(cpu, i, 1);
  } else {
    // only the last element loaded survives; the page was translated (and could fault) once
    const mmu = cpu.mmu;
    const ps = mmu.translate(sLo, sHi, mmu.dataAccess(0));
    const sPfn = Math.floor(ps / PAGE_SIZE);
    const sf = cpu.mem.peekFrame(sPfn);
    const span = (n - 1) * size;
    const sOff = ps - sPfn * PAGE_SIZE;
    const v = elem(sf, sf === null ? fillOf(cpu, sPfn) : 0, back ? sOff - span : sOff + span, size);
    writeAcc(cpu, size, v, elemHi);
    advance(cpu, RSI, back ? -(n * size) : n * size, asize);
    decCounter(cpu, i, n);
  }
  if (!counterZero(cpu, i)) again(cpu);
}

// ---------------------------------------------------------------- CMPS / SCAS

/** REPE (F3) stops when the elements differ, REPNE (F2) when they are equal. */
function stops(i: Insn, equal: boolean): boolean {
  return i.rep === 1 ? !equal : equal;
}

function cmps(cpu: Cpu, i: Insn): void {
  if (i.rep === 0) { cmpsStep(cpu, i); return; }
  let n = counter(cpu, i, PAGE_SIZE);
  if (n === 0) return;
  const size = i.osize, r = cpu.regs, asize = i.asize;
  const back = (cpu.flags & DF) !== 0;
  srcAddr(cpu, i);
  const sLo = cpu.eaLo, sHi = cpu.eaHi;
  const dLo = r[RDI << 1], dHi = asize === 8 ? r[(RDI << 1) | 1] : 0;
  n = Math.min(n, fit(sLo, r[RSI << 1], size, back, asize), fit(dLo, dLo, size, back, asize));
  let done = false;
  if (n === 0) {
    cmpsStep(cpu, i);
    decCounter(cpu, i, 1);
    done = stops(i, getZF(cpu));
  } else {
    const mmu = cpu.mmu, mem = cpu.mem;
    const ps = mmu.translate(sLo, sHi, mmu.dataAccess(0));
    const pd = mmu.translate(dLo, dHi, mmu.dataAccess(0));
    const sPfn = Math.floor(ps / PAGE_SIZE), dPfn = Math.floor(pd / PAGE_SIZE);
    const sf = mem.peekFrame(sPfn), df = mem.peekFrame(dPfn);
    const sFill = sf === null ? fillOf(cpu, sPfn) : 0, dFill = df === null ? fillOf(cpu, dPfn) : 0;
    const step = back ? -size : size;
    let so = ps - sPfn * PAGE_SIZE, d = pd - dPfn * PAGE_SIZE;
    let a = 0, aHi = 0, b = 0, bHi = 0, k = 0;
    while (k < n) {
      a = elem(sf, sFill, so, size); aHi = elemHi;
      b = elem(df, dFill, d, size); bHi = elemHi;
      k++;
      if (stops(i, equalAt(size, a, aHi, b, bHi))) { done = true; break; }
      so += step; d += step;
    }
    compareFlags(cpu, size, a, size === 8 ? aHi : 0, b, size === 8 ? bHi : 0);
    advance(cpu, RSI, k * step, asize);
    advance(cpu, RDI, k * step, asize);
    decCounter(cpu, i, k);
  }
  if (!done && !counterZero(cpu, i)) again(cpu);
}

function scas(cpu: Cpu, i: Insn): void {
  if (i.rep === 0) { scasStep(cpu, i); return; }
  let n = counter(cpu, i, PAGE_SIZE);
  if (n === 0) return;
  const size = i.osize, r = cpu.regs, asize = i.asize;
  const back = (cpu.flags & DF) !== 0;
  const dLo = r[RDI << 1], dHi = asize === 8 ? r[(RDI << 1) | 1] : 0;
  n = Math.min(n, fit(dLo, dLo, size, back, asize));
  let done = false;
  if (n === 0) {
    scasStep(cpu, i);
    decCounter(cpu, i, 1);
    done = stops(i, getZF(cpu));
  } else {
    const mmu = cpu.mmu;
    const pd = mmu.translate(dLo, dHi, mmu.dataAccess(0));
    const dPfn = Math.floor(pd / PAGE_SIZE);
    const df = cpu.mem.peekFrame(dPfn);
    const dFill = df === null ? fillOf(cpu, dPfn) : 0;
    const a = acc(cpu, size), aHi = elemHi;
    const step = back ? -size : size;
    let d = pd - dPfn * PAGE_SIZE;
    let b = 0, bHi = 0, k = 0;
    while (k < n) {
      b = elem(df, dFill, d, size); bHi = elemHi;
      k++;
      if (stops(i, equalAt(size, a, aHi, b, bHi))) { done = true; break; }
      d += step;
    }
    compareFlags(cpu, size, a, aHi, b, size === 8 ? bHi : 0);
    advance(cpu, RDI, k * step, asize);
    decCounter(cpu, i, k);
  }
  if (!done && !counterZero(cpu, i)) again(cpu);
}

defineOp(0xa4, { size: SZ_BYTE, handler: movs });
defineOp(0xa5, { size: SZ_V, handler: movs });
defineOp(0xa6, { size: SZ_BYTE, handler: cmps });
defineOp(0xa7, { size: SZ_V, handler: cmps });
defineOp(0xaa, { size: SZ_BYTE, handler: stos });
defineOp(0xab, { size: SZ_V, handler: stos });
defineOp(0xac, { size: SZ_BYTE, handler: lods });
defineOp(0xad, { size: SZ_V, handler: lods });
defineOp(0xae, { size: SZ_BYTE, handler: scas });
defineOp(0xaf, { size: SZ_V, handler: scas });
