// ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT: results and flags, hand-checked.
// Flag reasoning: CF = unsigned carry/borrow out of the top bit, OF = signed overflow, AF = carry/borrow
// out of bit 3, PF = even number of set bits in the low byte, SF = top bit, ZF = zero result.
import { describe, expect, it } from 'vitest';
import { reg, setReg } from '../helpers/test-machine.js';
import { RAX, RBX, RCX, RDX, RSI } from '../../emulator/cpu/state.js';
import { run, flags, expectNoFault, expectFault, read64, write64, DATA, CF, PF, AF, ZF, SF, OF, DF } from './int-util.js';

describe('ADD / ADC', () => {
  // [name, code, initial RAX, result mask, expected RAX & mask, expected flags]
  const cases: [string, string, bigint, bigint, bigint, number][] = [
    // 0x7f + 1 = 0x80: positive + positive = negative (OF), low nibble f+1 carries (AF), one bit set (PF=0)
    ['add r8 signed overflow', 'mov al, 0x7f\nadd al, 1', 0n, 0xffn, 0x80n, OF | SF | AF],
    // 0xff + 1 wraps to 0: CF, ZF, AF, PF (zero set bits is even)
    ['add r8 carry', 'mov al, 0xff\nadd al, 1', 0n, 0xffn, 0n, CF | ZF | AF | PF],
    // 0x1234 + 0x4321 = 0x5555: 0x55 has 4 bits set (PF); 4+1 in the low nibble does not carry
    ['add r16', 'mov ax, 0x1234\nadd ax, 0x4321', 0n, 0xffffn, 0x5555n, PF],
    // a 32-bit result clears bits 63:32
    ['add r32 carry zero-extends', 'add eax, 1', 0xdeadbeefffffffffn, ~0n, 0n, CF | ZF | AF | PF],
    // 0x7fff...ff + 1: OF and SF; low byte 00 (PF); nibble f+1 (AF)
    ['add r64 overflow', 'mov rax, 0x7fffffffffffffff\nadd rax, 1', 0n, ~0n, 0x8000000000000000n, OF | SF | AF | PF],
    // 0x100 + 0xffff_ffff_ffff_ffff = 0xff with a carry out of bit 63 (CF); a^b^r = 0x..fe00 has bit 4
    // clear (AF=0); 0xff has 8 bits (PF)
    ['add r64 imm8 sign-extended', 'mov rax, 0x100\nadd rax, -1', 0n, ~0n, 0xffn, CF | PF],
    // 0xffffffff + 0 + CF: 0 with a carry out; a^b^r = 0xffffffff has bit 4 (AF)
    ['adc r32 with carry in', 'stc\nmov eax, 0xffffffff\nadc eax, 0', 0n, ~0n, 0n, CF | ZF | AF | PF],
    ['adc r64 with carry in', 'mov rax, -1\nxor ebx, ebx\nstc\nadc rax, rbx', 0n, ~0n, 0n, CF | ZF | AF | PF],
    ['adc without carry', 'clc\nmov eax, 1\nadc eax, 1', 0n, ~0n, 2n, 0],
    // AL + imm8 form (04 ib): 0x80 + 0x80 = 0x100: CF, OF (neg + neg = pos), ZF, PF
    ['add al, imm8', 'mov al, 0x80\nadd al, 0x80', 0n, 0xffn, 0n, CF | OF | ZF | PF],
  ];
  for (const [name, src, init, mask, want, f] of cases) {
    it(name, () => {
      const m = run(src, (m) => setReg(m, RAX, init));
      expect(reg(m, RAX) & BigInt.asUintN(64, mask)).toBe(want);
      expect(flags(m)).toBe(f);
    });
  }
  it('8- and 16-bit writes merge into the register', () => {
    const m = run('mov al, 0xff\nadd al, 1\nmov bx, 0xffff\nadd bx, 2', (m) => {
      setReg(m, RAX, 0x1122334455667788n); setReg(m, RBX, 0x1122334455667788n);
    });
    expect(reg(m, RAX)).toBe(0x1122334455667700n);
    expect(reg(m, RBX)).toBe(0x1122334455660001n);
  });
  it('high-byte registers without REX, SIL with REX', () => {
    // add ah, bh: 0x01 + 0x02; then mov sil, 5 (40 b6 05) must not touch DH
    const m = run('mov eax, 0x0100\nmov ebx, 0x0200\nadd ah, bh\nmov edx, 0x1200\nmov esi, 0\nmov sil, 5\nmov dh, 0x34');
    expect(reg(m, RAX)).toBe(0x0300n);
    expect(reg(m, RSI)).toBe(5n);
    expect(reg(m, RDX)).toBe(0x3400n);
  });
});

describe('SUB / SBB / CMP / NEG', () => {
  it('sub r16 signed overflow', () => {
    // 0x8000 - 1 = 0x7fff: negative - positive = positive (OF); nibble 0-1 borrows (AF); low byte ff (PF)
    const m = run('mov ax, 0x8000\nsub ax, 1');
    expect(reg(m, RAX) & 0xffffn).toBe(0x7fffn);
    expect(flags(m)).toBe(OF | AF | PF);
  });
  it('sub r32 borrow', () => {
    // 1 - 2 = 0xffffffff: CF (borrow), SF, AF (nibble 1-2 borrows), PF (0xff)
    const m = run('mov eax, 1\nsub eax, 2');
    expect(reg(m, RAX)).toBe(0xffffffffn);
    expect(flags(m)).toBe(CF | SF | AF | PF);
  });
  it('sub r64 from memory', () => {
    const m = run(`mov rbx, ${DATA}\nmov rax, 0x100000000\nsub rax, [rbx]`, (m) => write64(m, DATA, 1n));
    expect(reg(m, RAX)).toBe(0xffffffffn);
    // 0x1_00000000 - 1: no borrow out of bit 63, low nibble 0-1 borrows, PF of 0xff
    expect(flags(m)).toBe(AF | PF);
  });
  it('cmp sets flags only', () => {
    const m = run('mov ecx, 5\ncmp ecx, 5');
    expect(reg(m, RCX)).toBe(5n);
    expect(flags(m)).toBe(ZF | PF);
  });
  it('cmp r8 with high byte register (signed less)', () => {
    // cmp ch, cl with ch=0x80 (-128), cl=0x01: 0x80-0x01 = 0x7f: OF (neg - pos = pos), AF (0-1), no CF
    const m = run('mov ecx, 0x8001\ncmp ch, cl\nsetl al\nsetb bl', (m) => { setReg(m, RAX, 0n); setReg(m, RBX, 0n); });
    expect(flags(m)).toBe(OF | AF);
    expect(reg(m, RAX)).toBe(1n); // SF != OF
    expect(reg(m, RBX)).toBe(0n);
  });
  it('16-bit compare against memory (66 39)', () => {
    const m = run(`mov rbx, ${DATA}\nmov ax, 0x1234\ncmp word ptr [rbx], ax\nsete cl`, (m) => m.mem.write32(DATA, 0x5551234));
    expect(reg(m, RCX) & 0xffn).toBe(1n);
  });
  it('sbb with borrow in', () => {
    // 0 - 0 - 1 = 0xffffffff: CF, SF, AF, PF
    const m = run('stc\nmov eax, 0\nsbb eax, 0');
    expect(reg(m, RAX)).toBe(0xffffffffn);
    expect(flags(m)).toBe(CF | SF | AF | PF);
  });
  it('sbb eax, eax materialises CF as 0 / -1 and zero-extends', () => {
    const m1 = run('stc\nsbb eax, eax', (m) => setReg(m, RAX, 0x123456789n));
    expect(reg(m1, RAX)).toBe(0xffffffffn);
    // a == b with borrow in: CF stays 1; AF is bit 4 of a^b^r = r = 1
    expect(flags(m1)).toBe(CF | SF | AF | PF);
    const m0 = run('clc\nsbb eax, eax', (m) => setReg(m, RAX, 0x123456789n));
    expect(reg(m0, RAX)).toBe(0n);
    expect(flags(m0)).toBe(ZF | PF);
  });
  it('sbb r64 across the halves', () => {
    // 0x1_00000000 - 0 - 1 = 0xffffffff
    const m = run('mov rax, 0x100000000\nstc\nsbb rax, 0');
    expect(reg(m, RAX)).toBe(0xffffffffn);
    expect(flags(m)).toBe(AF | PF);
  });
  it('neg', () => {
    // 0 - 5 = 0xfffffffb: CF (non-zero operand), SF, AF (nibble 0-5 borrows); 0xfb has 7 bits (PF=0)
    const m = run('mov eax, 5\nneg eax');
    expect(reg(m, RAX)).toBe(0xfffffffbn);
    expect(flags(m)).toBe(CF | SF | AF);
    const z = run('xor eax, eax\nneg eax');
    expect(flags(z)).toBe(ZF | PF);
    // neg of -128 overflows back to -128
    const o = run('mov al, 0x80\nneg al');
    expect(reg(o, RAX) & 0xffn).toBe(0x80n);
    expect(flags(o)).toBe(CF | OF | SF);
    const q = run('mov rax, 1\nneg rax');
    expect(reg(q, RAX)).toBe(0xffffffffffffffffn);
    expect(flags(q)).toBe(CF | SF | AF | PF);
  });
});

describe('logic', () => {
  it('and / or / xor / test', () => {
    // 0xf0f0 & 0x0ff0 = 0x00f0: 4 bits in the low byte (PF), CF = OF = 0
    const a = run('stc\nmov eax, 0xf0f0\nand eax, 0x0ff0');
    expect(reg(a, RAX)).toBe(0xf0n);
    expect(flags(a)).toBe(PF);
    const x = run('xor eax, eax', (m) => setReg(m, RAX, 0xffffffffffffffffn));
    expect(reg(x, RAX)).toBe(0n);
    expect(flags(x)).toBe(ZF | PF);
    const o = run('xor eax, eax\nor rax, -1');
    expect(reg(o, RAX)).toBe(0xffffffffffffffffn);
    expect(flags(o)).toBe(SF | PF);
    const t = run('mov al, 0x80\ntest al, al');
    expect(flags(t)).toBe(SF);
    const t2 = run('mov rax, 0x100000000\ntest rax, rax\nsetnz bl', (m) => setReg(m, RBX, 0n));
    expect(reg(t2, RBX)).toBe(1n);
    expect(flags(t2)).toBe(PF); // low byte 0: even
    const t3 = run('mov eax, 3\ntest eax, 4');
    expect(flags(t3)).toBe(ZF | PF);
  });
  it('or word [m], imm (66h, 81 /1 iw)', () => {
    const m = run(`mov rbx, ${DATA}\nor word ptr [rbx], 0x8000`, (m) => m.mem.write32(DATA, 0x11110001));
    expect(m.mem.read32(DATA) >>> 0).toBe(0x11118001);
    expect(flags(m)).toBe(SF); // 0x8001: low byte 01 has one bit (PF=0)
  });
  it('not leaves flags alone', () => {
    const m = run('mov eax, 0\ncmp eax, 1\nnot eax');
    expect(reg(m, RAX)).toBe(0xffffffffn);
    expect(flags(m)).toBe(CF | SF | AF | PF); // from cmp 0, 1
    const q = run(`mov rbx, ${DATA}\nnot qword ptr [rbx]`, (m) => write64(m, DATA, 0x00ff00ff00ff00ffn));
    expect(read64(q, DATA)).toBe(0xff00ff00ff00ff00n);
  });
});

describe('INC / DEC', () => {
  it('preserve CF', () => {
    // 0x7fffffff + 1: OF, SF, AF; low byte 00 (PF); CF kept from stc
    const m = run('stc\nmov eax, 0x7fffffff\ninc eax');
    expect(reg(m, RAX)).toBe(0x80000000n);
    expect(flags(m)).toBe(CF | OF | SF | AF | PF);
    // 0 - 1 = 0xff: CF kept clear, SF, AF, PF
    const d = run('clc\nmov al, 0\ndec al');
    expect(reg(d, RAX) & 0xffn).toBe(0xffn);
    expect(flags(d)).toBe(SF | AF | PF);
    // 0x80 - 1 = 0x7f: OF, AF; 7 bits set (PF=0)
    const o = run('mov al, 0x80\ndec al');
    expect(flags(o)).toBe(OF | AF);
  });
  it('64-bit carries between the halves', () => {
    const m = run('mov rax, 0xffffffff\ninc rax\nmov rbx, 0x100000000\ndec rbx');
    expect(reg(m, RAX)).toBe(0x100000000n);
    expect(reg(m, RBX)).toBe(0xffffffffn);
  });
  it('inc/dec r/m forms: memory, GS-relative and locked', () => {
    const m = run(`
      mov rbx, ${DATA}
      inc dword ptr [rbx]
      dec word ptr [rbx + 8]
      inc qword ptr gs:[0x18]
      dec qword ptr gs:[0x20]
      lock inc dword ptr [rbx + 0x28]
      lock dec qword ptr [rbx + 0x30]
    `, (m) => {
      m.cpu.gsBaseLo = DATA + 0x1000;
      m.mem.write32(DATA, 0xffffffff);
      m.mem.write32(DATA + 8, 0x10000);
      write64(m, DATA + 0x1018, 0xffffffffn);
      write64(m, DATA + 0x1020, 0n);
      m.mem.write32(DATA + 0x28, 41);
      write64(m, DATA + 0x30, 0n);
    });
    expectNoFault(m);
    expect(m.mem.read32(DATA)).toBe(0);
    expect(m.mem.read32(DATA + 8) >>> 0).toBe(0x1ffff); // only the low word wraps to 0xffff
    expect(read64(m, DATA + 0x1018)).toBe(0x100000000n);
    expect(read64(m, DATA + 0x1020)).toBe(0xffffffffffffffffn);
    expect(m.mem.read32(DATA + 0x28)).toBe(42);
    expect(read64(m, DATA + 0x30)).toBe(0xffffffffffffffffn);
  });
});

describe('memory forms and addressing', () => {
  it('RIP-relative read-modify-write, locked', () => {
    const m = run(`
      lock add qword ptr [rip + v], 1
      lock or dword ptr [rip + w], 0x10
      mov rax, [rip + v]
      mov ebx, [rip + w]
      hlt
      .p2align 3
    v: .quad 0xffffffff
    w: .long 0x01
    `);
    expect(reg(m, RAX)).toBe(0x100000000n);
    expect(reg(m, RBX)).toBe(0x11n);
  });
  it('ALU with FS and GS overrides uses the segment base', () => {
    const m = run(`
      mov eax, 5
      add eax, dword ptr fs:[0x10]
      mov rcx, 0x20
      add qword ptr gs:[rcx + 8], rax
    `, (m) => {
      m.cpu.fsBaseLo = DATA; m.cpu.gsBaseLo = DATA + 0x800;
      m.mem.write32(DATA + 0x10, 37);
      write64(m, DATA + 0x828, 0x100n);
    });
    expect(reg(m, RAX)).toBe(42n);
    expect(read64(m, DATA + 0x828)).toBe(0x12an);
  });
  it('a 64-bit FS base above 4 GiB is added in full', () => {
    // fs base 0xffffffff_80000000 + disp 0x80300000 wraps to 0x300000 (64-bit addition)
    const m = run('mov eax, dword ptr fs:[0x80300000]', (m) => {
      m.cpu.fsBaseLo = 0x80000000 | 0; m.cpu.fsBaseHi = -1;
      m.mem.write32(DATA, 0x5a5a);
    });
    expectNoFault(m);
    expect(reg(m, RAX)).toBe(0x5a5an);
  });
  it('SIB with index*scale and negative displacement', () => {
    const m = run(`mov rbx, ${DATA + 0x100}\nmov rcx, 3\nmov eax, [rbx + rcx*4 - 0x10]`, (m) => m.mem.write32(DATA + 0xfc, 77));
    expect(reg(m, RAX)).toBe(77n);
  });
  it('67h address-size prefix truncates the address to 32 bits', () => {
    // ebx + ecx = 0x1_00300000 truncated to 0x00300000
    const m = run('mov rbx, 0x1ffffffff\nmov ecx, 0x300001\nmov eax, [ebx + ecx]', (m) => m.mem.write32(DATA, 0x99));
    expectNoFault(m);
    expect(reg(m, RAX)).toBe(0x99n);
  });
  it('a non-canonical data address raises #GP(0), an RSP-based one #SS(0)', () => {
    const g = run('mov rbx, 0x0000800000000000\nmov eax, [rbx]');
    expectFault(g, 13, 'mov rbx, 0x0000800000000000', 0n);
    const s = run('mov rbp, 0x0000800000000000\nmov eax, [rbp + 8]');
    expectFault(s, 12, 'mov rbp, 0x0000800000000000', 0n);
  });
  it('LOCK on a register destination or a non-lockable instruction is #UD', () => {
    const a = run('.byte 0xf0, 0x01, 0xc0'); // lock add eax, eax
    expectFault(a, 6, '');
    const b = run(`mov rbx, ${DATA}\n.byte 0xf0, 0x3b, 0x03`); // lock cmp eax, [rbx]
    expectFault(b, 6, `mov rbx, ${DATA}`);
    const c = run(`mov rbx, ${DATA}\n.byte 0xf0, 0x8b, 0x03`); // lock mov eax, [rbx]
    expectFault(c, 6, `mov rbx, ${DATA}`);
  });
  it('DF is not touched by arithmetic', () => {
    const m = run('std\nmov eax, 1\nadd eax, 1');
    expect(flags(m, DF)).toBe(DF);
  });
});
