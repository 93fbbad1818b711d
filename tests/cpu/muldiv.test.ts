// MUL, IMUL (one, two and three operands), DIV, IDIV, hand-checked; #DE on zero divisors and
// quotient overflow (a fault: nothing is written). After MUL/IMUL only CF and OF are defined.
import { describe, expect, it } from 'vitest';
import { reg, setReg } from '../helpers/test-machine.js';
import { RAX, RBX, RCX, RDX } from '../../emulator/cpu/state.js';
import { run, flags, expectFault, expectNoFault, write64, DATA, CF, OF } from './int-util.js';

const CO = CF | OF;

describe('MUL', () => {
  it('8 bits: AX = AL * r/m8', () => {
    const m = run('mov eax, 0xffff0080\nmov bl, 2\nmul bl');
    expect(reg(m, RAX)).toBe(0xffff0100n); // AH = 1: the high half is significant
    expect(flags(m, CO)).toBe(CO);
    const s = run('mov al, 0x10\nmov bl, 0x0f\nmul bl');
    expect(reg(s, RAX) & 0xffffn).toBe(0xf0n);
    expect(flags(s, CO)).toBe(0);
  });
  it('16 bits: DX:AX', () => {
    const m = run('mov ax, 0xffff\nmov bx, 0xffff\nmul bx', (m) => setReg(m, RDX, 0x1234_0000_5678_0000n));
    // 0xffff^2 = 0xfffe0001
    expect(reg(m, RAX) & 0xffffn).toBe(1n);
    expect(reg(m, RDX)).toBe(0x1234_0000_5678_fffen);
    expect(flags(m, CO)).toBe(CO);
  });
  it('32 bits: EDX:EAX, zero-extended', () => {
    const m = run('mov eax, 0xffffffff\nmov ecx, 0xffffffff\nmul ecx', (m) => setReg(m, RDX, -1n));
    // (2^32-1)^2 = 0xfffffffe_00000001
    expect(reg(m, RAX)).toBe(1n);
    expect(reg(m, RDX)).toBe(0xfffffffen);
    expect(flags(m, CO)).toBe(CO);
  });
  it('64 bits: RDX:RAX (mul r64)', () => {
    // (2^64-1)^2 = 2^128 - 2^65 + 1: RDX = 2^64 - 2, RAX = 1
    const a = run('mov rax, -1\nmov rcx, -1\nmul rcx');
    expect(reg(a, RAX)).toBe(1n);
    expect(reg(a, RDX)).toBe(0xfffffffffffffffen);
    expect(flags(a, CO)).toBe(CO);
    const b = run('mov rax, 0x100000000\nmov rcx, 0x100000000\nmul rcx');
    expect(reg(b, RAX)).toBe(0n);
    expect(reg(b, RDX)).toBe(1n);
    const c = run(`mov rax, 0x123456789\nmov rbx, ${DATA}\nmul qword ptr [rbx]`, (m) => write64(m, DATA, 0x10n));
    expect(reg(c, RAX)).toBe(0x1234567890n);
    expect(reg(c, RDX)).toBe(0n);
    expect(flags(c, CO)).toBe(0);
    // a product whose 32-bit cross terms carry into the high quadword (checked against BigInt)
    const d = run('mov rax, 0xdeadbeefcafebabe\nmov rcx, 0x0123456789abcdef\nmul rcx');
    expect((reg(d, RDX) << 64n) | reg(d, RAX)).toBe(0xdeadbeefcafebaben * 0x0123456789abcdefn);
  });
});

describe('IMUL one operand', () => {
  it('8 and 16 bits', () => {
    const a = run('mov al, -2\nmov bl, 3\nimul bl');
    expect(reg(a, RAX) & 0xffffn).toBe(0xfffan); // -6 fits in 8 bits
    expect(flags(a, CO)).toBe(0);
    const b = run('mov al, 0x40\nmov bl, 2\nimul bl');
    expect(reg(b, RAX) & 0xffffn).toBe(0x80n); // +128 does not fit in int8
    expect(flags(b, CO)).toBe(CO);
    const c = run('mov ax, -300\nmov bx, 300\nimul bx');
    // -90000 = 0xfffea070
    expect(reg(c, RAX) & 0xffffn).toBe(0xa070n);
    expect(reg(c, RDX) & 0xffffn).toBe(0xfffen);
    expect(flags(c, CO)).toBe(CO);
  });
  it('32 bits', () => {
    const a = run('mov eax, -1\nmov ecx, -1\nimul ecx');
    expect(reg(a, RAX)).toBe(1n);
    expect(reg(a, RDX)).toBe(0n);
    expect(flags(a, CO)).toBe(0);
    const b = run('mov eax, 0x80000000\nmov ecx, 2\nimul ecx');
    // -2^31 * 2 = -2^32: EDX:EAX = 0xffffffff_00000000
    expect(reg(b, RAX)).toBe(0n);
    expect(reg(b, RDX)).toBe(0xffffffffn);
    expect(flags(b, CO)).toBe(CO);
  });
  it('64 bits', () => {
    // -3 * 2^62 = -0xc000000000000000: RDX = -1, RAX = 2^64 - 0xc000000000000000 = 0x4000000000000000
    const a = run('mov rax, -3\nmov rcx, 0x4000000000000000\nimul rcx');
    expect(reg(a, RAX)).toBe(0x4000000000000000n);
    expect(reg(a, RDX)).toBe(0xffffffffffffffffn);
    expect(flags(a, CO)).toBe(CO);
    const b = run('mov rax, -5\nmov rcx, 7\nimul rcx');
    expect(reg(b, RAX)).toBe(0xffffffffffffffddn);
    expect(reg(b, RDX)).toBe(0xffffffffffffffffn);
    expect(flags(b, CO)).toBe(0);
    // both negative: (-2^63) * (-2^63) = 2^126: RDX = 2^62, RAX = 0
    const c = run('mov rax, 0x8000000000000000\nmov rcx, rax\nimul rcx');
    expect(reg(c, RAX)).toBe(0n);
    expect(reg(c, RDX)).toBe(0x4000000000000000n);
    expect(flags(c, CO)).toBe(CO);
  });
});

describe('IMUL r, r/m and r, r/m, imm', () => {
  it('two operands truncate and flag overflow', () => {
    const a = run('mov eax, 0x10000\nimul eax, eax', (m) => setReg(m, RAX, 0xffffffff00010000n));
    expect(reg(a, RAX)).toBe(0n); // 2^32 truncated; upper half cleared
    expect(flags(a, CO)).toBe(CO);
    const b = run('mov rax, 0x100000000\nimul rax, rax');
    expect(reg(b, RAX)).toBe(0n);
    expect(flags(b, CO)).toBe(CO);
    const c = run('mov rax, -0x80000000\nmov rcx, 2\nimul rax, rcx');
    expect(reg(c, RAX)).toBe(0xffffffff00000000n);
    expect(flags(c, CO)).toBe(0);
    const d = run(`mov rbx, ${DATA}\nmov ecx, 6\nimul ecx, dword ptr [rbx]`, (m) => m.mem.write32(DATA, -7));
    expect(reg(d, RCX)).toBe(0xffffffd6n); // -42
  });
  it('three operands with imm8 and imm32', () => {
    const a = run('mov ecx, 7\nimul eax, ecx, -3');
    expect(reg(a, RAX)).toBe(0xffffffebn);
    const b = run(`mov rbx, ${DATA}\nimul eax, dword ptr [rbx], 1000`, (m) => m.mem.write32(DATA, 123456));
    expect(reg(b, RAX)).toBe(123456000n);
    expect(flags(b, CO)).toBe(0);
    // 300 * 300 = 90000 = 0x15f90: truncated to 0x5f90 with overflow
    const c = run('mov ax, 300\nimul ax, ax, 300');
    expect(reg(c, RAX) & 0xffffn).toBe(0x5f90n);
    expect(flags(c, CO)).toBe(CO);
    const d = run('mov rax, 0x7fffffffffffffff\nimul rax, rax, -1');
    expect(reg(d, RAX)).toBe(0x8000000000000001n);
    expect(flags(d, CO)).toBe(0);
    const e = run('mov rcx, 0x8000000000000000\nimul rax, rcx, -1');
    expect(reg(e, RAX)).toBe(0x8000000000000000n); // +2^63 does not fit
    expect(flags(e, CO)).toBe(CO);
    const f = run('mov rcx, 0x123456789\nimul rax, rcx, 0x10000');
    expect(reg(f, RAX)).toBe(0x1234567890000n);
  });
  it('64 bits around the 2^53 and 2^63 boundaries of products (BigInt reference)', () => {
    const edges = [0n, 1n, -1n, 3n, -7n, (1n << 26n) + 3n, -(1n << 26n) - 5n, (1n << 52n) - 1n, -(1n << 52n),
      (1n << 53n) + 1n, -(1n << 53n) - 3n, 0x1fffff_ffffffffn, -0x200000_00000000n, 0x200000_00000001n,
      (1n << 62n) + 12345n, -(1n << 63n), 3037000499n, 3037000500n, -3037000500n, (1n << 32n) - 1n, 1n << 32n,
      BigInt.asIntN(64, 0x9e3779b97f4a7c15n), 0x123456789abcdefn, (1n << 31n) + 1n];
    for (const a of edges) {
      for (const b of edges) {
        const m = run('imul rax, rcx', (m) => { setReg(m, RAX, BigInt.asUintN(64, a)); setReg(m, RCX, BigInt.asUintN(64, b)); });
        const p = a * b;
        const low = BigInt.asIntN(64, p);
        expect(reg(m, RAX), `${a} * ${b}`).toBe(BigInt.asUintN(64, p));
        expect(flags(m, CO), `${a} * ${b}`).toBe(low === p ? 0 : CO);
      }
    }
  });
});

describe('DIV', () => {
  it('8, 16 and 32 bits', () => {
    const a = run('mov ax, 1000\nmov bl, 7\ndiv bl');
    expect(reg(a, RAX) & 0xffffn).toBe(0x068en); // 142 r 6
    const b = run('mov dx, 1\nmov ax, 0\nmov bx, 3\ndiv bx');
    expect(reg(b, RAX) & 0xffffn).toBe(0x5555n); // 65536 / 3 = 21845 r 1
    expect(reg(b, RDX) & 0xffffn).toBe(1n);
    const c = run('mov edx, 1\nmov eax, 0\nmov ecx, 0x10\ndiv ecx', (m) => setReg(m, RAX, -1n));
    expect(reg(c, RAX)).toBe(0x10000000n);
    expect(reg(c, RDX)).toBe(0n);
    const d = run('mov edx, 0x0fffffff\nmov eax, 0xffffffff\nmov ecx, 0x10000000\ndiv ecx');
    // 0x0fffffff_ffffffff / 2^28 = 0xffffffff r 0x0fffffff
    expect(reg(d, RAX)).toBe(0xffffffffn);
    expect(reg(d, RDX)).toBe(0x0fffffffn);
  });
  it('div r64 with RDX = 0 (the common unsigned long division)', () => {
    // 2^64 - 1 = 10 * 0x1999999999999999 + 5
    const m = run('xor edx, edx\nmov rax, -1\nmov rcx, 10\ndiv rcx');
    expect(reg(m, RAX)).toBe(0x1999999999999999n);
    expect(reg(m, RDX)).toBe(5n);
    const n = run('xor edx, edx\nmov rax, 0x123456789abcdef0\nmov rcx, 0x100000000\ndiv rcx');
    expect(reg(n, RAX)).toBe(0x12345678n);
    expect(reg(n, RDX)).toBe(0x9abcdef0n);
  });
  it('128 / 64 with large divisors (quotient from both halves of the dividend)', () => {
    // 2^64 / 2 = 2^63
    const a = run('mov edx, 1\nxor eax, eax\nmov rcx, 2\ndiv rcx');
    expect(reg(a, RAX)).toBe(0x8000000000000000n);
    expect(reg(a, RDX)).toBe(0n);
    // (2^64-1)(2^63+1) + 5 = 2^127 + 2^64 - 2^63 + 4: RDX = 0x8000000000000000, RAX = 0x8000000000000004
    const b = run('mov rdx, 0x8000000000000000\nmov rax, 0x8000000000000004\nmov rcx, 0x8000000000000001\ndiv rcx');
    expect(reg(b, RAX)).toBe(0xffffffffffffffffn);
    expect(reg(b, RDX)).toBe(5n);
    // 0x123456789 * (2^32 + 1) + 7 = 0x1_2345678a_23456790: a three-digit (48-bit) divisor
    const c = run('mov edx, 1\nmov rax, 0x2345678a23456790\nmov rcx, 0x100000001\ndiv rcx');
    expect(reg(c, RAX)).toBe(0x123456789n);
    expect(reg(c, RDX)).toBe(7n);
  });
  it('#DE on a zero divisor and on quotient overflow, registers untouched', () => {
    const z = run('mov eax, 5\nxor edx, edx\nxor ecx, ecx\ndiv rcx');
    expectFault(z, 0, 'mov eax, 5\nxor edx, edx\nxor ecx, ecx');
    expect(reg(z, RAX)).toBe(5n);
    const o8 = run('mov ax, 0x1000\nmov bl, 2\ndiv bl');
    expectFault(o8, 0, 'mov ax, 0x1000\nmov bl, 2');
    expect(reg(o8, RAX) & 0xffffn).toBe(0x1000n);
    const o32 = run('mov edx, 0x10\nmov eax, 0\nmov ecx, 0x10\ndiv ecx');
    expectFault(o32, 0, 'mov edx, 0x10\nmov eax, 0\nmov ecx, 0x10');
    const o64 = run('mov rdx, 5\nmov rax, 0\nmov rcx, 5\ndiv rcx');
    expectFault(o64, 0, 'mov rdx, 5\nmov rax, 0\nmov rcx, 5');
    expect(reg(o64, RDX)).toBe(5n);
    const ok = run('mov rdx, 4\nmov rax, 0\nmov rcx, 5\ndiv rcx');
    expectNoFault(ok);
    // 4 * 2^64 / 5 = 0xcccccccccccccccc r 4
    expect(reg(ok, RAX)).toBe(0xccccccccccccccccn);
    expect(reg(ok, RDX)).toBe(4n);
  });
});

describe('IDIV', () => {
  it('8 and 16 bits truncate toward zero; the remainder takes the dividend sign', () => {
    const a = run('mov ax, -703\nmov bl, 7\nidiv bl');
    expect(reg(a, RAX) & 0xffffn).toBe(0xfd9cn); // q = -100 (0x9c), r = -3 (0xfd)
    const b = run('mov dx, -1\nmov ax, -7\nmov bx, 2\nidiv bx');
    expect(reg(b, RAX) & 0xffffn).toBe(0xfffdn); // -3
    expect(reg(b, RDX) & 0xffffn).toBe(0xffffn); // -1
    const c = run('mov ax, -1000\nmov bl, 7\nidiv bl'); // -142 does not fit in int8
    expectFault(c, 0, 'mov ax, -1000\nmov bl, 7');
  });
  it('cdq; idiv r32', () => {
    const a = run('mov eax, -7\ncdq\nmov ecx, 2\nidiv ecx');
    expect(reg(a, RAX)).toBe(0xfffffffdn);
    expect(reg(a, RDX)).toBe(0xffffffffn);
    const b = run('mov eax, 100\ncdq\nmov ecx, -7\nidiv ecx');
    expect(reg(b, RAX)).toBe(0xfffffff2n); // -14
    expect(reg(b, RDX)).toBe(2n);
    const o = run('mov eax, 0x80000000\ncdq\nmov ecx, -1\nidiv ecx');
    expectFault(o, 0, 'mov eax, 0x80000000\ncdq\nmov ecx, -1');
    const m = run('mov eax, 0x80000000\ncdq\nmov ecx, 1\nidiv ecx');
    expect(reg(m, RAX)).toBe(0x80000000n);
  });
  it('cqo; idiv r64', () => {
    const a = run('mov rax, -100\ncqo\nmov rcx, 7\nidiv rcx');
    expect(reg(a, RAX)).toBe(0xfffffffffffffff2n); // -14
    expect(reg(a, RDX)).toBe(0xfffffffffffffffen); // -2
    const b = run('mov rax, 0x8000000000000000\ncqo\nmov rcx, 2\nidiv rcx');
    expect(reg(b, RAX)).toBe(0xc000000000000000n);
    expect(reg(b, RDX)).toBe(0n);
    const c = run('mov rax, 0x8000000000000000\ncqo\nmov rcx, 1\nidiv rcx');
    expect(reg(c, RAX)).toBe(0x8000000000000000n); // a quotient of -2^63 fits
    const o = run('mov rax, 0x8000000000000000\ncqo\nmov rcx, -1\nidiv rcx');
    expectFault(o, 0, 'mov rax, 0x8000000000000000\ncqo\nmov rcx, -1');
    // RDX:RAX = -2^64 / 4 = -2^62
    const d = run('mov rdx, -1\nxor eax, eax\nmov rcx, 4\nidiv rcx');
    expect(reg(d, RAX)).toBe(0xc000000000000000n);
    expect(reg(d, RDX)).toBe(0n);
    // -(2^64 + 3) / -2 = 2^63 + 1: does not fit in a positive int64
    const e = run('mov rdx, -2\nmov rax, -3\nmov rcx, -2\nidiv rcx');
    expectFault(e, 0, 'mov rdx, -2\nmov rax, -3\nmov rcx, -2');
    const f = run('mov rax, 1000\ncqo\nmov rbx, -1\nidiv rbx');
    expect(reg(f, RAX)).toBe(BigInt.asUintN(64, -1000n));
    expect(reg(f, RBX)).toBe(0xffffffffffffffffn);
  });
});
