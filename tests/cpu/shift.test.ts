// SHL/SAL SHR SAR ROL ROR RCL RCR and SHLD/SHRD, hand-checked. AF is undefined after shifts and OF is
// undefined unless the count is 1, so those are masked out where the SDM leaves them undefined.
import { describe, expect, it } from 'vitest';
import { reg, setReg } from '../helpers/test-machine.js';
import { RAX } from '../../emulator/cpu/state.js';
import { run, flags, read64, write64, DATA, CF, PF, AF, ZF, SF, OF } from './int-util.js';

const M1 = CF | PF | ZF | SF | OF; // defined after a count of 1
const MN = CF | PF | ZF | SF; // defined after other counts
const ROT = CF | OF;

// [name, code, RAX mask, expected RAX & mask, flag mask, expected flags]
type Case = [string, string, bigint, bigint, number, number];
function table(cases: Case[]): void {
  for (const [name, src, mask, want, fm, f] of cases) {
    it(name, () => {
      const m = run(src, (m) => setReg(m, RAX, 0n));
      expect(reg(m, RAX) & mask).toBe(want);
      expect(flags(m, fm)).toBe(f);
    });
  }
}
const B = 0xffn, W = 0xffffn, ALL = 0xffffffffffffffffn;

describe('SHL / SAL', () => {
  table([
    // 0x81 << 1 = 0x(1)02: bit 7 goes to CF; OF = MSB(result) 0 XOR CF 1
    ['shl r8 by 1', 'mov al, 0x81\nshl al, 1', B, 0x02n, M1, CF | OF],
    ['sal (D0 /4) r32 by 1', 'mov eax, 0x80000001\nsal eax, 1', ALL, 2n, M1, CF | OF],
    // 1 << 31: the last bit out is bit 1 of the source (0); low byte 0 (PF), SF
    ['shl r32 by 31', 'mov eax, 1\nshl eax, 31', ALL, 0x80000000n, MN, SF | PF],
    ['shl r64 by 63, CF from bit 1', 'mov rax, 3\nshl rax, 63', ALL, 0x8000000000000000n, MN, CF | SF | PF],
    // count 32 on a 64-bit operand moves the low half up; CF = bit 32 of the source = 0
    ['shl r64 by 32', 'mov rax, 0x80000001\nshl rax, 32', ALL, 0x8000000100000000n, MN, SF | PF],
    // CL = 33 is masked to 1 for 32 bits; 2 has one bit (PF=0); OF = 0 XOR 0
    ['count masked to 5 bits', 'mov eax, 1\nmov cl, 33\nshl eax, cl', ALL, 2n, M1, 0],
    ['count masked to 6 bits for 64', 'mov rax, 1\nmov cl, 65\nshl rax, cl', ALL, 2n, M1, 0],
    // a 16-bit shift by 16 empties the register: the last bit out is bit 0 (1)
    ['shl r16 by 16', 'mov ax, 0x8001\nmov cl, 16\nshl ax, cl', W, 0n, MN, CF | ZF | PF],
    // /6 is decoded as SHL by processors
    ['C1 /6 alias', 'mov eax, 3\n.byte 0xc1, 0xf0, 0x02', ALL, 12n, MN, PF],
  ]);
  it('count 0 changes no flag and still zero-extends a 32-bit register', () => {
    const m = run('mov eax, 1\ncmp eax, 2\nmov rax, -1\nmov ecx, 0\nshl eax, cl');
    // cmp 1, 2 flags survive (CF SF AF PF); the 32-bit write clears bits 63:32
    expect(flags(m)).toBe(CF | SF | AF | PF);
    expect(reg(m, RAX)).toBe(0xffffffffn);
  });
  it('memory and segment-relative forms', () => {
    const m = run(`mov rbx, ${DATA}\nshl qword ptr [rbx], 4\nmov cl, 3\nshl dword ptr gs:[8], cl`, (m) => {
      write64(m, DATA, 0x0f00000000000001n);
      m.cpu.gsBaseLo = DATA;
      m.mem.write32(DATA + 8, 0x20000001);
    });
    expect(read64(m, DATA)).toBe(0xf000000000000010n);
    expect(m.mem.read32(DATA + 8)).toBe(8); // 0x20000001 << 3 = 0x1_00000008
    expect(flags(m, MN)).toBe(CF); // the last bit out was bit 29 (1); 8 has one bit
  });
});

describe('SHR / SAR', () => {
  table([
    // OF for a count of 1 is the original MSB
    ['shr r8 by 1', 'mov al, 0x81\nshr al, 1', B, 0x40n, M1, CF | OF],
    ['shr r32 by 31', 'mov eax, 0x80000000\nshr eax, 31', ALL, 1n, MN, 0],
    ['shr r64 by 1', 'mov rax, 0x8000000000000001\nshr rax, 1', ALL, 0x4000000000000000n, M1, CF | OF | PF],
    // CF = bit 32 of 0x3_00000000
    ['shr r64 by 33', 'mov rax, 0x300000000\nshr rax, 33', ALL, 1n, MN, CF],
    ['shr r8 by 9 empties it', 'mov al, 0xff\nmov cl, 9\nshr al, cl', B, 0n, ZF | PF | SF, ZF | PF],
    // SAR keeps the sign: 0x81 >> 1 = 0xc0 (two bits: PF); OF = 0
    ['sar r8 by 1', 'mov al, 0x81\nsar al, 1', B, 0xc0n, M1, CF | SF | PF],
    ['sar r32 by 31', 'mov eax, 0x80000000\nsar eax, 31', ALL, 0xffffffffn, MN, SF | PF],
    ['sar r64 by 63', 'mov rax, 0x8000000000000000\nsar rax, 63', ALL, ALL, MN, SF | PF],
    // a count beyond the size fills with the sign, and CF is the sign (the last bit shifted out)
    ['sar r8 by 20', 'mov al, 0x80\nmov cl, 20\nsar al, cl', B, 0xffn, MN, CF | SF | PF],
    ['sar r16 by 4', 'mov ax, 0x8008\nsar ax, 4', W, 0xf800n, MN, CF | SF | PF],
    ['sar positive r64 by 4', 'mov rax, 0x7000000000000010\nsar rax, 4', ALL, 0x0700000000000001n, MN, 0],
  ]);
  it('shr word [m], 1 and sar r/m64 by CL', () => {
    const m = run(`mov rbx, ${DATA}\nshr word ptr [rbx], 1\nmov cl, 36\nsar qword ptr [rbx + 8], cl`, (m) => {
      m.mem.write32(DATA, 0x12348001);
      write64(m, DATA + 8, 0x8000001000000000n);
    });
    expect(m.mem.read32(DATA) >>> 0).toBe(0x12344000);
    expect(read64(m, DATA + 8)).toBe(0xfffffffff8000001n);
    expect(flags(m, MN)).toBe(SF); // bit 35 of the source (0) went out last; 0x01 has one bit
  });
});

describe('ROL / ROR / RCL / RCR', () => {
  table([
    // rotates keep SF ZF PF (here ZF and PF from xor ecx, ecx): only CF and OF change
    ['rol r8 by 1', 'xor ecx, ecx\nmov al, 0x81\nrol al, 1', B, 0x03n, M1, ZF | PF | CF | OF],
    // ror 0x81 by 1 = 0xc0: CF = new MSB (1); OF = MSB XOR bit 6 = 0
    ['ror r8 by 1', 'xor ecx, ecx\nmov al, 0x81\nror al, 1', B, 0xc0n, M1, ZF | PF | CF],
    ['rol ax, 8 (66 C1 /0)', 'mov eax, 0x1234\nrol ax, 8', ALL, 0x3412n, CF, 0],
    ['rol r32 by 4', 'mov eax, 0x12345678\nrol eax, 4', ALL, 0x23456781n, CF, CF],
    ['rol r64 by 1', 'mov rax, 0x8000000000000000\nrol rax, 1', ALL, 1n, ROT, CF | OF],
    ['ror r64 by 4', 'mov rax, 0x123456789abcdef0\nror rax, 4', ALL, 0x0123456789abcdefn, CF, 0],
    ['ror r64 by 36', 'mov rax, 0x123456789abcdef0\nmov cl, 36\nror rax, cl', ALL, 0x89abcdef01234567n, CF, CF],
    // rol al, 8: the masked count is 8, so CF is still set from the result's LSB although nothing moves
    ['rol r8 by 8 sets CF', 'clc\nmov al, 0x81\nrol al, 8', B, 0x81n, CF, CF],
    // rcl 0x80 by 1 with CF=1: 0x01, CF = old MSB 1; OF = MSB(result) 0 XOR CF 1
    ['rcl r8 by 1', 'stc\nmov al, 0x80\nrcl al, 1', B, 0x01n, ROT, CF | OF],
    // rcl 0x81 by 2 with CF=1: (1,0x81) -> (1,0x03) -> (0,0x07)
    ['rcl r8 by 2', 'stc\nmov al, 0x81\nrcl al, 2', B, 0x07n, CF, 0],
    // 8-bit RCL rotates 9 bits: a count of 9 is a full turn
    ['rcl r8 by 9', 'clc\nmov al, 0x81\nmov cl, 9\nrcl al, cl', B, 0x81n, CF, 0],
    // rcr 0x01 by 1 with CF=0: 0x00, CF=1; OF = old MSB 0 XOR old CF 0
    ['rcr r8 by 1', 'clc\nmov al, 1\nrcr al, 1', B, 0n, ROT, CF],
    ['rcr r8 by 1 with carry in', 'stc\nmov al, 0\nrcr al, 1', B, 0x80n, ROT, OF],
    ['rcl r64 by 1', 'stc\nmov rax, 0x8000000000000000\nrcl rax, 1', ALL, 1n, ROT, CF | OF],
    // (CF=0, 1) -> (1, 0) -> (0, 0x8000000000000000)
    ['rcr r64 by 2', 'clc\nmov rax, 1\nrcr rax, 2', ALL, 0x8000000000000000n, CF, 0],
    ['rcr r32 by 1 zero-extends', 'mov rax, -1\nstc\nmov eax, 0\nrcr eax, 1', ALL, 0x80000000n, CF, 0],
    // 16-bit RCL rotates 17 bits: 0x8000 by 17 comes back unchanged with CF unchanged
    ['rcl r16 by 17', 'stc\nmov ax, 0x8000\nmov cl, 17\nrcl ax, cl', W, 0x8000n, CF, CF],
  ]);
  it('rol on memory', () => {
    const m = run(`mov rbx, ${DATA}\nrol dword ptr [rbx], 8\nror byte ptr [rbx + 4], 1`, (m) => {
      m.mem.write32(DATA, 0x11223344); m.mem.write32(DATA + 4, 0x01);
    });
    expect(m.mem.read32(DATA) >>> 0).toBe(0x22334411);
    expect(m.mem.read32(DATA + 4)).toBe(0x80);
  });
});

describe('SHLD / SHRD', () => {
  table([
    // (0x12345678 << 8) | (0x9abcdef0 >> 24) = 0x3456789a; CF = bit 24 of 0x12345678 = 0; 0x9a: 4 bits
    ['shld r32, imm8', 'mov eax, 0x12345678\nmov ebx, 0x9abcdef0\nshld eax, ebx, 8', ALL, 0x3456789an, MN, PF],
    // (0x12345678 >> 8) | (0x9abcdef0 << 24) = 0xf0123456; CF = bit 7 of 0x78 = 0; 0x56: 4 bits
    ['shrd r32, imm8', 'mov eax, 0x12345678\nmov ebx, 0x9abcdef0\nshrd eax, ebx, 8', ALL, 0xf0123456n, MN, SF | PF],
    ['shld r64, imm8', 'mov rax, 0x0123456789abcdef\nmov rdx, 0xfedcba9876543210\nshld rax, rdx, 4', ALL, 0x123456789abcdeffn, MN, PF],
    // shrd by CL=4: CF = bit 3 of 0x...ef (1); 0xde has 6 bits
    ['shrd r64, cl', 'mov rax, 0x0123456789abcdef\nmov rdx, 0xfedcba9876543210\nmov cl, 4\nshrd rax, rdx, cl', ALL, 0x00123456789abcden, MN, CF | PF],
    ['shld r64 by 40 crosses the halves', 'mov rax, 0x00000000000000ff\nmov rdx, 0xaabbccddeeff0011\nshld rax, rdx, 40', ALL, 0x0000ffaabbccddeen, MN, PF],
    // 0x1234:0x5678 << 4 -> 0x2345; CF = bit 12 of 0x1234 = 1; 0x45 has 3 bits
    ['shld r16, imm8', 'mov ax, 0x1234\nmov bx, 0x5678\nshld ax, bx, 4', W, 0x2345n, MN, CF],
    ['shrd r16, imm8', 'mov ax, 0x1234\nmov bx, 0x5678\nshrd ax, bx, 4', W, 0x8123n, MN, SF],
    // count 1: 0x40000000 -> 0x80000000 changes the sign (OF)
    ['shld count 1 sets OF on a sign change', 'mov eax, 0x40000000\nxor ebx, ebx\nshld eax, ebx, 1', ALL, 0x80000000n, M1, OF | SF | PF],
    ['shrd count 1 carries bit 0', 'mov eax, 3\nmov ebx, 1\nshrd eax, ebx, 1', ALL, 0x80000001n, M1, CF | OF | SF],
  ]);
  it('count 0 leaves operand and flags unchanged; memory destination', () => {
    const m = run(`mov eax, 1\ncmp eax, 2\nmov rbx, ${DATA}\nmov ecx, 0x80000000\nshld dword ptr [rbx], ecx, 0`,
      (m) => m.mem.write32(DATA, 0x11));
    expect(m.mem.read32(DATA)).toBe(0x11);
    expect(flags(m)).toBe(CF | SF | AF | PF);
    const n = run(`mov rbx, ${DATA}\nmov ecx, 0x80000000\nshld dword ptr [rbx], ecx, 1`, (m) => m.mem.write32(DATA, 0x11));
    expect(n.mem.read32(DATA)).toBe(0x23);
  });
});

