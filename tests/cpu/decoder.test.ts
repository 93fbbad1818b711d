// The decoder on its own: lengths, operand and address sizes, ModRM/SIB/displacement forms, immediates,
// prefix rules (REX position, last segment override, LOCK validity, 15-byte limit) for the encodings
// the census lists. Lengths were checked against objdump for the same bytes.
import { describe, expect, it } from 'vitest';
import { decode } from '../../emulator/cpu/decoder.js';
import { CpuFault } from '../../emulator/cpu/faults.js';
import { SEG_FS, SEG_GS, SEG_SS, SEG_CS } from '../../emulator/cpu/state.js';
import '../../emulator/cpu/ops/index.js';

function dec(...bytes: number[]) {
  return decode((k) => {
    if (k >= bytes.length) throw new Error(`read past the end (${k})`);
    return bytes[k];
  });
}
function fault(...bytes: number[]): number {
  try { dec(...bytes); } catch (e) { if (e instanceof CpuFault) return e.vector; throw e; }
  return -1;
}

describe('decoder', () => {
  it('48 c7 c0 imm32 (sign-extended) vs 48 b8 imm64 (movabs)', () => {
    const a = dec(0x48, 0xc7, 0xc0, 0x00, 0x00, 0x00, 0x80);
    expect([a.len, a.osize, a.rm, a.imm, a.immHi]).toEqual([7, 8, 0, 0x80000000 | 0, -1]);
    const b = dec(0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8);
    expect([b.len, b.osize, b.imm, b.immHi]).toEqual([10, 8, 0x04030201, 0x08070605]);
    const c = dec(0x41, 0xb8, 0xff, 0xff, 0xff, 0xff); // mov r8d, imm32: zero-extended
    expect([c.len, c.osize, c.rm, c.immHi]).toEqual([6, 4, 8, 0]);
  });
  it('per-CPU access 65 48 8b 04 25 disp32: SIB without base or index', () => {
    const i = dec(0x65, 0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00);
    expect([i.len, i.seg, i.isMem, i.base, i.index, i.disp, i.reg, i.osize]).toEqual([9, SEG_GS, true, -1, -1, 0x10, 0, 8]);
    expect(i.stackRef).toBe(false);
  });
  it('[rax*8 - 0x7effdf70]: index with scale, no base, negative disp32', () => {
    const i = dec(0xff, 0x24, 0xc5, 0x90, 0x20, 0x00, 0x81); // jmp qword [rax*8 - 0x7effdf70]
    expect([i.len, i.base, i.index, i.scale, i.disp, i.osize]).toEqual([7, -1, 0, 8, -0x7effdf70, 8]);
  });
  it('RIP-relative and disp8 / disp32 forms', () => {
    const r = dec(0xf0, 0x48, 0x83, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01); // lock add qword [rip+0x10], 1
    expect([r.len, r.lock, r.base, r.disp, r.imm]).toEqual([9, true, 16, 0x10, 1]);
    const d8 = dec(0x48, 0x8f, 0x45, 0xc0); // pop qword [rbp-0x40]
    expect([d8.len, d8.base, d8.disp, d8.osize, d8.stackRef]).toEqual([4, 5, -0x40, 8, true]);
    const r13 = dec(0x41, 0x8b, 0x45, 0x00); // mov eax, [r13+0]: mod=1 required, not a stack reference
    expect([r13.len, r13.base, r13.stackRef]).toEqual([4, 13, false]);
    const sib = dec(0x8b, 0x44, 0x24, 0x08); // mov eax, [rsp+8]
    expect([sib.len, sib.base, sib.index, sib.stackRef]).toEqual([4, 4, -1, true]);
    const x = dec(0x42, 0x8b, 0x04, 0x20); // mov eax, [rax + r12]: REX.X makes index 12 usable
    expect([x.base, x.index]).toEqual([0, 12]);
    const r12 = dec(0x41, 0x8b, 0x04, 0x24); // mov eax, [r12]: SIB needed, base 12
    expect([r12.len, r12.base, r12.index, r12.stackRef]).toEqual([4, 12, -1, false]);
  });
  it('padding NOPs accept legacy prefixes', () => {
    expect(dec(0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00).len).toBe(10);
    expect(dec(0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00).len).toBe(6);
    expect(dec(0x66, 0x90).len).toBe(2);
    expect(dec(0x0f, 0x1f, 0x80, 0, 0, 0, 0).len).toBe(7);
  });
  it('66h selects 16 bits; REX.W wins over 66h; near branches and PUSH default to 64', () => {
    expect(dec(0x66, 0x81, 0x0b, 0x00, 0x80).osize).toBe(2); // or word [rbx], 0x8000 (imm16)
    expect(dec(0x66, 0x81, 0x0b, 0x00, 0x80).len).toBe(5);
    expect(dec(0x66, 0x48, 0x81, 0xc0, 1, 0, 0, 0).osize).toBe(8);
    expect(dec(0xff, 0xd0).osize).toBe(8); // call rax
    expect(dec(0xff, 0x30).osize).toBe(8); // push qword [rax]
    expect(dec(0x66, 0xff, 0x30).osize).toBe(2); // push word [rax]
    expect(dec(0x66, 0xc1, 0xc0, 0x08).osize).toBe(2); // rol ax, 8
    expect(dec(0x66, 0xc1, 0xc0, 0x08).len).toBe(4);
  });
  it('REX is ignored unless it immediately precedes the opcode', () => {
    const i = dec(0x48, 0x66, 0x89, 0xc8); // the REX.W before 66h is dropped: mov ax, cx
    expect([i.osize, i.rex]).toEqual([2, 0]);
    const j = dec(0x66, 0x48, 0x89, 0xc8);
    expect(j.osize).toBe(8);
  });
  it('the last segment override wins; SS makes memory operands stack references', () => {
    expect(dec(0x64, 0x65, 0x8b, 0x00).seg).toBe(SEG_GS);
    expect(dec(0x65, 0x64, 0x8b, 0x00).seg).toBe(SEG_FS);
    expect(dec(0x64, 0x2e, 0x8b, 0x00).seg).toBe(SEG_CS);
    const ss = dec(0x36, 0x8b, 0x00);
    expect([ss.seg, ss.stackRef]).toEqual([SEG_SS, true]);
    const fsRbp = dec(0x64, 0x8b, 0x45, 0x00); // fs:[rbp]: FS replaces SS
    expect(fsRbp.stackRef).toBe(false);
  });
  it('immediates: imm8 sign-extended, Iz 16/32, ENTER iw ib, shift imm8 unsigned', () => {
    const a = dec(0x83, 0xc0, 0xff); // add eax, -1
    expect([a.imm, a.immHi]).toEqual([-1, -1]);
    const e = dec(0xc8, 0x20, 0x01, 0x03); // enter 0x120, 3
    expect([e.len, e.imm, e.imm2]).toEqual([4, 0x120, 3]);
    const s = dec(0xc1, 0xe0, 0xff);
    expect(s.imm).toBe(0xff);
    const t = dec(0xf7, 0xc1, 1, 2, 3, 4); // test ecx, imm32 (F7 /0 has an immediate, /2 does not)
    expect(t.len).toBe(6);
    expect(dec(0xf7, 0xd1).len).toBe(2); // not ecx
    const bt = dec(0x0f, 0xba, 0xe0, 0x05); // bt eax, 5
    expect([bt.len, bt.imm]).toEqual([4, 5]);
    const m = dec(0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8); // movabs rax, [moffs64]
    expect([m.len, m.imm, m.immHi]).toEqual([10, 0x04030201, 0x08070605]);
    const m32 = dec(0x67, 0xa1, 1, 2, 3, 4); // 67h: moffs32
    expect(m32.len).toBe(6);
  });
  it('string, bit and atomic encodings', () => {
    const r = dec(0xf3, 0x48, 0xab); // rep stosq
    expect([r.len, r.rep, r.osize]).toEqual([3, 1, 8]);
    const tz = dec(0xf3, 0x48, 0x0f, 0xbc, 0xc7); // tzcnt rax, rdi
    expect([tz.len, tz.rep, tz.osize, tz.reg, tz.rm]).toEqual([5, 1, 8, 0, 7]);
    const cx = dec(0xf0, 0x0f, 0xb1, 0x0d, 0, 0, 0, 0); // lock cmpxchg [rip+0], ecx
    expect([cx.len, cx.lock, cx.base]).toEqual([8, true, 16]);
    const c16 = dec(0xf0, 0x48, 0x0f, 0xc7, 0x0e); // lock cmpxchg16b [rsi]
    expect([c16.len, c16.osize]).toEqual([5, 8]);
    const sh = dec(0x0f, 0xa4, 0xd8, 0x08); // shld eax, ebx, 8
    expect([sh.len, sh.imm, sh.reg, sh.rm]).toEqual([4, 8, 3, 0]);
  });
  it('LOCK is #UD except on read-modify-write forms with a memory destination', () => {
    expect(fault(0xf0, 0x01, 0xc0)).toBe(6); // lock add eax, eax
    expect(fault(0xf0, 0x39, 0x00)).toBe(6); // lock cmp [rax], eax
    expect(fault(0xf0, 0x83, 0x38, 0x01)).toBe(6); // lock cmp dword [rax], 1 (80-83 /7)
    expect(fault(0xf0, 0x8b, 0x00)).toBe(6); // lock mov
    expect(fault(0xf0, 0x0f, 0xa3, 0x00)).toBe(6); // lock bt (no write)
    expect(fault(0xf0, 0x0f, 0xba, 0x20, 0x01)).toBe(6); // lock bt [rax], 1
    expect(fault(0xf0, 0xf7, 0x20)).toBe(6); // lock mul
    expect(fault(0xf0, 0x90)).toBe(6);
    for (const ok of [[0xf0, 0x01, 0x00], [0xf0, 0x83, 0x00, 0x01], [0xf0, 0xff, 0x00], [0xf0, 0xf7, 0x18],
      [0xf0, 0x87, 0x00], [0xf0, 0x0f, 0xab, 0x00], [0xf0, 0x0f, 0xba, 0x28, 1], [0xf0, 0x0f, 0xc1, 0x00],
      [0xf0, 0x0f, 0xb0, 0x00], [0xf0, 0x0f, 0xc7, 0x08], [0xf0, 0x80, 0x30, 0x01]]) {
      expect(fault(...ok)).toBe(-1);
    }
  });
  it('undefined opcodes and group members are #UD; more than 15 bytes is #GP(0)', () => {
    expect(fault(0x06)).toBe(6); // push es: invalid in 64-bit mode
    expect(fault(0x82, 0xc0, 0x01)).toBe(6);
    expect(fault(0xc6, 0xc8, 0x01)).toBe(6); // C6 /1
    expect(fault(0x0f, 0xc7, 0x38)).toBe(6); // 0F C7 /7 m
    expect(fault(0x0f, 0xba, 0x00, 0x01)).toBe(6); // 0F BA /0
    expect(fault(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90)).toBe(13);
    expect(fault(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0)).toBe(13);
    expect(dec(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0).len).toBe(15);
  });
  it('high-byte registers: without REX, r/m 4-7 of a byte operation are AH CH DH BH', () => {
    const a = dec(0x86, 0xe0); // xchg al, ah
    expect([a.reg, a.rm, a.rex, a.osize]).toEqual([4, 0, 0, 1]);
    const b = dec(0x40, 0x88, 0xe0); // mov al, spl
    expect([b.reg, b.rex]).toEqual([4, 0x40]);
  });
});

