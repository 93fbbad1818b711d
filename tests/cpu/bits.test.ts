// BT BTS BTR BTC (register and immediate offsets, memory beyond the operand), BSF BSR, TZCNT LZCNT
// POPCNT. BTx defines only CF (ZF is unaffected); BSF/BSR define only ZF; TZCNT/LZCNT define CF and ZF.
import { describe, expect, it } from 'vitest';
import { reg, setReg } from '../helpers/test-machine.js';
import { RAX, RCX } from '../../emulator/cpu/state.js';
import { run, flags, expectFault, read64, write64, DATA, CF, PF, AF, ZF, SF, OF } from './int-util.js';

describe('BT / BTS / BTR / BTC on registers', () => {
  it('bt with immediate and register offsets (taken modulo the operand size)', () => {
    const m = run(`
      xor ebx, ebx          # ZF = 1: BT must leave it alone
      mov eax, 0x10
      bt eax, 36            # 36 mod 32 = 4
      setc bl
      mov rdx, 0x8000000000000000
      mov ecx, 127          # 127 mod 64 = 63
      bt rdx, rcx
      setc bh
    `);
    expect(reg(m, 3)).toBe(0x0101n);
    expect(flags(m, CF | ZF)).toBe(CF | ZF);
  });
  it('bts / btr / btc write the bit and return the old one in CF', () => {
    const m = run('xor eax, eax\nbts eax, 31\nsetc cl\nbtr eax, 31\nbtc eax, 3\nbtc eax, 3\nbtc eax, 5', (m) => setReg(m, RCX, 0n));
    expect(reg(m, RAX)).toBe(0x20n);
    expect(reg(m, RCX)).toBe(0n);
    expect(flags(m, CF)).toBe(0);
    const w = run('mov rax, -1\nbts eax, 0'); // 32-bit destination: upper half cleared
    expect(reg(w, RAX)).toBe(0xffffffffn);
    expect(flags(w, CF)).toBe(CF);
    const q = run('xor eax, eax\nmov ecx, 40\nbts rax, rcx\nbtc rax, 63');
    expect(reg(q, RAX)).toBe(0x8000010000000000n);
  });
});

describe('BT family on memory', () => {
  const B = DATA + 0x100;
  it('a register offset beyond the operand addresses following memory', () => {
    // bit 100 of the dword string at B: dword index 100 >> 5 = 3 (B + 12), bit 100 & 31 = 4
    const m = run(`mov rbx, ${B}\nmov ecx, 100\nbts dword ptr [rbx], ecx\nsetc al`, (m) => m.mem.write32(B + 12, 0x10));
    expect(m.mem.read32(B + 12)).toBe(0x10);
    expect(reg(m, RAX) & 0xffn).toBe(1n);
    const n = run(`mov rbx, ${B}\nmov rcx, 1000\nbtc qword ptr [rbx], rcx`);
    // qword index 1000 >> 6 = 15 (B + 120), bit 1000 & 63 = 40
    expect(read64(n, B + 120)).toBe(1n << 40n);
  });
  it('negative offsets are signed: -1 is bit 63 of the qword below', () => {
    const m = run(`mov rbx, ${B}\nmov rcx, -1\nbt qword ptr [rbx], rcx\nsetc al`, (m) => write64(m, B - 8, 0x8000000000000000n));
    expect(reg(m, RAX) & 0xffn).toBe(1n);
    // -33: dword index -2 (B - 8), bit 31
    const d = run(`mov rbx, ${B}\nmov ecx, -33\nbtr dword ptr [rbx], ecx`, (m) => m.mem.write32(B - 8, -1));
    expect(d.mem.read32(B - 8) >>> 0).toBe(0x7fffffff);
    expect(flags(d, CF)).toBe(CF);
    // 16-bit offset -17: word index -2 (B - 4), bit 15
    const w = run(`mov rbx, ${B}\nmov cx, -17\nbts word ptr [rbx], cx`);
    expect(w.mem.read32(B - 4) >>> 0).toBe(0x8000);
    // a 32-bit offset register is sign-extended from 32 bits, not 64
    const s = run(`mov rbx, ${B}\nmov rcx, 0x1ffffffff\nbts dword ptr [rbx], ecx`);
    expect(s.mem.read32(B - 4) >>> 0).toBe(0x80000000);
  });
  it('an immediate offset stays within the operand', () => {
    const m = run(`mov rbx, ${B}\nbts qword ptr [rbx], 70\nbtr dword ptr [rbx + 8], 33`, (m) => m.mem.write32(B + 8, 0xff));
    expect(read64(m, B)).toBe(0x40n); // 70 mod 64 = 6
    expect(m.mem.read32(B + 8)).toBe(0xfd); // 33 mod 32 = 1
    expect(flags(m, CF)).toBe(CF);
  });
  it('lock bts [rip + d], r64 (the test-and-set of a global bitmap)', () => {
    const m = run(`
      mov eax, 65
      lock bts qword ptr [rip + map], rax
      setc bl
      lock bts qword ptr [rip + map], rax
      setc bh
      mov rcx, [rip + map + 8]
      hlt
      .p2align 3
    map: .quad 0, 0
    `, (m) => setReg(m, 3, 0n));
    expect(reg(m, RCX)).toBe(2n);
    expect(reg(m, 3)).toBe(0x0100n); // first: was clear; second: was set
  });
  it('lock on bt (no write) is #UD', () => {
    const m = run(`mov rbx, ${B}\n.byte 0xf0, 0x0f, 0xa3, 0x03`);
    expectFault(m, 6, `mov rbx, ${B}`);
  });
});

describe('BSF / BSR', () => {
  it('index of the lowest / highest set bit, ZF = 0', () => {
    const m = run(`
      mov eax, 0x00010001
      bsf ecx, eax
      bsr edx, eax
      mov rax, 0x0000000100000000
      bsf rsi, rax
      mov rax, 0x8000000000000001
      bsr rdi, rax
      mov ax, 0x8000
      bsf r8w, ax
    `, (m) => { m.cpu.regs[16] = 0x12340000; });
    expect([reg(m, RCX), reg(m, 2), reg(m, 6), reg(m, 7)]).toEqual([0n, 16n, 32n, 63n]);
    expect(m.cpu.regs[16]).toBe(0x1234000f);
    expect(flags(m, ZF)).toBe(0);
  });
  it('a zero source sets ZF and keeps the destination (32-bit: upper half cleared, as Intel does)', () => {
    const m = run('mov rcx, 0x123456789\nxor eax, eax\nbsf rcx, rax\nmov rdx, 0x123456789\nbsr edx, eax');
    expect(reg(m, RCX)).toBe(0x123456789n);
    expect(reg(m, 2)).toBe(0x23456789n);
    expect(flags(m, ZF)).toBe(ZF);
  });
  it('memory source', () => {
    const m = run(`mov rbx, ${DATA}\nbsf eax, dword ptr [rbx]\nbsr rcx, qword ptr [rbx]`, (m) => write64(m, DATA, 0x0400_0000_0000_0100n));
    expect(reg(m, RAX)).toBe(8n);
    expect(reg(m, RCX)).toBe(58n);
  });
});

describe('TZCNT / LZCNT / POPCNT', () => {
  it('tzcnt (F3 0F BC): count, CF on a zero source, ZF on a zero result', () => {
    const a = run('mov eax, 8\ntzcnt ecx, eax');
    expect(reg(a, RCX)).toBe(3n);
    expect(flags(a, CF | ZF)).toBe(0);
    const z = run('xor eax, eax\ntzcnt ecx, eax');
    expect(reg(z, RCX)).toBe(32n);
    expect(flags(z, CF | ZF)).toBe(CF);
    const o = run('mov eax, 1\ntzcnt ecx, eax');
    expect(reg(o, RCX)).toBe(0n);
    expect(flags(o, CF | ZF)).toBe(ZF);
    const q = run('xor eax, eax\ntzcnt rcx, rax\nmov rax, 0x8000000000000000\ntzcnt rdx, rax\nxor eax, eax\ntzcnt si, ax');
    expect(reg(q, RCX)).toBe(64n);
    expect(reg(q, 2)).toBe(63n);
    expect(reg(q, 6) & 0xffffn).toBe(16n);
    expect(flags(q, CF | ZF)).toBe(CF);
  });
  it('without BMI1 in CPUID, F3 0F BC executes as BSF', () => {
    const m = run('mov rcx, 77\nxor eax, eax\ntzcnt rcx, rax', (m) => { m.cpu.cpuid.bmi1 = false; });
    expect(reg(m, RCX)).toBe(77n); // BSF: zero source, destination kept
    expect(flags(m, ZF)).toBe(ZF);
    const n = run('mov eax, 8\ntzcnt rcx, rax', (m) => { m.cpu.cpuid.bmi1 = false; });
    expect(reg(n, RCX)).toBe(3n);
  });
  it('lzcnt (F3 0F BD)', () => {
    const m = run('mov eax, 1\nlzcnt ecx, eax\nmov eax, 1\nlzcnt rdx, rax\nmov ax, 1\nlzcnt si, ax\nmov eax, 0x80000000\nlzcnt edi, eax');
    expect([reg(m, RCX), reg(m, 2), reg(m, 6) & 0xffffn, reg(m, 7)]).toEqual([31n, 63n, 15n, 0n]);
    expect(flags(m, CF | ZF)).toBe(ZF);
    const z = run('xor eax, eax\nlzcnt rcx, rax');
    expect(reg(z, RCX)).toBe(64n);
    expect(flags(z, CF | ZF)).toBe(CF);
  });
  it('popcnt (F3 0F B8) clears OF SF AF CF PF and sets ZF for a zero source', () => {
    const m = run('mov eax, 1\ncmp eax, 2\nmov rax, 0xff00ff00ff00ff00\npopcnt rcx, rax');
    expect(reg(m, RCX)).toBe(32n);
    expect(flags(m)).toBe(0);
    const z = run('stc\nxor eax, eax\npopcnt ecx, eax');
    expect(reg(z, RCX)).toBe(0n);
    expect(flags(z)).toBe(ZF);
    const w = run('mov eax, 0x1ffff\npopcnt cx, ax');
    expect(reg(w, RCX) & 0xffffn).toBe(16n);
    const u = run('.byte 0x0f, 0xb8, 0xc8'); // 0F B8 without F3 (JMPE) is #UD
    expectFault(u, 6, '');
  });
});
void PF; void AF; void SF; void OF;
