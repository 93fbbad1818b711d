// Control transfer: Jcc (rel8/rel32), JMP, CALL/RET (relative, indirect, RET imm16), LOOP family,
// JRCXZ, and the kernel-style switch-table jump through a negative disp32 absolute address.
import { describe, expect, it } from 'vitest';
import { reg, setReg, STACK_TOP, CODE_BASE } from '../helpers/test-machine.js';
import { RAX, RBX, RCX, RSP } from '../../emulator/cpu/state.js';
import { PT_P, PT_RW } from '../../emulator/loader/page-table-builder.js';
import { run, expectFault } from './int-util.js';

describe('Jcc', () => {
  // [flags-setting code, condition suffixes taken]
  const scenarios: [string, string, string[]][] = [
    // 1 - 2: CF=1 ZF=0 SF=1 OF=0 PF=1
    ['unsigned/signed less', 'mov eax, 1\ncmp eax, 2', ['no', 'b', 'ne', 'be', 's', 'p', 'l', 'le']],
    // 5 - 5: CF=0 ZF=1 SF=0 OF=0 PF=1
    ['equal', 'mov eax, 5\ncmp eax, 5', ['no', 'ae', 'e', 'be', 'ns', 'p', 'ge', 'le']],
    // 0x80000000 - 1 = 0x7fffffff: CF=0 ZF=0 SF=0 OF=1 PF=1 (0xff)
    ['signed overflow', 'mov eax, 0x80000000\ncmp eax, 1', ['o', 'ae', 'ne', 'a', 'ns', 'p', 'l', 'le']],
    // 3 - 1 = 2: CF=0 ZF=0 SF=0 OF=0 PF=0 (one bit)
    ['greater', 'mov eax, 3\ncmp eax, 1', ['no', 'ae', 'ne', 'a', 'ns', 'np', 'ge', 'g']],
  ];
  const all = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
  for (const [name, setup, taken] of scenarios) {
    it(`${name}: rel8 and rel32 forms agree with the flags`, () => {
      // each condition sets bit k of ebx when its jump is taken; rel32 via a far label
      // LEA marks the taken conditions without touching the flags
      const body = all.map((cc, k) => `j${cc} 1f\njmp 2f\n1: lea ebx, [rbx + ${1 << k}]\n2:`).join('\n');
      const far = all.map((cc, k) => `j${cc} near_${k}\nback_${k}:`).join('\n');
      const targets = all.map((_, k) => `near_${k}: lea esi, [rsi + ${1 << k}]\njmp back_${k}`).join('\n');
      const m = run(`xor ebx, ebx\nxor esi, esi\n${setup}\n${body}\n${setup}\n${far}\nhlt\n.fill 200, 1, 0x90\n${targets}`);
      const want = all.reduce((acc, cc, k) => acc | (taken.includes(cc) ? 1 << k : 0), 0);
      expect(Number(reg(m, RBX))).toBe(want);
      expect(Number(reg(m, 6))).toBe(want);
    });
  }
  it('lazy flags survive across instructions that do not write them', () => {
    const m = run('mov eax, 1\ncmp eax, 2\nmov ecx, 7\nlea rdx, [rcx + 1]\npush rcx\npop rcx\njb 1f\nmov ebx, 1\n1: nop', (m) => setReg(m, RBX, 0n));
    expect(reg(m, RBX)).toBe(0n);
  });
});

describe('CALL / RET / JMP', () => {
  it('call rel32 pushes the return address; ret pops it', () => {
    const m = run('call f\nmov ebx, eax\nhlt\nf: mov eax, [rsp]\nret');
    const callLen = 5;
    expect(reg(m, RAX)).toBe(BigInt(CODE_BASE + callLen));
    expect(reg(m, RBX)).toBe(BigInt(CODE_BASE + callLen));
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP));
  });
  it('call r64 / jmp r64 / call [mem] / ret imm16', () => {
    const m = run(`
      lea rax, [rip + f]
      call rax
      lea rcx, [rip + g]
      mov [rip + slot], rcx
      call qword ptr [rip + slot]
      push 0x11
      push 0x22
      call h
      lea rdx, [rip + done]
      jmp rdx
      mov ebx, 0xbad
    done:
      hlt
    f: add ebx, 1
      ret
    g: add ebx, 0x10
      ret
    h: ret 16
      .p2align 3
    slot: .quad 0
    `, (m) => setReg(m, RBX, 0n));
    expect(reg(m, RBX)).toBe(0x11n);
    expect(reg(m, RSP)).toBe(BigInt(STACK_TOP)); // ret 16 dropped both pushed words
  });
  it('a call to a non-canonical target is #GP(0) before anything is pushed', () => {
    const m = run('mov rax, 0x0000800000000000\ncall rax');
    expectFault(m, 13, 'mov rax, 0x0000800000000000', 0n);
  });
  it('ret to a non-canonical address is #GP(0) with RSP unchanged', () => {
    const m = run('mov rax, 0x0000800000000000\npush rax\nret');
    expectFault(m, 13, 'mov rax, 0x0000800000000000\npush rax', 0n);
  });
});

describe('LOOP / JRCXZ', () => {
  it('loop counts RCX down; loope/loopne also test ZF; jrcxz/jecxz', () => {
    const m = run(`
      xor eax, eax
      mov ecx, 5
    1: add eax, 1
      loop 1b
      mov ecx, 10
      xor ebx, ebx
    2: add ebx, 1
      cmp ebx, 3
      loopne 2b
      mov rdx, rcx
      mov rcx, 0x100000000
      jrcxz 3f
      jecxz 4f
    3: mov eax, 0xbad
    4:
    `);
    expect(reg(m, RAX)).toBe(5n);
    expect(reg(m, RBX)).toBe(3n);
    expect(reg(m, 2)).toBe(7n); // 10 - 3 iterations
  });
  it('loop with RCX = 0 wraps to 2^64 - 1 and jumps', () => {
    const m = run('xor ecx, ecx\nloop 1f\nmov ebx, 0xbad\n1:', (m) => setReg(m, RBX, 0n));
    expect(reg(m, RCX)).toBe(0xffffffffffffffffn);
    expect(reg(m, RBX)).toBe(0n);
  });
});

describe('switch-table jump', () => {
  it('jmp qword [rax*8 - 0x7effdf70] through an absolute kernel-address table', () => {
    // -0x7effdf70 sign-extends to 0xffffffff81002090; the kernel's 2 MiB at 0xffffffff81000000 map to
    // physical 0x1000000 (identity-mapped too, so the guest fills the table at 0x1002090 directly)
    const m = run(`
      lea rcx, [rip + c0]
      mov qword ptr [0x1002090], rcx
      lea rcx, [rip + c1]
      mov qword ptr [0x1002098], rcx
      lea rcx, [rip + c2]
      mov qword ptr [0x10020a0], rcx
      mov eax, 2
      jmp qword ptr [rax*8 - 0x7effdf70]
      hlt
    c0: mov ebx, 100
      hlt
    c1: mov ebx, 101
      hlt
    c2: mov ebx, 102
    `, (m) => m.pt.map(0xffffffff81000000n, 0x1000000, 2, PT_P | PT_RW));
    expect(reg(m, RBX)).toBe(102n);
  });
});
