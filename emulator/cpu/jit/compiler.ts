// The block compiler: turns a run of decoded instructions inside one 4 KiB code frame into one
// JavaScript function (new Function), so that straight-line guest code runs without the per-instruction
// fetch, decode-cache lookup and handler dispatch of the interpreter loop.
//
// Contract with Cpu.run (cpu.ts), which is what keeps blocks indistinguishable from the interpreter:
// - a block is entered with RIP at its first byte and the budget left (a whole pass's worth, or at
//   least 1 for a small loop, which can leave at any instruction); it runs at most that many
//   instructions and returns how many retired, with RIP, the registers, the lazy flags and
//   cpu.instructions exactly as the interpreter would leave them;
// - before any instruction that may fault it stores that instruction's RIP in insnRipLo and the
//   retired count in cpu.instructions, so a fault (thrown out of the block) is delivered at the right
//   instruction and the MMU, hooks and the stale-TLB oracle see the right site; a memory access
//   inline stores them on its slow paths only (operand-source.ts, SYNC), a front-end hit needs neither;
// - instructions that change anything the run loop checks between instructions end the block before
//   them (classify.ts); a write into the block's own frame drops its decoded code (self-modifying
//   code), and the block then returns at the next instruction;
// - a block whose last instruction branches back to its first loops inside the function while the
//   budget allows.
import type { Cpu } from '../cpu.js';
import type { Insn, Handler } from '../insn.js';
import type { Frame } from '../../memory/physical.js';
import { condition, getCF, updateFlags } from '../flags.js';
import { push, pop } from '../stack.js';
import { CpuFault, VEC_GP, VEC_SS } from '../faults.js';
import { classify, BLOCK_STOP, BLOCK_END } from './classify.js';
import { emitBody, conditionSrc, Emitted, flagFields, flagStoresSrc, FlagsKnown } from './emit.js';
import { SYNC } from './operand-source.js';

export type BlockFn = (c: Cpu, budget: number) => number;

export interface CompiledBlock {
  run: BlockFn;
  /** Instructions in one pass through the block. */
  count: number;
  /** The block may stop anywhere in its pass: it can run with less budget than `count`. */
  partial: boolean;
}

/** Most instructions in one block (bounds compile time and the size of the generated function). */
export const MAX_BLOCK_INSNS = 32;
/** Loops up to this many instructions can stop at any instruction of their last pass. */
const PARTIAL_PASS_MAX = 16;

/** Run-time helpers the generated code calls. */
const HELPERS = {
  condition,
  getCF,
  updateFlags,
  push,
  pop,
  gp: (): CpuFault => new CpuFault(VEC_GP, 0),
  ss: (): CpuFault => new CpuFault(VEC_SS, 0),
};

type Factory = (x: typeof HELPERS, f: Frame, k: unknown[], i: Insn[], h: Handler[]) => BlockFn;

/**
 * One factory per distinct block source, for the life of the process: the closures a factory makes
 * share V8's feedback and optimised code, so the same code in another frame or a later machine (the
 * second run of a benchmark, the next test) starts fast instead of tiering up again. The source holds
 * no address, only instruction forms, so equal sources are interchangeable blocks.
 */
const factories = new Map<string, Factory>();

/** Decodes the instructions of a block starting at `off` (through the frame's decode cache). */
export type DecodeAt = (off: number) => Insn | null;

/**
 * Compiles the block that starts at offset `start` of `frame` (code = the frame's decode cache at the
 * time). Returns null when the first instruction cannot be in a block.
 */
export function compileBlock(frame: Frame, code: unknown[], start: number, decodeAt: DecodeAt): CompiledBlock | null {
  const insns: Insn[] = [];
  let off = start;
  let endsWithBranch = false;
  while (insns.length < MAX_BLOCK_INSNS) {
    const i = decodeAt(off);
    if (i === null) break; // decode fault, or the instruction crosses into the next page
    if (off + i.len >= 4096) break; // RIP of the next instruction would leave the page: interpreter
    const kind = classify(i);
    if (kind === BLOCK_STOP) break;
    insns.push(i);
    off += i.len;
    if (kind === BLOCK_END) { endsWithBranch = true; break; }
  }
  if (insns.length === 0) return null;
  const handlers: Handler[] = insns.map((i) => i.exec);
  // a Jcc/JMP rel back to the block's first byte turns the block into a loop
  const last = insns[insns.length - 1];
  const loops = endsWithBranch && isRelBranch(last) && offsetOf(insns, insns.length - 1) + last.len + last.imm === 0;
  const partial = loops && insns.length <= PARTIAL_PASS_MAX;
  const body = generate(insns, endsWithBranch, loops, partial);
  let factory = factories.get(body);
  if (factory === undefined) {
    factory = new Function('X', 'F', 'K', 'I', 'H', body) as Factory;
    factories.set(body, factory);
  }
  return { run: factory(HELPERS, frame, code, insns, handlers), count: insns.length, partial };
}

function generate(insns: Insn[], endsWithBranch: boolean, loops: boolean, partial: boolean): string {
  const count = insns.length;
  let src = '"use strict";return function block(c,budget){\n' +
    'const R=c.regs,M=c.mmu,B=c.ripLo,BH=c.ripHi,I0=c.instructions;\n' +
    'const TR=M.tagR,TW=M.tagW,FF=M.feFrame,FM=TR.length-1,FC=M.counters;\n' +
    'let n=0,el=0,eh=0,s=0,o=0,f=null,v=0,vh=0,a=0,ah=0,b=0,bh=0,r=0,rh=0;\n' +
    'c.insnRipHi=BH;\n';
  if (loops) src += 'for(;;){\n';
  // A small loop may end its last pass anywhere: a whole pass when the budget allows one (no budget
  // test between instructions), else the same instructions with a test before each. Other blocks run
  // only when a whole pass fits (Cpu.runBlock), which keeps the function small: V8's optimizing
  // compiler pays for every byte of it.
  if (partial) {
    src += `if(budget-n>=${count}){\n${passSrc(insns, endsWithBranch, loops, partial, false)}}\n`;
    src += passSrc(insns, endsWithBranch, loops, partial, true);
  } else {
    src += passSrc(insns, endsWithBranch, loops, partial, false);
  }
  if (loops) src += '}\n';
  src += '};';
  return src;
}

/** One pass through the block's instructions; every path ends in a return or (loops) a continue. */
function passSrc(insns: Insn[], endsWithBranch: boolean, loops: boolean, partial: boolean,
  budgetChecks: boolean): string {
  const count = insns.length;
  const leave = (at: number): string => `c.instructions=I0+n+${at};return n+${at};`;
  // the body's inline forms first, then each instruction's lazy-flag stores less those the next one
  // overwrites before anything can see them
  const bodyCount = endsWithBranch ? count - 1 : count;
  const emitted: (Emitted | null)[] = [];
  let known: FlagsKnown | null = null;
  let inLocals = false;
  for (let k = 0, d = 0; k < bodyCount; k++) {
    const i = insns[k];
    const e = emitBody(i, d + i.len, known, inLocals);
    emitted.push(e);
    inLocals = e !== null && typeof e.flags === 'object';
    if (e === null || e.flags === 'unknown') known = null;
    else if (e.flags !== 'same') known = e.flags;
    d += i.len;
  }
  let src = '';
  let d = 0;
  for (let k = 0; k < count; k++) {
    const i = insns[k];
    const next = d + i.len;
    const sync = `c.insnRipLo=(B+${d})|0;c.instructions=I0+n+${k};`;
    if (budgetChecks && k > 0) src += `if(n+${k}===budget){c.ripLo=(B+${d})|0;${leave(k)}}`;
    if (k === bodyCount) {
      src += branchSrc(i, k, next, count, loops, known, sync, leave, partial);
      break;
    }
    const e = emitted[k];
    if (e !== null) {
      const after = k + 1 < bodyCount ? emitted[k + 1] : null;
      src += syncedSrc(e, sync) + flagStoresSrc(e.flagStores, deadFlagFields(e, after, budgetChecks));
      if (e.writes) src += `if(F.code!==K){c.ripLo=(B+${next})|0;${leave(k + 1)}}`;
    } else {
      // the interpreter's handler, with RIP at the next instruction as the run loop leaves it
      src += `${sync}c.ripLo=(B+${next})|0;H[${k}](c,I[${k}]);if(F.code!==K){${leave(k + 1)}}`;
    }
    src += '\n';
    d = next;
  }
  if (!endsWithBranch) src += `c.ripLo=(B+${d})|0;${leave(count)}\n`;
  return src;
}

/**
 * The lazy-flag fields of `e` that nothing can see before the instruction after it overwrites them:
 * that one is inline, cannot fault (no memory operand), does not read the record from the CPU, and
 * nothing leaves the block in between (no budget check, no self-modification check after `e`).
 */
function deadFlagFields(e: Emitted, after: Emitted | null, budgetChecks: boolean): number {
  if (after === null || budgetChecks || e.writes || after.sync || after.readsFlags) return 0;
  return flagFields(after.flagStores);
}

/** The instruction's source with the RIP/count stores where it marks them (SYNC), else before it when
 *  it may fault. */
function syncedSrc(e: Emitted, sync: string): string {
  if (e.src.includes(SYNC)) return e.src.split(SYNC).join(sync);
  return (e.sync ? sync : '') + e.src;
}

function offsetOf(insns: Insn[], k: number): number {
  let d = 0;
  for (let j = 0; j < k; j++) d += insns[j].len;
  return d;
}

function isRelBranch(i: Insn): boolean {
  return (i.op >= 0x70 && i.op <= 0x7f) || (i.op >= 0x180 && i.op <= 0x18f) || i.op === 0xe9 || i.op === 0xeb;
}

/** The block's last instruction: Jcc / JMP rel inline, any other near transfer through its handler. */
function branchSrc(i: Insn, k: number, next: number, count: number, loops: boolean,
  known: FlagsKnown | null, sync: string, leave: (at: number) => string, partial: boolean): string {
  if (!isRelBranch(i)) {
    return `${sync}c.ripLo=(B+${next})|0;H[${k}](c,I[${k}]);${leave(count)}\n`;
  }
  const target = next + i.imm; // from the block start; i.imm is a signed 32-bit displacement
  // a taken branch leaves through branchRel's rule: #GP at the branch when the new high half of RIP
  // is not canonical
  const taken = loops
    ? `n+=${count};if(budget-n>=${partial ? 1 : count})continue;c.ripLo=B;${leave(0)}`
    : `s=(B>>>0)+${target};a=(BH+(s>4294967295?1:s<0?-1:0))|0;` +
      `if(a!==BH&&!M.isCanonical(a)){${sync}throw X.gp();}c.ripLo=s|0;c.ripHi=a;${leave(count)}`;
  const fall = `c.ripLo=(B+${next})|0;${leave(count)}`;
  if (i.op === 0xe9 || i.op === 0xeb) return `${taken}\n`;
  const cond = conditionSrc(i.op & 0xf, known);
  return `if(${cond}){${taken}}${fall}\n`;
}
