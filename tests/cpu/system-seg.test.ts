// Descriptor tables, segment registers, far transfers, RETF and IRET (64-bit mode).
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, loadCode, runToHalt, reg, installExceptionRecorder, lastException, installTss, enterUserMode,
  TestMachine, CODE_BASE, GDT_BASE, TSS_BASE, TSS_SEL,
} from '../helpers/test-machine.js';
import { assemble } from '../helpers/asm.js';
import { RBX, RCX, RDX, SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_GS, IOPL } from '../../emulator/cpu/state.js';
import { UnsupportedByEmulator } from '../../emulator/cpu/ops/system-desc.js';

function machine(setup?: (m: TestMachine) => void): TestMachine {
  const m = createTestMachine();
  installExceptionRecorder(m);
  installTss(m, { rsp0: 0x70000 });
  setup?.(m);
  return m;
}
function run(src: string, setup?: (m: TestMachine) => void): TestMachine {
  const m = machine(setup);
  loadCode(m, `${src}\nhlt`);
  runToHalt(m);
  return m;
}
const at = (prefix: string): bigint => BigInt(CODE_BASE + assemble(prefix, CODE_BASE).length);
/** Address of `label` in `src` assembled at CODE_BASE. */
function labelAddr(src: string, label: string): bigint {
  const b = assemble(`${src}\n.p2align 3\n.quad ${label}\n`, CODE_BASE);
  let x = 0n;
  for (let k = 7; k >= 0; k--) x = (x << 8n) | BigInt(b[b.length - 8 + k]);
  return x;
}
function expectFault(m: TestMachine, vector: number, err: bigint, rip: bigint): void {
  const e = lastException(m);
  expect([e.count, e.vector, e.errorCode, e.rip]).toEqual([1, vector, err, rip]);
}
const noFault = (m: TestMachine) => expect(lastException(m).count).toBe(0);
/** Writes an 8-byte descriptor at GDT index sel/8 (beyond the TSS, slots 0x48.. grow the limit). */
function gdtEntry(m: TestMachine, sel: number, hi: number, lo = 0x0000ffff): void {
  m.mem.write32(GDT_BASE + (sel & ~7), lo | 0);
  m.mem.write32(GDT_BASE + (sel & ~7) + 4, hi | 0);
  m.cpu.gdtrLimit = Math.max(m.cpu.gdtrLimit, (sel & ~7) + 7);
}
const q = (m: TestMachine, a: number): bigint => (BigInt(m.mem.read32(a + 4) >>> 0) << 32n) | BigInt(m.mem.read32(a) >>> 0);

describe('LGDT / LIDT / SGDT / SIDT', () => {
  it('load and store limit and 64-bit base', () => {
    const m = run(`
      mov word ptr [0x5000], 0x3f
      movabs rax, 0xffff888000001000
      mov [0x5002], rax
      sgdt [0x5010]
      lidt [0x5000]
      sidt [0x5020]
      lgdt [0x5010]`);
    noFault(m);
    expect([m.cpu.idtrLimit, m.cpu.idtrBaseLo >>> 0, m.cpu.idtrBaseHi >>> 0]).toEqual([0x3f, 0x1000, 0xffff8880]);
    expect(m.mem.read32(0x5020) & 0xffff).toBe(0x3f);
    expect(q(m, 0x5022)).toBe(0xffff888000001000n);
    expect(m.mem.read32(0x5010) & 0xffff).toBe(TSS_SEL + 15);
    expect(q(m, 0x5012)).toBe(BigInt(GDT_BASE));
  });

  it('a non-canonical base is #GP(0); LGDT at CPL 3 is #GP(0), SGDT is allowed; a register operand is #UD', () => {
    const m = run('mov word ptr [0x5000], 0x3f\nmovabs rax, 0x0000800000000000\nmov [0x5002], rax\nlgdt [0x5000]');
    expectFault(m, 13, 0n, at('mov word ptr [0x5000], 0x3f\nmovabs rax, 0x0000800000000000\nmov [0x5002], rax'));
    const u = machine();
    loadCode(u, 'sgdt [0x7e000]\nlgdt [0x7e000]\nhlt');
    enterUserMode(u, CODE_BASE, 0x7f000);
    runToHalt(u);
    expectFault(u, 13, 0n, at('sgdt [0x7e000]'));
    const r = run('.byte 0x0f, 0x01, 0xd8');
    expectFault(r, 6, -1n, BigInt(CODE_BASE));
  });
});

describe('LTR / STR / LLDT / SLDT', () => {
  const avail = (m: TestMachine) => installTss(m, { rsp0: 0x70000, busy: false });

  it('LTR loads TR from an available TSS and marks the descriptor busy; STR stores the selector', () => {
    const m = run(`
      mov eax, ${TSS_SEL}
      ltr ax
      movabs rbx, -1
      str ebx
      mov word ptr [0x5000], 0xffff
      str [0x5000]
      mov rcx, -1
      str cx`, (mm) => { avail(mm); mm.cpu.trSel = 0; mm.cpu.trLimit = 0; });
    noFault(m);
    expect([m.cpu.trSel, m.cpu.trBaseLo, m.cpu.trLimit]).toEqual([TSS_SEL, TSS_BASE, 0x67]);
    expect((m.mem.read32(GDT_BASE + TSS_SEL + 4) >>> 8) & 0xf).toBe(0xb);
    expect(reg(m, RBX)).toBe(BigInt(TSS_SEL));
    expect(m.mem.read32(0x5000) & 0xffff).toBe(TSS_SEL);
    expect(reg(m, RCX)).toBe(0xffffffffffff0000n | BigInt(TSS_SEL));
  });

  const ltrCases: [string, number, number, bigint, (m: TestMachine) => void][] = [
    ['busy TSS', TSS_SEL, 13, BigInt(TSS_SEL), () => {}],
    ['null selector', 0, 13, 0n, avail],
    ['LDT selector', TSS_SEL | 4, 13, BigInt(TSS_SEL | 4), avail],
    ['beyond the GDT limit', 0x48, 13, 0x48n, avail],
    ['a data segment', 0x18, 13, 0x18n, avail],
    ['not present', TSS_SEL, 11, BigInt(TSS_SEL), (m) => { avail(m); m.mem.write32(GDT_BASE + TSS_SEL + 4, m.mem.read32(GDT_BASE + TSS_SEL + 4) & ~0x8000); }],
  ];
  for (const [name, sel, vec, err, setup] of ltrCases) {
    it(`LTR: ${name}`, () => {
      const m = run(`mov eax, ${sel}\nltr ax`, setup);
      expectFault(m, vec, err, at(`mov eax, ${sel}`));
    });
  }

  it('LLDT loads an LDT whose descriptors MOV Sreg can use; a null LLDT makes TI=1 selectors #GP', () => {
    const m = run(`
      mov eax, 0x48
      lldt ax
      sldt ebx
      mov eax, 0x0c
      mov ds, eax
      mov ecx, ds
      xor eax, eax
      lldt ax
      mov eax, 0x0c
      mov es, eax`, (mm) => {
      // LDT at 0x5000 with one data descriptor at index 1; its 16-byte descriptor at GDT 0x48
      mm.mem.write32(0x5008, 0x0000ffff);
      mm.mem.write32(0x500c, 0x00cf9300);
      gdtEntry(mm, 0x48, 0x00008200, (0x5000 << 16) | 0x0f);
      gdtEntry(mm, 0x50, 0, 0);
    });
    expect(reg(m, RBX)).toBe(0x48n);
    expect(reg(m, RCX)).toBe(0x0cn);
    expect(m.cpu.ldtrSel).toBe(0);
    expect(lastException(m).vector).toBe(13);
    expect(lastException(m).errorCode).toBe(0x0cn);
  });
});

describe('MOV Sreg', () => {
  it('loads DS/ES and sets the accessed bit; MOV from Sreg zero-extends or stores 16 bits', () => {
    const m = run(`
      mov eax, 0x48
      mov ds, eax
      mov es, ax
      mov rbx, -1
      mov ebx, ds
      mov rcx, -1
      mov cx, es
      mov word ptr [0x5000], 0xffff
      mov [0x5000], ds`, (mm) => gdtEntry(mm, 0x48, 0x00cf9200));
    noFault(m);
    expect([m.cpu.sel[SEG_DS], m.cpu.sel[SEG_ES]]).toEqual([0x48, 0x48]);
    expect(m.mem.read32(GDT_BASE + 0x4c)).toBe(0x00cf9300); // accessed
    expect(reg(m, RBX)).toBe(0x48n);
    expect(reg(m, RCX)).toBe(0xffffffffffff0048n);
    expect(m.mem.read32(0x5000) & 0xffff).toBe(0x48);
  });

  it('FS/GS take the 32-bit base of their descriptor; a null selector zeroes the base', () => {
    const m = run(`
      mov eax, 0x48
      mov fs, eax
      mov rbx, fs:[8]
      mov ecx, 0xc0000101
      mov eax, 0x1000
      mov edx, 0x7fff
      wrmsr
      xor eax, eax
      mov gs, eax`, (mm) => {
      // base 0x00300000: base[23:16] = 0x30 in the high dword's low byte
      gdtEntry(mm, 0x48, 0x00cf9330, 0x0000ffff);
      mm.mem.write32(0x300008, 0x1234);
    });
    noFault(m);
    expect(reg(m, RBX)).toBe(0x1234n);
    expect([m.cpu.fsBaseLo, m.cpu.fsBaseHi]).toEqual([0x300000, 0]);
    expect([m.cpu.sel[SEG_GS], m.cpu.gsBaseLo, m.cpu.gsBaseHi]).toEqual([0, 0, 0]);
  });

  const bad: [string, string, number, bigint, (m: TestMachine) => void][] = [
    ['SS with RPL != CPL', 'mov eax, 0x1b\nmov ss, eax', 13, 0x18n, () => {}],
    ['SS with a DPL 3 segment at CPL 0', 'mov eax, 0x28\nmov ss, eax', 13, 0x28n, () => {}],
    ['SS with a code segment', 'mov eax, 0x10\nmov ss, eax', 13, 0x10n, () => {}],
    ['SS null with RPL 3', 'mov eax, 3\nmov ss, eax', 13, 0n, () => {}],
    ['SS not present', 'mov eax, 0x48\nmov ss, eax', 12, 0x48n, (m) => gdtEntry(m, 0x48, 0x00cf1300)],
    ['DS not present', 'mov eax, 0x48\nmov ds, eax', 11, 0x48n, (m) => gdtEntry(m, 0x48, 0x00cf1300)],
    ['DS with an execute-only code segment', 'mov eax, 0x48\nmov ds, eax', 13, 0x48n, (m) => gdtEntry(m, 0x48, 0x00af9900)],
    ['DS with a TSS', `mov eax, ${TSS_SEL}\nmov ds, eax`, 13, BigInt(TSS_SEL), () => {}],
    ['DS beyond the GDT', 'mov eax, 0x100\nmov ds, eax', 13, 0x100n, () => {}],
  ];
  for (const [name, src, vec, err, setup] of bad) {
    it(`faults: ${name}`, () => {
      const m = run(src, setup);
      expectFault(m, vec, err, at(src.split('\n')[0]));
    });
  }

  it('a null SS is allowed at CPL 0; readable code can be loaded into DS; MOV CS and Sreg 6 are #UD', () => {
    const m = run('xor eax, eax\nmov ss, eax\nmov eax, 0x10\nmov ds, eax');
    noFault(m);
    expect([m.cpu.sel[SEG_SS], m.cpu.sel[SEG_DS]]).toEqual([0, 0x10]);
    for (const b of ['0x8e, 0xc8', '0x8e, 0xf0', '0x8c, 0xf8']) {
      const u = run(`.byte ${b}`);
      expectFault(u, 6, -1n, BigInt(CODE_BASE));
    }
  });

  it('at CPL 3 a DPL 0 data segment is #GP(selector) and the user data segment loads', () => {
    const m = machine();
    loadCode(m, 'mov eax, 0x2b\nmov ds, eax\nmov eax, 0x18\nmov es, eax\nhlt');
    enterUserMode(m, CODE_BASE, 0x7f000);
    runToHalt(m);
    expectFault(m, 13, 0x18n, at('mov eax, 0x2b\nmov ds, eax\nmov eax, 0x18'));
    expect(m.cpu.sel[SEG_DS]).toBe(0x2b);
  });
});

describe('far JMP / CALL / RETF', () => {
  const code64b = (m: TestMachine) => gdtEntry(m, 0x48, 0x00af9b00); // a second kernel 64-bit code segment

  it('JMP m16:64 and CALL m16:32 change CS; LRETQ and RETF return', () => {
    const src = `
      lea rax, [rip + target]
      mov [0x5000], rax
      mov word ptr [0x5008], 0x48
      .byte 0x48, 0xff, 0x2c, 0x25, 0x00, 0x50, 0x00, 0x00
    target:
      mov ebx, cs
      lea rax, [rip + callee]
      mov [0x5010], eax
      mov word ptr [0x5014], 0x10
      mov rdx, rsp
      .byte 0xff, 0x1c, 0x25, 0x10, 0x50, 0x00, 0x00
    back:
      mov esi, cs
      push 0x48
      lea rax, [rip + done]
      push rax
      lretq
    callee:
      mov ecx, cs
      mov r8, rsp
      mov r9d, [rsp]
      mov r10d, [rsp + 4]
      retf
    done:
      mov edi, cs
      hlt`;
    const m = machine(code64b);
    loadCode(m, src);
    runToHalt(m);
    noFault(m);
    expect(reg(m, RBX)).toBe(0x48n);
    expect(reg(m, RCX)).toBe(0x10n);
    expect(reg(m, RDX) - reg(m, 8)).toBe(8n); // two 4-byte pushes
    expect(reg(m, 9)).toBe(labelAddr(src, 'back'));
    expect(reg(m, 10)).toBe(0x48n);
    expect(reg(m, 6)).toBe(0x48n);
    expect(reg(m, 7)).toBe(0x48n);
    expect(m.cpu.sel[SEG_CS]).toBe(0x48);
    expect(m.mem.read32(GDT_BASE + 0x4c) & 0x100).toBe(0x100); // accessed
  });

  const bad: [string, number, number, bigint, (m: TestMachine) => void][] = [
    ['a null selector', 0, 13, 0n, () => {}],
    ['a data segment', 0x18, 13, 0x18n, () => {}],
    ['a DPL 3 non-conforming code segment', 0x30, 13, 0x30n, () => {}],
    ['RPL 3 for a non-conforming segment', 0x13, 13, 0x10n, () => {}],
    ['a TSS', TSS_SEL, 13, BigInt(TSS_SEL), () => {}],
    ['a not-present code segment', 0x48, 11, 0x48n, (m) => gdtEntry(m, 0x48, 0x00af1b00)],
  ];
  for (const [name, sel, vec, err, setup] of bad) {
    it(`far JMP to ${name} faults`, () => {
      const pre = `mov qword ptr [0x5000], 0x100000\nmov word ptr [0x5008], ${sel}`;
      const m = run(`${pre}\n.byte 0x48, 0xff, 0x2c, 0x25, 0x00, 0x50, 0x00, 0x00`, setup);
      expectFault(m, vec, err, at(pre));
    });
  }

  it('a conforming code segment with DPL 0 keeps CPL 3 and sets CS.RPL = CPL', () => {
    const m = machine((mm) => gdtEntry(mm, 0x48, 0x00af9f00));
    loadCode(m, `
      lea rax, [rip + t]
      mov [0x7e000], rax
      mov word ptr [0x7e008], 0x48
      .byte 0x48, 0xff, 0x2c, 0x25, 0x00, 0xe0, 0x07, 0x00
    t:
      mov ebx, cs
      ud2`);
    enterUserMode(m, CODE_BASE, 0x7f000);
    runToHalt(m);
    expect(reg(m, RBX)).toBe(0x4bn);
    expect(lastException(m).cs).toBe(0x4bn);
  });

  it('a far transfer to a 32-bit code segment (compatibility mode) is reported as unsupported', () => {
    const m = machine();
    loadCode(m, 'mov qword ptr [0x5000], 0x100000\nmov word ptr [0x5008], 0x08\n.byte 0x48, 0xff, 0x2c, 0x25, 0x00, 0x50, 0x00, 0x00\nhlt');
    expect(() => m.cpu.run(100)).toThrow(UnsupportedByEmulator);
  });

  it('LRETQ to CPL 3 loads SS:RSP, nulls DS with a DPL 0 segment and keeps ES with DPL 3; RETF imm16 releases both stacks', () => {
    const m = machine();
    loadCode(m, `
      mov eax, 0x2b
      mov es, eax
      push 0x2b
      push 0x7f000
      push 0x33
      lea rax, [rip + user]
      push rax
      lretq
    user:
      mov ebx, cs
      mov rcx, rsp
      ud2`);
    m.cpu.sel[SEG_DS] = 0x18;
    runToHalt(m);
    expect(reg(m, RBX)).toBe(0x33n);
    expect(reg(m, RCX)).toBe(0x7f000n);
    expect([m.cpu.sel[SEG_DS], m.cpu.sel[SEG_ES]]).toEqual([0, 0x2b]);
    expect([lastException(m).vector, lastException(m).cs, lastException(m).ss]).toEqual([6, 0x33n, 0x2bn]);

    const r = machine();
    loadCode(r, `
      push 0x2b
      push 0x7f000
      push 1
      push 2
      push 0x33
      lea rax, [rip + user]
      push rax
      .byte 0x48, 0xca, 0x10, 0x00
    user:
      mov rcx, rsp
      ud2`);
    runToHalt(r);
    expect(reg(r, RCX)).toBe(0x7f010n);
  });

  it('RETF to a lower RPL than CPL is #GP(selector)', () => {
    const m = machine();
    const src = 'push 0x10\nlea rax, [rip + x]\npush rax\nr: lretq\nx: hlt';
    loadCode(m, src);
    enterUserMode(m, CODE_BASE, 0x7f000);
    runToHalt(m);
    expectFault(m, 13, 0x10n, labelAddr(src, 'r'));
  });
});

describe('IRET', () => {
  it('IRETQ at CPL 0 to CPL 0 loads RFLAGS (IOPL, IF) and SS:RSP, a null SS included', () => {
    const m = run(`
      mov rdx, rsp
      push 0
      push 0x6ff00
      push 0x3202
      push 0x10
      lea rax, [rip + next]
      push rax
      iretq
    next:
      mov rbx, rsp
      mov rsp, rdx
      cli`);
    noFault(m);
    expect(reg(m, RBX)).toBe(0x6ff00n);
    expect(m.cpu.sel[SEG_SS]).toBe(0);
    expect((m.cpu.flags & IOPL) >>> 12).toBe(3);
  });

  it('IRETD pops 32-bit values', () => {
    const m = run(`
      mov rdx, rsp
      sub rsp, 20
      mov dword ptr [rsp], offset next
      mov dword ptr [rsp + 4], 0x10
      mov dword ptr [rsp + 8], 0x202
      mov dword ptr [rsp + 12], 0x6ff00
      mov dword ptr [rsp + 16], 0x18
      iretd
    next:
      mov rbx, rsp
      mov rsp, rdx
      cli`);
    noFault(m);
    expect(reg(m, RBX)).toBe(0x6ff00n);
    expect(m.cpu.sel[SEG_SS]).toBe(0x18);
  });

  it('at CPL 3, IRETQ keeps IOPL and (with IOPL 0) IF; NT=1 is #GP(0)', () => {
    const m = machine();
    loadCode(m, `
      pushfq
      pop rbx
      push 0x2b
      push 0x7f000
      push 0x3202
      push 0x33
      lea rax, [rip + n]
      push rax
      iretq
    n:
      pushfq
      pop rcx
      ud2`);
    enterUserMode(m, CODE_BASE, 0x7f000);
    m.cpu.setFlags(0x2);
    runToHalt(m);
    expect(reg(m, RCX) & 0x3200n).toBe(0n);

    const nt = run(`
      pushfq
      or qword ptr [rsp], 0x4000
      popfq
      iretq`);
    expectFault(nt, 13, 0n, at('pushfq\nor qword ptr [rsp], 0x4000\npopfq'));
  });

  it('IRETQ to CPL 3 checks SS: RPL must equal the new CPL', () => {
    const m = run(`
      push 0x28
      push 0x7f000
      push 0x2
      push 0x33
      push 0x100000
      iretq`);
    expectFault(m, 13, 0x28n, at('push 0x28\npush 0x7f000\npush 0x2\npush 0x33\npush 0x100000'));
  });
});
