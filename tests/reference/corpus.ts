// A generated corpus of integer instructions (Intel syntax) for the differential tests and the
// Capstone length check. Every snippet keeps the harness's reserved registers intact:
//   rbx  pointer into the data pages        rsi  small index (0..63)
//   r12  pointer to a not-present page or a non-canonical address
//   r14  pointer into a read-only page      rsp  the stack
// Free registers (rax rcx rdx rdi rbp r8-r11 r13 r15) take any value.

/** Deterministic PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  chance(p: number): boolean { return this.next() < p; }
}

const FREE64 = ['rax', 'rcx', 'rdx', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r13', 'r15'];
const FREE32 = ['eax', 'ecx', 'edx', 'edi', 'ebp', 'r8d', 'r9d', 'r10d', 'r11d', 'r13d', 'r15d'];
const FREE16 = ['ax', 'cx', 'dx', 'di', 'bp', 'r8w', 'r9w', 'r10w', 'r11w', 'r13w', 'r15w'];
const FREE8 = ['al', 'cl', 'dl', 'dil', 'bpl', 'r8b', 'r9b', 'r10b', 'r11b', 'r13b', 'r15b'];
const HIGH8 = ['ah', 'ch', 'dh'];
const LEGACY8 = ['al', 'cl', 'dl'];
const SRC64 = [...FREE64, 'rbx', 'rsi', 'r12', 'r14', 'rsp'];
const SRC32 = [...FREE32, 'ebx', 'esi', 'r12d', 'r14d', 'esp'];
const SRC16 = [...FREE16, 'bx', 'si', 'r12w', 'r14w', 'sp'];
const SRC8 = [...FREE8, 'bl', 'sil', 'r12b', 'r14b', 'spl'];
const SIZES = [1, 2, 4, 8] as const;
type Size = typeof SIZES[number];
const PTR: Record<Size, string> = { 1: 'byte ptr', 2: 'word ptr', 4: 'dword ptr', 8: 'qword ptr' };
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

export class Gen {
  constructor(readonly r: Rng) {}

  dst(size: Size): string {
    const r = this.r;
    if (size === 1) return r.chance(0.15) ? r.pick(HIGH8) : r.pick(FREE8);
    return r.pick(size === 2 ? FREE16 : size === 4 ? FREE32 : FREE64);
  }

  src(size: Size): string {
    const r = this.r;
    if (size === 1) return r.pick(SRC8);
    return r.pick(size === 2 ? SRC16 : size === 4 ? SRC32 : SRC64);
  }

  /** A destination and a source register that can share one instruction (no AH with REX). */
  pair(size: Size): [string, string] {
    if (size === 1 && this.r.chance(0.2)) return [this.r.pick([...HIGH8, ...LEGACY8]), this.r.pick([...HIGH8, ...LEGACY8, 'bl', 'bh'])];
    let d = this.dst(size), s = this.src(size);
    if (size === 1 && HIGH8.includes(d)) d = this.r.pick(FREE8);
    if (size === 1 && HIGH8.includes(s)) s = this.r.pick(SRC8);
    return [d, s];
  }

  /** Two registers that can both be written by one instruction. */
  two(size: Size): [string, string] {
    if (size === 1 && this.r.chance(0.2)) return [this.r.pick([...HIGH8, ...LEGACY8]), this.r.pick([...HIGH8, ...LEGACY8])];
    const d = size === 1 ? this.r.pick(FREE8) : this.dst(size);
    const e = size === 1 ? this.r.pick(FREE8) : this.dst(size);
    return [d, e];
  }

  /** A source register for an instruction that also has a memory operand (no AH: r12/r14 need REX). */
  msrc(size: Size): string {
    return size === 1 ? this.r.pick(SRC8) : this.src(size);
  }

  /** A destination register for an instruction that also has a memory operand. */
  mdst(size: Size): string {
    return size === 1 ? this.r.pick(FREE8) : this.dst(size);
  }

  imm(size: Size): string {
    const r = this.r;
    const special = [0, 1, -1, 0x7f, -0x80, 0x7fff, -0x8000, 0x7fffffff, -0x80000000, 63, 64, 31, 32, 8, 16];
    let v: number;
    if (r.chance(0.4)) v = r.pick(special);
    else v = size === 1 ? r.int(256) - 128 : size === 2 ? r.int(65536) - 32768 : (r.int(0x100000000) | 0);
    if (size === 1) v = ((v << 24) >> 24);
    if (size === 2) v = ((v << 16) >> 16);
    return String(v);
  }

  imm8(): string {
    return String(this.r.chance(0.5) ? this.r.pick([0, 1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 127]) : this.r.int(256) - 128);
  }

  disp(): string {
    const r = this.r;
    const d = r.chance(0.7) ? r.int(256) - 128 : r.int(2048) - 1024;
    return d < 0 ? ` - ${-d}` : ` + ${d}`;
  }

  /** A memory operand; `kind` biases towards the faulting pointers. */
  mem(size: Size, allowFault = true): string {
    const r = this.r;
    const x = r.next();
    let m: string;
    if (allowFault && x < 0.03) m = `[r12${this.disp()}]`;
    else if (allowFault && x < 0.08) m = `[r14 + ${r.int(0xff0)}]`;
    else if (x < 0.2) m = `[rsp + ${r.int(16) * 8 - 64}]`;
    else if (x < 0.45) m = `[rbx + rsi*${r.pick([1, 2, 4, 8])}${this.disp()}]`;
    else m = `[rbx${this.disp()}]`;
    return `${PTR[size]} ${m}`;
  }

  size(): Size { return this.r.pick(SIZES); }
  size248(): Size { return this.r.pick([2, 4, 8] as const); }

  /** One snippet. */
  snippet(): string {
    const r = this.r;
    return r.pick(TEMPLATES)(this);
  }
}

type Template = (g: Gen) => string;

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

const TEMPLATES: Template[] = [
  // two-operand ALU, all forms
  (g) => { const s = g.size(); const [d, x] = g.pair(s); return `${g.r.pick(ALU)} ${d}, ${x}`; },
  (g) => { const s = g.size(); return `${g.r.pick(ALU)} ${g.dst(s)}, ${g.imm(s === 8 ? 4 : s)}`; },
  (g) => { const s = g.size(); return `${g.r.pick(ALU)} ${g.mem(s)}, ${g.msrc(s)}`; },
  (g) => { const s = g.size(); return `${g.r.pick(ALU)} ${g.mdst(s)}, ${g.mem(s)}`; },
  (g) => { const s = g.size(); return `${g.r.pick(ALU)} ${g.mem(s)}, ${g.imm(s === 8 ? 4 : s)}`; },
  (g) => { const s = g.size248(); return `${g.r.pick(ALU)} ${g.dst(s)}, ${g.imm(1)}`; },
  (g) => `${g.r.pick(ALU)} ${g.r.pick(['al', 'ax', 'eax', 'rax'])}, ${g.imm(1)}`,
  (g) => { const s = g.size(); return `lock ${g.r.pick(ALU.slice(0, 7))} ${g.mem(s)}, ${g.msrc(s)}`; },
  // TEST
  (g) => { const s = g.size(); const [d, x] = g.pair(s); return `test ${d}, ${x}`; },
  (g) => { const s = g.size(); return `test ${g.mem(s)}, ${g.imm(s === 8 ? 4 : s)}`; },
  (g) => { const s = g.size(); return `test ${g.dst(s)}, ${g.imm(s === 8 ? 4 : s)}`; },
  // unary
  (g) => { const s = g.size(); return `${g.r.pick(['inc', 'dec', 'not', 'neg'])} ${g.r.chance(0.5) ? g.dst(s) : g.mem(s)}`; },
  (g) => { const s = g.size(); return `lock ${g.r.pick(['inc', 'dec', 'not', 'neg'])} ${g.mem(s)}`; },
  // MUL IMUL DIV IDIV
  (g) => { const s = g.size(); return `${g.r.pick(['mul', 'imul', 'div', 'idiv'])} ${g.r.chance(0.5) ? (s === 1 && g.r.chance(0.2) ? g.r.pick(HIGH8) : g.msrc(s)) : g.mem(s)}`; },
  (g) => { const s = g.size248(); return `imul ${g.dst(s)}, ${g.r.chance(0.5) ? g.src(s) : g.mem(s)}`; },
  (g) => { const s = g.size248(); return `imul ${g.dst(s)}, ${g.r.chance(0.5) ? g.src(s) : g.mem(s)}, ${g.imm(g.r.chance(0.5) ? 1 : s === 8 ? 4 : s)}`; },
  // shifts and rotates
  (g) => { const s = g.size(); return `${g.r.pick(SHIFT)} ${g.r.chance(0.6) ? g.dst(s) : g.mem(s)}, ${g.r.pick(['1', 'cl', String(g.r.int(256))])}`; },
  (g) => { const s = g.size248(); const [d, x] = g.pair(s); return `${g.r.pick(['shld', 'shrd'])} ${g.r.chance(0.6) ? d : g.mem(s)}, ${x}, ${g.r.chance(0.5) ? 'cl' : String(g.r.int(256))}`; },
  // bit tests and scans
  (g) => { const s = g.size248(); return `${g.r.pick(['bt', 'bts', 'btr', 'btc'])} ${g.r.chance(0.5) ? g.dst(s) : g.mem(s)}, ${g.r.int(256)}`; },
  (g) => { const s = g.size248(); const [d, x] = g.pair(s); return `${g.r.pick(['bt', 'bts', 'btr', 'btc'])} ${d}, ${x}`; },
  (g) => { const s: Size = g.size248(); return `${g.r.pick(['bt', 'bts', 'btr', 'btc'])} ${g.mem(s)}, ${s === 2 ? 'si' : s === 4 ? 'esi' : 'rsi'}`; },
  (g) => { const s = g.size248(); return `${g.r.pick(['bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt'])} ${g.dst(s)}, ${g.r.chance(0.5) ? g.src(s) : g.mem(s)}`; },
  // data movement
  (g) => { const s = g.size(); const [d, x] = g.pair(s); return `mov ${d}, ${x}`; },
  (g) => { const s = g.size(); return `mov ${g.dst(s)}, ${g.imm(s === 8 ? 4 : s)}`; },
  (g) => `movabs ${g.r.pick(FREE64)}, ${BigInt.asIntN(64, BigInt(g.r.int(0x100000000)) << 32n | BigInt(g.r.int(0x100000000)))}`,
  (g) => { const s = g.size(); return `mov ${g.mem(s)}, ${g.msrc(s)}`; },
  (g) => { const s = g.size(); return `mov ${g.mdst(s)}, ${g.mem(s)}`; },
  (g) => { const s = g.size(); return `mov ${g.mem(s)}, ${g.imm(s === 8 ? 4 : s)}`; },
  (g) => { const s = g.size248(); const from: Size = g.r.pick<Size>(s === 2 ? [1] : [1, 2]); return `${g.r.pick(['movzx', 'movsx'])} ${g.dst(s)}, ${g.r.chance(0.5) ? g.src(from) : g.mem(from)}`; },
  (g) => `movsxd ${g.r.pick(FREE64)}, ${g.r.chance(0.5) ? g.src(4) : g.mem(4)}`,
  (g) => { const s = g.size248(); return `lea ${g.dst(s)}, ${g.mem(8, false).replace('qword ptr ', '')}`; },
  (g) => `lea ${g.r.pick(FREE64)}, [r12 + rsi*4 + ${g.r.int(100)}]`,
  (g) => { const [d, e] = g.two(g.size()); return `xchg ${d}, ${e}`; },
  (g) => { const s = g.size(); return `xchg ${g.mem(s, false)}, ${g.mdst(s)}`; },
  (g) => { const s = g.size248(); return `cmov${g.r.pick(CC)} ${g.dst(s)}, ${g.r.chance(0.5) ? g.src(s) : g.mem(s)}`; },
  (g) => `set${g.r.pick(CC)} ${g.r.chance(0.6) ? g.dst(1) : g.mem(1)}`,
  (g) => `bswap ${g.r.pick([...FREE32, ...FREE64])}`,
  (g) => g.r.pick(['cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo']),
  // stack
  (g) => `push ${g.r.pick([...SRC64, ...FREE16])}`,
  (g) => `push ${g.imm(g.r.pick([1, 4] as Size[]))}`,
  (g) => `push qword ptr [rbx${g.disp()}]`,
  (g) => `push word ptr [rbx${g.disp()}]`,
  (g) => `pop ${g.r.pick([...FREE64, ...FREE16])}`,
  (g) => `pop qword ptr [rbx${g.disp()}]`,
  (g) => `push ${g.r.pick(FREE64)}\npop ${g.r.pick(FREE64)}`,
  (g) => `pushfq\nand qword ptr [rsp], ${g.r.pick([0xcd5, 0xed5, 0x8d5, 0x4d5])}\npopfq`,
  (g) => `pushfq\npop ${g.r.pick(FREE64)}`,
  (g) => `push rbp\nmov rbp, rsp\nsub rsp, ${g.r.int(8) * 8}\nmov qword ptr [rbp - 8], ${g.r.pick(FREE64)}\nleave`,
  (g) => `enter ${g.r.int(8) * 8}, 0\nleave`,
  // atomics
  (g) => { const s = g.size(); return `${g.r.chance(0.5) ? 'lock ' : ''}cmpxchg ${g.mem(s)}, ${g.msrc(s)}`; },
  (g) => { const s = g.size(); const [d, x] = g.pair(s); return `cmpxchg ${d}, ${x}`; },
  (g) => { const s = g.size(); return `${g.r.chance(0.5) ? 'lock ' : ''}xadd ${g.mem(s)}, ${g.mdst(s)}`; },
  (g) => { const [d, e] = g.two(g.size()); return `xadd ${d}, ${e}`; },
  (g) => `${g.r.chance(0.5) ? 'lock ' : ''}cmpxchg${g.r.pick(['8b', '16b'])} ${g.r.pick(['qword', 'xmmword'])} ptr [rbx + ${g.r.int(64) * 16}]`.replace(/cmpxchg8b xmmword/, 'cmpxchg8b qword').replace(/cmpxchg16b qword/, 'cmpxchg16b xmmword'),
  // flags
  (g) => g.r.pick(['lahf', 'sahf', 'clc', 'stc', 'cmc', 'cld', 'std\ncld']),
  (g) => g.r.pick(['nop', 'xchg ax, ax', `nop dword ptr [rax + rax*1 + ${g.r.int(100)}]`, 'nop word ptr [rax]', 'pause']),
  // strings
  (g) => `lea rdi, [rbx + ${g.r.int(512)}]\nmov ecx, ${g.r.int(9)}\n${g.r.pick(['', 'std\n', 'cld\n'])}rep ${g.r.pick(['stosb', 'stosw', 'stosd', 'stosq'])}\ncld`,
  (g) => `push rsi\nlea rsi, [rbx + ${g.r.int(512)}]\nlea rdi, [rbx + ${g.r.int(512)}]\nmov ecx, ${g.r.int(9)}\n${g.r.pick(['', 'std\n'])}rep ${g.r.pick(['movsb', 'movsw', 'movsd', 'movsq'])}\ncld\npop rsi`,
  (g) => `push rsi\nlea rsi, [rbx + ${g.r.int(512)}]\nlea rdi, [rbx + ${g.r.int(512)}]\nmov ecx, ${g.r.int(9)}\n${g.r.pick(['repe', 'repne'])} ${g.r.pick(['cmpsb', 'cmpsw', 'cmpsd', 'cmpsq'])}\npop rsi`,
  (g) => `lea rdi, [rbx + ${g.r.int(512)}]\nmov ecx, ${g.r.int(9)}\n${g.r.pick(['repe', 'repne'])} ${g.r.pick(['scasb', 'scasw', 'scasd', 'scasq'])}`,
  (g) => `push rsi\nlea rsi, [rbx + ${g.r.int(512)}]\n${g.r.pick(['lodsb', 'lodsw', 'lodsd', 'lodsq'])}\npop rsi`,
  (g) => `lea rdi, [rbx + ${g.r.int(512)}]\n${g.r.pick(['stosb', 'stosw', 'stosd', 'stosq', 'scasb', 'scasq'])}`,
  // control flow inside the snippet
  (g) => `cmp ${g.r.pick(FREE32)}, ${g.r.pick(FREE32)}\nj${g.r.pick(CC)} 1f\nnot ${g.r.pick(FREE64)}\n1:`,
  (g) => `mov ecx, ${1 + g.r.int(4)}\n1: add ${g.r.pick(['eax', 'edx', 'r8d'])}, ecx\n${g.r.pick(['loop', 'loope', 'loopne'])} 1b`,
  (g) => `jrcxz 1f\nnot ${g.r.pick(['rax', 'rdx', 'r9'])}\n1:`,
  (g) => `lea rdx, [rip + 2]\njmp rdx\nnot rax`,
  (g) => `lea rdx, [rip + 5]\nmov qword ptr [rbx], rdx\njmp qword ptr [rbx]`,
  (g) => `lea rdx, [rip + 4]\ncall rdx\njmp 1f\n${g.r.pick(['ret', 'ret 0'])}\n1:`,
  (g) => `call 2f\njmp 1f\n2: add ${g.r.pick(FREE64)}, ${g.imm(1)}\nret\n1:`,
];

/** `count` snippets from `seed`. */
export function generateCorpus(seed: number, count: number): string[] {
  const g = new Gen(new Rng(seed));
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(g.snippet());
  return out;
}

/** The number of templates (for coverage reports). */
export const TEMPLATE_COUNT = TEMPLATES.length;
