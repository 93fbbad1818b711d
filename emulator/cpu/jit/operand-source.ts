// JavaScript source fragments for operands of a decoded instruction, for the block compiler. Names the
// generated code uses: c (the Cpu), R (its register halves), M (its MMU), B/BH (linear address of the
// block's first byte), TR/TW/FF/FM/FC (the MMU's front-end, below), scratch locals el/eh (effective
// address), s, o, f, a/ah, b/bh, r/rh, v/vh.
// Every fragment computes exactly what operands.ts computes at run time, with the decoded fields as
// constants.
import type { Insn } from '../insn.js';
import { SEG_FS, SEG_GS } from '../state.js';

/** Low half of register r at size (zero-extended for 1 and 2 bytes; AH..BH without REX). */
export function regLo(i: Insn, r: number, size: number): string {
  switch (size) {
    case 8: case 4: return `R[${r << 1}]`;
    case 2: return `(R[${r << 1}]&65535)`;
    default:
      if (i.rex === 0 && r >= 4 && r < 8) return `((R[${(r - 4) << 1}]>>>8)&255)`;
      return `(R[${r << 1}]&255)`;
  }
}

/** High half of register r (only meaningful at size 8). */
export function regHi(r: number): string {
  return `R[${(r << 1) | 1}]`;
}

/** Statements writing (lo, hi) to register r at size: 32-bit writes zero-extend, 8/16 merge (SDM 3.4.1.1). */
export function writeRegSrc(i: Insn, r: number, size: number, lo: string, hi: string): string {
  const k = r << 1;
  switch (size) {
    case 8: return `R[${k}]=${lo};R[${k + 1}]=${hi};`;
    case 4: return `R[${k}]=${lo};R[${k + 1}]=0;`;
    case 2: return `R[${k}]=(R[${k}]&-65536)|((${lo})&65535);`;
    default:
      if (i.rex === 0 && r >= 4 && r < 8) {
        const h = (r - 4) << 1;
        return `R[${h}]=(R[${h}]&-65281)|(((${lo})&255)<<8);`;
      }
      return `R[${k}]=(R[${k}]&-256)|((${lo})&255);`;
  }
}

/**
 * Statements leaving the memory operand's linear address in el (int32) / eh, as computeEA does:
 * base + scaled index + displacement, 67h truncation, FS/GS base, and #SS for a non-canonical stack
 * reference. `next` is the offset of the next instruction from the block start (RIP-relative base).
 */
export function effectiveAddress(i: Insn, next: number): string {
  const dLo = i.disp >>> 0, dHi = i.disp >> 31;
  let src: string;
  const base = i.base;
  if (base >= 0) {
    const bLo = base === 16 ? `((B+${next})|0)` : `R[${base << 1}]`;
    const bHi = base === 16 ? 'BH' : `R[${(base << 1) | 1}]`;
    src = dLo === 0
      ? `el=${bLo}>>>0;eh=${bHi};`
      : `s=${dLo}+(${bLo}>>>0);eh=(${dHi}+${bHi}+(s>4294967295?1:0))|0;el=s>>>0;`;
  } else {
    src = `el=${dLo};eh=${dHi};`;
  }
  const index = i.index;
  if (index >= 0) {
    let xLo = `R[${index << 1}]`, xHi = `R[${(index << 1) | 1}]`;
    if (i.scale !== 1) {
      const k = i.scale === 2 ? 1 : i.scale === 4 ? 2 : 3;
      src += `a=${xLo};ah=(${xHi}<<${k})|(a>>>${32 - k});a=a<<${k};`;
      xLo = 'a'; xHi = 'ah';
    }
    src += `s=el+(${xLo}>>>0);eh=(eh+${xHi}+(s>4294967295?1:0))|0;el=s>>>0;`;
  }
  if (i.asize === 4) src += 'eh=0;';
  if (i.seg === SEG_FS || i.seg === SEG_GS) {
    const g = i.seg === SEG_FS ? 'fs' : 'gs';
    src += `s=el+(c.${g}BaseLo>>>0);eh=(eh+c.${g}BaseHi+(s>4294967295?1:0))|0;el=s|0;`;
  } else {
    src += 'el=el|0;';
  }
  if (i.stackRef) src += `if(!M.isCanonical(eh)){${SYNC}throw X.ss();}`;
  return src;
}

// Memory accesses try the MMU's front-end inline, as Mmu.read*/write* do first (mmu.ts: one tag per
// slot for reads and one for writes, the frame in feFrame), and call the Mmu method on a miss. The block
// takes TR/TW/FF/FM/FC from the MMU at entry: nothing a block may execute switches the front-end set.
// Same access, same counters, same result as the call.

/**
 * Marks where an instruction's source needs the CPU to know which instruction is executing (its RIP in
 * insnRipLo, the retired count in cpu.instructions): before anything that may fault or that the MMU,
 * the hooks or the stale-TLB oracle may look at — a front-end miss, a write to a watched frame, a #SS.
 * The block compiler puts the stores there; a front-end hit, which none of them sees, skips them.
 */
export const SYNC = '/*sync*/';

/** The front-end hit test for the page of (el, eh) in tag array `tags`, with room for `size` bytes. */
function hit(tags: string, size: number): string {
  return `s=(el>>>12)&FM;o=el&4095;if(${tags}[s]===eh*1048576+(el>>>12)${size > 1 ? `&&o<=${4096 - size}` : ''})`;
}

/** Statements reading memory at (el, eh): the value into v (and vh at size 8). */
export function readMemSrc(size: number): string {
  switch (size) {
    case 8: return `${hit('TR', 8)}{FC.feHits++;f=FF[s].view;vh=f.getInt32(o+4,true);v=f.getInt32(o,true);}else{${SYNC}v=M.read64Miss(el,eh);vh=M.hi;}`;
    case 4: return `${hit('TR', 4)}{FC.feHits++;v=FF[s].view.getInt32(o,true);}else{${SYNC}v=M.readMiss(el,eh,4);}`;
    case 2: return `${hit('TR', 2)}{FC.feHits++;v=FF[s].view.getUint16(o,true);}else{${SYNC}v=M.readMiss(el,eh,2);}`;
    default: return `${hit('TR', 1)}{FC.feHits++;v=FF[s].bytes[o];}else{${SYNC}v=M.read8Miss(el,eh);}`;
  }
}

/** Statement writing (lo, hi) to memory at (el, eh). */
export function writeMemSrc(size: number, lo: string, hi: string): string {
  const fast = `f=FF[s];FC.feHits++;if(f.flags!==0){${SYNC}M.mem.notifyWrite(f,f.pfn*4096+o,${size});}`;
  switch (size) {
    case 8: return `${hit('TW', 8)}{${fast}f.view.setInt32(o,${lo},true);f.view.setInt32(o+4,${hi},true);}else{${SYNC}M.writeMiss(el,eh,8,${lo},${hi});}`;
    case 4: return `${hit('TW', 4)}{${fast}f.view.setInt32(o,${lo},true);}else{${SYNC}M.writeMiss(el,eh,4,${lo},0);}`;
    case 2: return `${hit('TW', 2)}{${fast}f.view.setUint16(o,${lo},true);}else{${SYNC}M.writeMiss(el,eh,2,${lo},0);}`;
    default: return `${hit('TW', 1)}{${fast}f.bytes[o]=${lo};}else{${SYNC}M.writeMiss(el,eh,1,${lo},0);}`;
  }
}
