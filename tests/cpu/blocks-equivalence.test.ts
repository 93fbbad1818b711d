// Compiled blocks (emulator/cpu/jit) against the interpreter: random loop programs over the forms the
// block compiler generates inline and those it hands to interpreter handlers, run on two identical
// machines — one interpreting only, one compiling every block on first execution — in random budget
// chunks, comparing the whole architectural state after every chunk. Page faults inside blocks (resumed
// by the exception recorder) and code that rewrites its own block are covered too.
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, loadCode, installExceptionRecorder, TestMachine, EXC_RECORD, STACK_TOP,
} from '../helpers/test-machine.js';
import { getFlags } from '../../emulator/cpu/flags.js';
import { RBX } from '../../emulator/cpu/state.js';

const R13 = 13;

const DATA = 0x300000;
const UNMAPPED = 0x7ff000000000n; // beyond the identity-mapped 1 GiB: #PF
const SEED = Number(process.env.BLOCKS_SEED ?? 0x5eed1234);
const CASES = Number(process.env.BLOCKS_CASES ?? 400);

/** xorshift32: a seeded stream of 32-bit numbers. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

const R64 = ['rax', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r14'];
const R32 = ['eax', 'ecx', 'edx', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r14d'];
const R16 = ['ax', 'cx', 'dx', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r14w'];
const R8_REX = ['al', 'cl', 'dl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r14b'];
const R8_LEGACY = ['al', 'cl', 'dl', 'ah', 'ch', 'dh'];
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT = ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl'];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

function programFor(next: () => number, faults: boolean): string {
  const pick = <T>(a: T[]): T => a[next() % a.length];
  const size = (): number => [8, 4, 2, 1][next() % 4];
  const regOf = (sz: number, legacy = false): string =>
    sz === 8 ? pick(R64) : sz === 4 ? pick(R32) : sz === 2 ? pick(R16) : pick(legacy ? R8_LEGACY : R8_REX);
  const ptr = (sz: number): string => (sz === 8 ? 'qword' : sz === 4 ? 'dword' : sz === 2 ? 'word' : 'byte');
  const mem = (sz: number, legacy = false): string => {
    const d = next() % 200;
    switch (next() % (legacy ? 2 : 4)) {
      case 0: return `${ptr(sz)} ptr [rbx + ${d}]`;
      case 1: return `${ptr(sz)} ptr [rip + data + ${d}]`;
      case 2: return `${ptr(sz)} ptr [rbx + r15*8 + ${d}]`;
      default: return `${ptr(sz)} ptr [rbx + r15*2 - ${d % 16}+ 64]`;
    }
  };
  const imm = (sz: number): number => {
    const v = next();
    if (next() % 2 === 0) return (v % 256) - 128; // imm8 forms
    return sz === 1 ? (v % 256) - 128 : sz === 2 ? (v % 65536) - 32768 : (v | 0);
  };
  const lines: string[] = [];
  let fault = 0;
  const n = 4 + (next() % 20);
  for (let k = 0; k < n; k++) {
    const sz = size();
    const legacy = sz === 1 && next() % 3 === 0;
    const d = regOf(sz, legacy), s = regOf(sz, legacy);
    switch (next() % 24) {
      case 0: case 1: lines.push(`${pick(ALU)} ${d}, ${s}`); break;
      case 2: lines.push(`${pick(ALU)} ${d}, ${imm(sz)}`); break;
      case 3: lines.push(`${pick(ALU)} ${d}, ${mem(sz, legacy)}`); break;
      case 4: lines.push(`${pick(ALU)} ${mem(sz, legacy)}, ${s}`); break;
      case 5: lines.push(`${pick(ALU)} ${mem(sz, legacy)}, ${imm(sz)}`); break;
      case 6: lines.push(`test ${d}, ${next() % 2 ? s : imm(sz)}`); break;
      case 7: lines.push(`${pick(['inc', 'dec', 'neg', 'not'])} ${next() % 3 ? d : mem(sz)}`); break;
      case 8: lines.push(`mov ${d}, ${s}`); break;
      case 9: lines.push(`mov ${d}, ${mem(sz, legacy)}`); break;
      case 10: lines.push(`mov ${mem(sz, legacy)}, ${next() % 2 ? s : imm(sz)}`); break;
      case 11: lines.push(sz === 8 && next() % 2 ? `movabs ${d}, ${next() * 4294967296 + next()}` : `mov ${d}, ${imm(sz)}`); break;
      case 12: lines.push(`lea ${pick(next() % 2 ? R64 : R32)}, [rbx + r15*${pick([1, 2, 4, 8])} + ${(next() % 512) - 256}]`); break;
      case 13: {
        const w = pick(['byte', 'word']);
        lines.push(`${pick(['movzx', 'movsx'])} ${pick(next() % 2 ? R64 : R32)}, ${next() % 2 ? `${w} ptr [rbx + ${next() % 64}]` : w === 'byte' ? pick(R8_REX) : pick(R16)}`);
        break;
      }
      case 14: lines.push(`movsxd ${pick(R64)}, ${next() % 2 ? pick(R32) : 'dword ptr [rbx + 8]'}`); break;
      case 15: lines.push(`${pick(SHIFT)} ${d}, ${next() % 2 ? 'cl' : next() % 70}`); break;
      case 16: lines.push(`set${pick(CC)} ${pick(R8_REX)}`); break;
      case 17: lines.push(`cmov${pick(CC)} ${pick(R64)}, ${pick(R64)}`); break;
      case 18: {
        // compare-and-branch, often on equal or boundary operands (the conditions blocks evaluate inline)
        const how = next() % 4;
        const first = how === 3 ? `cmp ${d}, ${d}` : how === 0 ? `cmp ${d}, ${s}` : how === 1 ? `cmp ${d}, ${pick(['0', '1', '-1', '127', '-128'])}` : `test ${d}, ${s}`;
        lines.push(first, `j${pick(CC)} 1f`, `${pick(ALU)} ${d}, ${s}`, '1:');
        break;
      }
      case 19: lines.push(`push ${pick(R64)}`, `pop ${pick(R64)}`); break;
      case 20: lines.push(`imul ${pick(R64)}, ${pick(R64)}, ${imm(4)}`); break;
      case 21: lines.push(`${pick(SHIFT)} ${d}, ${pick([1, next() % 64])}`); break;
      case 22: lines.push('pushfq', `pop ${pick(R64)}`); break; // the flags as a value
      default:
        if (faults && fault < 2) {
          // a load from an unmapped page: #PF, the recorder resumes after it
          lines.push(`mov qword ptr [${EXC_RECORD + 72}], offset resume${fault}`, `mov ${pick(R64)}, [r13]`, `resume${fault}:`);
          fault++;
        } else {
          lines.push(`xchg ${d}, ${s}`);
        }
    }
  }
  const iters = 1 + (next() % 12);
  return `mov r15d, ${iters}\ntop:\n${lines.join('\n')}\ndec r15d\njnz top\nhlt\n.p2align 3\ndata:\n.fill 512, 1, 0x5a\n`;
}

function machine(src: string, blocks: boolean, init: number[]): TestMachine {
  const m = createTestMachine();
  installExceptionRecorder(m);
  m.cpu.jitEnabled = blocks;
  m.cpu.jitThreshold = 1;
  for (let r = 0; r < 16; r++) {
    m.cpu.regs[r << 1] = init[2 * r];
    m.cpu.regs[(r << 1) | 1] = init[2 * r + 1];
  }
  m.cpu.regs[4 << 1] = STACK_TOP; m.cpu.regs[(4 << 1) | 1] = 0;
  m.cpu.regs[RBX << 1] = DATA; m.cpu.regs[(RBX << 1) | 1] = 0;
  m.cpu.regs[R13 << 1] = Number(UNMAPPED & 0xffffffffn); m.cpu.regs[(R13 << 1) | 1] = Number(UNMAPPED >> 32n);
  for (let k = 0; k < 1024; k += 4) m.mem.write32(DATA + k, init[32 + (k >> 2) % 32] ^ k);
  loadCode(m, src);
  return m;
}

function state(m: TestMachine): string {
  const c = m.cpu;
  const mem = [DATA, EXC_RECORD, STACK_TOP - 256].map((a) => Array.from(m.mem.readBytes(a, 1024 + 256)).join(','));
  return JSON.stringify({
    regs: Array.from(c.regs), rip: [c.ripLo, c.ripHi], flags: getFlags(c), insns: c.instructions,
    halted: c.halted, stopped: c.stopped, exceptions: c.exceptionsTaken, cr2: [c.cr2Lo, c.cr2Hi], mem,
  });
}

describe('compiled blocks behave exactly as the interpreter', () => {
  it(`random loop programs in random budget chunks (seed 0x${SEED.toString(16)}, ${CASES} programs)`, () => {
    const next = rng(SEED);
    let blockInsns = 0, compiled = 0, faults = 0;
    for (let n = 0; n < CASES; n++) {
      const src = programFor(next, n % 3 === 0);
      // registers hold small and boundary values often, so that compares see equal operands and carries
      const special = [0, 1, 2, -1, 0x7fffffff, -0x80000000, 0x80, 0x7f, 0xff, 0x8000];
      const init = Array.from({ length: 64 }, () => (next() % 3 === 0 ? next() | 0 : special[next() % special.length]));
      const a = machine(src, false, init), b = machine(src, true, init);
      for (let chunk = 0; chunk < 400 && !a.cpu.halted; chunk++) {
        const budget = 1 + (next() % 60);
        a.cpu.run(budget);
        b.cpu.run(budget);
        const sa = state(a), sb = state(b);
        if (sa !== sb) expect.fail(`program ${n} diverged after chunk ${chunk} (budget ${budget}):\n${src}\ninterpreter ${sa.slice(0, 600)}\nblocks      ${sb.slice(0, 600)}`);
      }
      expect(a.cpu.halted).toBe(true);
      blockInsns += b.cpu.blockInstructions;
      compiled += b.cpu.blocksCompiled;
      faults += a.cpu.exceptionsTaken;
    }
    // the comparison means something only if blocks did most of the work and faulted inside blocks
    expect(compiled).toBeGreaterThan(CASES);
    expect(blockInsns).toBeGreaterThan(CASES * 20);
    expect(faults).toBeGreaterThan(CASES / 10);
  });

  it('shifts and rotates by every constant count, every size, on sign-heavy values', () => {
    const values = ['0x8000000180000081', '0x7fffffff0000ff7f', '-1', '1'];
    const regs: Record<number, string> = { 8: 'rax', 4: 'eax', 2: 'ax', 1: 'al' };
    const lines: string[] = [];
    for (const op of ['shl', 'shr', 'sar', 'rol', 'ror']) {
      for (const size of [8, 4, 2, 1]) {
        for (let count = 0; count < 64; count++) {
          // the JMP ends a three-instruction block, so that every chunk of 3 runs one whole block
          for (const v of values) lines.push(`mov rax, ${v}`, `${op} ${regs[size]}, ${count}`, 'jmp 1f\n1:');
        }
      }
    }
    const src = `${lines.join('\n')}\nhlt`;
    const a = machine(src, false, new Array(64).fill(0)), b = machine(src, true, new Array(64).fill(0));
    // one mov + one shift (+ the jmp) per chunk: every result and its flags are compared
    for (let k = 0; k < lines.length / 3; k++) {
      a.cpu.run(3);
      b.cpu.run(3);
      const sa = state(a), sb = state(b);
      if (sa !== sb) expect.fail(`diverged at ${lines[3 * k]}; ${lines[3 * k + 1]}`);
    }
    expect(b.cpu.blockInstructions).toBeGreaterThan(lines.length * 0.99); // all but blocks cut by page ends
  });

  it('a store into the running block drops it: the next instruction is the new one', () => {
    // the loop rewrites the imm32 of its own `add eax, imm32` (05 id) each pass: 1, then 2, 3, ...
    const src = `mov ecx, 10
      xor eax, eax
      mov edx, 1
    top:
      .byte 0x05
      .long 1
      inc edx
      mov [rip + top + 1], edx
      dec ecx
      jnz top
      hlt`;
    const results = [false, true].map((blocks) => {
      const m = machine(src, blocks, new Array(64).fill(0));
      m.cpu.run(100_000);
      expect(m.cpu.halted).toBe(true);
      return { eax: m.cpu.regs[0], insns: m.cpu.instructions, blockInsns: m.cpu.blockInstructions };
    });
    // passes add 1, 2, ..., 10
    expect(results[0].eax).toBe(55);
    expect(results[1]).toEqual({ ...results[0], blockInsns: results[1].blockInsns });
    expect(results[1].blockInsns).toBeGreaterThan(0);
  });
});
