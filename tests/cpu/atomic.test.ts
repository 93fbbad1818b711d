// XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B (with and without LOCK): results, flags and the write-back of
// the destination when the comparison fails.
import { describe, expect, it } from 'vitest';
import { reg, setReg } from '../helpers/test-machine.js';
import { RAX, RBX, RCX, RDX } from '../../emulator/cpu/state.js';
import { PT_P } from '../../emulator/loader/page-table-builder.js';
import { run, flags, expectFault, expectNoFault, read64, write64, DATA, CF, PF, AF, ZF, SF } from './int-util.js';

describe('XADD', () => {
  it('register forms, flags as ADD', () => {
    const m = run('mov eax, 5\nmov ecx, 3\nxadd eax, ecx');
    expect(reg(m, RAX)).toBe(8n);
    expect(reg(m, RCX)).toBe(5n);
    expect(flags(m)).toBe(0); // 8 has one bit (PF=0); 5+3 carries out of bit 2, not bit 3
    const s = run('mov eax, 3\nxadd eax, eax'); // SRC = DEST = 3; DEST = 6 is written last
    expect(reg(s, RAX)).toBe(6n);
    const b = run('mov eax, 0x0201\nxadd al, ah');
    expect(reg(b, RAX)).toBe(0x0103n);
  });
  it('lock xadd on memory (the atomic_add_return shape)', () => {
    const m = run(`mov rbx, ${DATA}\nmov ecx, 1\nlock xadd dword ptr [rbx], ecx`, (m) => m.mem.write32(DATA, -1));
    expect(m.mem.read32(DATA)).toBe(0);
    expect(reg(m, RCX)).toBe(0xffffffffn);
    expect(flags(m)).toBe(CF | ZF | AF | PF);
    const q = run(`
      mov rax, 0x100000000
      lock xadd qword ptr [rip + v], rax
      mov rdx, [rip + v]
      hlt
      .p2align 3
    v: .quad 0xffffffff
    `);
    expect(reg(q, RAX)).toBe(0xffffffffn);
    expect(reg(q, RDX)).toBe(0x1ffffffffn);
  });
});

describe('CMPXCHG', () => {
  it('equal: stores the source, ZF = 1', () => {
    const m = run(`mov rbx, ${DATA}\nmov eax, 5\nmov ecx, 9\nlock cmpxchg dword ptr [rbx], ecx`, (m) => m.mem.write32(DATA, 5));
    expect(m.mem.read32(DATA)).toBe(9);
    expect(reg(m, RAX)).toBe(5n);
    expect(flags(m)).toBe(ZF | PF);
  });
  it('different: loads the accumulator, flags of CMP acc, dest', () => {
    const m = run(`mov rbx, ${DATA}\nmov eax, 5\nmov ecx, 9\nlock cmpxchg dword ptr [rbx], ecx`, (m) => m.mem.write32(DATA, 7));
    expect(m.mem.read32(DATA)).toBe(7);
    expect(reg(m, RAX)).toBe(7n);
    // 5 - 7 = 0xfffffffe: borrow, negative, nibble borrow; 0xfe has 7 bits (PF=0)
    expect(flags(m)).toBe(CF | SF | AF);
  });
  it('lock cmpxchg [rip + d], r32 spin-lock acquire', () => {
    const m = run(`
      xor eax, eax
      mov ecx, 1
      lock cmpxchg dword ptr [rip + lock], ecx
      setz bl
      xor eax, eax
      lock cmpxchg dword ptr [rip + lock], ecx
      setz bh
      mov edx, [rip + lock]
      hlt
      .p2align 2
    lock: .long 0
    `, (m) => setReg(m, RBX, 0n));
    expect(reg(m, RBX)).toBe(0x0001n); // first acquires, second finds it taken
    expect(reg(m, RAX)).toBe(1n);
    expect(reg(m, RDX)).toBe(1n);
  });
  it('64- and 8-bit forms', () => {
    const m = run(`
      mov rbx, ${DATA}
      mov rax, 0x1122334455667788
      mov rcx, -1
      cmpxchg qword ptr [rbx], rcx
      mov al, 0x10
      mov cl, 0x20
      cmpxchg byte ptr [rbx + 8], cl
    `, (m) => { write64(m, DATA, 0x1122334455667788n); m.mem.write32(DATA + 8, 0x10); });
    expect(read64(m, DATA)).toBe(0xffffffffffffffffn);
    expect(m.mem.read32(DATA + 8)).toBe(0x20);
    expect(flags(m, ZF)).toBe(ZF);
  });
  it('register destination: written back either way (32-bit zero-extends)', () => {
    const m = run('mov rdx, 0x100000007\nmov eax, 5\nmov ecx, 9\ncmpxchg edx, ecx');
    expect(reg(m, RAX)).toBe(7n);
    expect(reg(m, RDX)).toBe(7n);
    const e = run('mov rdx, 0x100000005\nmov rax, 0x200000005\nmov ecx, 9\ncmpxchg edx, ecx');
    expect(reg(e, RDX)).toBe(9n);
    expect(reg(e, RAX)).toBe(0x200000005n); // equal: the accumulator is not written
  });
  it('a failing compare still writes: a read-only destination faults with #PF(W)', () => {
    // map linear 0x40000000 read-only onto the data page
    const m = run('mov rbx, 0x40000000\nmov eax, 5\nmov ecx, 9\nlock cmpxchg dword ptr [rbx], ecx', (m) => {
      m.pt.map(0x40000000n, DATA, 1, PT_P);
      m.mem.write32(DATA, 7);
    });
    // error code: P (present) | W (write)
    expectFault(m, 14, 'mov rbx, 0x40000000\nmov eax, 5\nmov ecx, 9', 3n);
    expect(reg(m, RAX)).toBe(5n); // nothing was written
    const r = run('mov rbx, 0x40000000\nmov eax, [rbx]', (m) => { m.pt.map(0x40000000n, DATA, 1, PT_P); m.mem.write32(DATA, 7); });
    expectNoFault(r);
    expect(reg(r, RAX)).toBe(7n);
  });
});

describe('CMPXCHG8B / CMPXCHG16B', () => {
  it('cmpxchg8b equal and different; only ZF changes', () => {
    const m = run(`
      mov rsi, ${DATA}
      mov edx, 0x11111111
      mov eax, 0x22222222
      mov ecx, 0x33333333
      mov ebx, 0x44444444
      stc
      lock cmpxchg8b qword ptr [rsi]
    `, (m) => write64(m, DATA, 0x1111111122222222n));
    expect(read64(m, DATA)).toBe(0x3333333344444444n);
    expect(flags(m, ZF | CF)).toBe(ZF | CF);
    const d = run(`
      mov rsi, ${DATA}
      mov rdx, -1
      mov rax, -1
      lock cmpxchg8b qword ptr [rsi]
    `, (m) => write64(m, DATA, 0xaaaaaaaabbbbbbbbn));
    expect(reg(d, RAX)).toBe(0xbbbbbbbbn); // EDX:EAX loaded, upper halves cleared
    expect(reg(d, RDX)).toBe(0xaaaaaaaan);
    expect(read64(d, DATA)).toBe(0xaaaaaaaabbbbbbbbn);
    expect(flags(d, ZF)).toBe(0);
  });
  it('cmpxchg16b on an aligned operand', () => {
    const m = run(`
      mov rsi, ${DATA}
      mov rdx, 0x1111111111111111
      mov rax, 0x2222222222222222
      mov rcx, 0x3333333333333333
      mov rbx, 0x4444444444444444
      lock cmpxchg16b xmmword ptr [rsi]
    `, (m) => { write64(m, DATA, 0x2222222222222222n); write64(m, DATA + 8, 0x1111111111111111n); });
    expect(read64(m, DATA)).toBe(0x4444444444444444n);
    expect(read64(m, DATA + 8)).toBe(0x3333333333333333n);
    expect(flags(m, ZF)).toBe(ZF);
    const d = run(`mov rsi, ${DATA}\nxor eax, eax\nxor edx, edx\ncmpxchg16b xmmword ptr [rsi]`,
      (m) => { write64(m, DATA, 5n); write64(m, DATA + 8, 6n); });
    expect(reg(d, RAX)).toBe(5n);
    expect(reg(d, RDX)).toBe(6n);
    expect(flags(d, ZF)).toBe(0);
  });
  it('cmpxchg16b on a misaligned operand is #GP(0); the register form is #UD', () => {
    const g = run(`mov rsi, ${DATA + 8}\nlock cmpxchg16b xmmword ptr [rsi]`);
    expectFault(g, 13, `mov rsi, ${DATA + 8}`, 0n);
    const u = run('.byte 0x0f, 0xc7, 0xc8');
    expectFault(u, 6, '');
  });
});
