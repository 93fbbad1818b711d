// RDMSR/WRMSR, CPUID, RDTSC/RDTSCP, SWAPGS and the FS/GS base instructions.
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, loadCode, runToHalt, reg, installExceptionRecorder, lastException, installTss, enterUserMode,
  TestMachine, CODE_BASE,
} from '../helpers/test-machine.js';
import { assemble } from '../helpers/asm.js';
import { RAX, RBX, RCX, RDX, CR4_FSGSBASE, CR4_TSD, EFER_NXE } from '../../emulator/cpu/state.js';
import { PT_P, PT_RW, PT_NX } from '../../emulator/loader/page-table-builder.js';

function run(src: string, setup?: (m: TestMachine) => void): TestMachine {
  const m = createTestMachine();
  installExceptionRecorder(m);
  setup?.(m);
  loadCode(m, `${src}\nhlt`);
  runToHalt(m);
  return m;
}
const at = (prefix: string): bigint => BigInt(CODE_BASE + assemble(prefix, CODE_BASE).length);
function expectFault(m: TestMachine, vector: number, err: bigint, rip: bigint): void {
  const e = lastException(m);
  expect([e.count, e.vector, e.errorCode, e.rip]).toEqual([1, vector, err, rip]);
}
const noFault = (m: TestMachine) => expect(lastException(m).count).toBe(0);

function rdmsrSrc(msr: number): string { return `mov ecx, ${msr}\nrdmsr`; }
function wrmsrSrc(msr: number, v: bigint): string {
  return `mov ecx, ${msr}\nmov eax, ${v & 0xffffffffn}\nmov edx, ${v >> 32n}\nwrmsr`;
}

describe('RDMSR / WRMSR', () => {
  const roundTrip: [string, number, bigint][] = [
    ['STAR', 0xc0000081, 0x0023001000000000n],
    ['LSTAR', 0xc0000082, 0xffffffff81000000n],
    ['CSTAR', 0xc0000083, 0xffffffff81000040n],
    ['FMASK', 0xc0000084, 0x47700n],
    ['FS_BASE', 0xc0000100, 0x00007f0012345000n],
    ['GS_BASE', 0xc0000101, 0xffff888000001000n],
    ['KERNEL_GS_BASE', 0xc0000102, 0xffff888000002000n],
    ['TSC_AUX', 0xc0000103, 5n],
    ['PAT', 0x277, 0x0007010600070106n],
    ['MISC_ENABLE', 0x1a0, 0x850089n],
  ];
  for (const [name, msr, v] of roundTrip) {
    it(`${name} reads back what was written, in EDX:EAX with the upper halves cleared`, () => {
      const m = run(`movabs rax, -1\nmovabs rdx, -1\n${wrmsrSrc(msr, v)}\nmovabs rax, -1\nmovabs rdx, -1\n${rdmsrSrc(msr)}`);
      noFault(m);
      expect(reg(m, RAX)).toBe(v & 0xffffffffn);
      expect(reg(m, RDX)).toBe(v >> 32n);
    });
  }

  it('WRMSR to FS_BASE/GS_BASE changes fs:/gs: addressing', () => {
    const m = run(`${wrmsrSrc(0xc0000100, 0x300000n)}\n${wrmsrSrc(0xc0000101, 0x301000n)}
      mov qword ptr [0x300008], 11
      mov qword ptr [0x301008], 22
      mov rbx, fs:[8]
      mov rcx, gs:[8]`);
    expect([reg(m, RBX), reg(m, RCX)]).toEqual([11n, 22n]);
  });

  const bad: [string, number, bigint][] = [
    ['non-canonical LSTAR', 0xc0000082, 0x0000800000000000n],
    ['non-canonical FS_BASE', 0xc0000100, 0x8000000000000000n],
    ['non-canonical KERNEL_GS_BASE', 0xc0000102, 0x0001000000000000n],
    ['FMASK bits 63:32', 0xc0000084, 1n << 32n],
    ['TSC_AUX bits 63:32', 0xc0000103, 1n << 40n],
    ['PAT with memory type 2', 0x277, 0x0007010600070102n],
    ['EFER reserved bit 1', 0xc0000080, 0xd03n],
    ['EFER clearing LME', 0xc0000080, 0xc01n],
    ['APIC_BASE reserved bit 9', 0x1b, 0xfee00e00n],
    ['APIC_BASE x2APIC without enable', 0x1b, 0xfee00400n],
    ['APIC_BASE x2APIC to xAPIC directly', 0x1b, 0xfee00800n],
    ['unknown MSR', 0x12345, 0n],
  ];
  for (const [name, msr, v] of bad) {
    it(`#GP(0): ${name}`, () => {
      const src = wrmsrSrc(msr, v);
      const m = run(src);
      expectFault(m, 13, 0n, at(src.slice(0, src.lastIndexOf('\n'))));
    });
  }

  it('RDMSR of an unknown MSR is #GP(0); both are #GP(0) at CPL 3', () => {
    const m = run(rdmsrSrc(0x12345));
    expectFault(m, 13, 0n, at('mov ecx, 0x12345'));
    for (const op of ['rdmsr', 'wrmsr']) {
      const u = createTestMachine();
      installExceptionRecorder(u);
      installTss(u, { rsp0: 0x70000 });
      loadCode(u, `${op}\nhlt`);
      u.cpu.regs[RCX << 1] = 0xc0000080 | 0;
      enterUserMode(u, CODE_BASE, 0x7f000);
      runToHalt(u);
      expectFault(u, 13, 0n, BigInt(CODE_BASE));
    }
  });

  it('EFER: LMA is read-only, NXE can be cleared and then XD is a reserved bit (#PF RSVD)', () => {
    const VA = 0x40000000n;
    const m = run(`
      mov ecx, 0xc0000080
      rdmsr
      mov esi, eax
      and eax, 0xfffff3ff
      or eax, 0x100
      wrmsr
      rdmsr
      mov edi, eax
      mov [0x3048], rbx
      mov rax, ${VA}
      mov rax, [rax]`, (mm) => {
      mm.pt.map(VA, 0x500000, 1, PT_P | PT_RW | PT_NX);
      // resume after the faulting load
      mm.mem.write32(0x3048, 0);
    });
    expect(reg(m, 6)).toBe(0xd01n); // SCE LME LMA NXE
    expect(reg(m, 7)).toBe(0x501n); // NXE cleared, LMA kept although the write cleared it
    expect(m.cpu.efer & EFER_NXE).toBe(0);
    const e = lastException(m);
    expect([e.vector, e.errorCode, e.cr2]).toEqual([14, 0x9n, VA]); // P | RSVD
  });

  it('x2APIC MSRs and other machine MSRs go to the bus; a refused one is #GP(0)', () => {
    const written: [number, number, number][] = [];
    const m = run(`
      mov ecx, 0x802
      rdmsr
      mov ebx, eax
      mov ecx, 0x830
      mov eax, 0x4021
      mov edx, 3
      wrmsr
      mov ecx, 0x8ff
      rdmsr`, (mm) => {
      mm.cpu.bus = {
        ...mm.cpu.bus,
        msrRead: (_c, msr, out) => { if (msr !== 0x802) return false; out.lo = 0x77; out.hi = 0; return true; },
        msrWrite: (_c, msr, lo, hi) => { written.push([msr, lo, hi]); return true; },
      };
    });
    expect(reg(m, RBX)).toBe(0x77n);
    expect(written).toEqual([[0x830, 0x4021, 3]]);
    expect(lastException(m).vector).toBe(13);
  });

  it('IA32_APIC_BASE reports BSP on CPU 0 and keeps it read-only', () => {
    const m = run(`${rdmsrSrc(0x1b)}\nmov ebx, eax\nand eax, 0xfffffeff\nwrmsr\nrdmsr`);
    expect(reg(m, RBX)).toBe(0xfee00d00n);
    expect(reg(m, RAX)).toBe(0xfee00d00n);
  });
});

describe('TSC', () => {
  it('RDTSC counts retired instructions; WRMSR IA32_TSC sets it; RDTSCP adds TSC_AUX in ECX', () => {
    const m = run(`
      rdtsc
      mov ebx, eax
      nop
      nop
      rdtsc
      mov esi, eax
      ${wrmsrSrc(0x10, 0x100000000n)}
      rdtsc
      mov edi, eax
      mov r8d, edx
      ${wrmsrSrc(0xc0000103, 9n)}
      rdtscp`);
    noFault(m);
    expect(reg(m, RBX)).toBe(0n); // first instruction of a fresh CPU: 0 retired before it
    expect(reg(m, 6) - reg(m, RBX)).toBe(4n); // rdtsc, mov, nop, nop retired in between
    expect(reg(m, 7)).toBe(1n); // TSC = 2^32 when WRMSR executed, +1 when it retired
    expect(reg(m, 8)).toBe(1n);
    expect(reg(m, RCX)).toBe(9n);
  });

  it('RDTSC at CPL 3 is allowed unless CR4.TSD', () => {
    for (const tsd of [false, true]) {
      const m = createTestMachine();
      installExceptionRecorder(m);
      installTss(m, { rsp0: 0x70000 });
      if (tsd) m.cpu.cr4 |= CR4_TSD;
      loadCode(m, 'rdtsc\nud2\nhlt');
      enterUserMode(m, CODE_BASE, 0x7f000);
      runToHalt(m);
      const e = lastException(m);
      expect([e.vector, e.rip]).toEqual(tsd ? [13, BigInt(CODE_BASE)] : [6, BigInt(CODE_BASE + 2)]);
    }
  });
});

describe('CPUID', () => {
  it('reports the vendor, the CPU count, RDTSCP, INVPCID, PCID, 1 GiB pages and MAXPHYADDR', () => {
    const m = run(`
      xor eax, eax
      cpuid
      mov [0x5000], ebx
      mov [0x5004], edx
      mov [0x5008], ecx
      mov r8d, eax
      mov eax, 1
      cpuid
      mov r9d, ebx
      mov r10d, ecx
      mov eax, 7
      xor ecx, ecx
      cpuid
      mov r11d, ebx
      mov eax, 0x80000001
      cpuid
      mov r12d, edx
      mov eax, 0x80000008
      cpuid
      mov r13d, eax`, (mm) => { mm.cpu.cpuCount = 4; });
    expect(new TextDecoder().decode(m.mem.readBytes(0x5000, 12))).toBe('TLBemuTLBemu');
    expect(reg(m, 8)).toBe(0xdn);
    expect((reg(m, 9) >> 16n) & 0xffn).toBe(4n);
    expect(reg(m, 10) & (1n << 17n)).toBe(1n << 17n); // PCID
    expect(reg(m, 11) & ((1n << 10n) | 1n)).toBe((1n << 10n) | 1n); // INVPCID, FSGSBASE
    expect(reg(m, 12) & ((1n << 27n) | (1n << 26n) | (1n << 20n))).toBe((1n << 27n) | (1n << 26n) | (1n << 20n));
    expect(reg(m, 13) & 0xffn).toBe(46n);
  });

  it('the paging mode follows CPUID: without 1 GiB pages a PDPTE with PS is a reserved-bit #PF', () => {
    const VA = 0x80000000n;
    const m = run(`mov rax, ${VA}\nmov rax, [rax]`, (mm) => {
      mm.pt.map(VA, 0x40000000, 3, PT_P | PT_RW);
      mm.cpu.cpuid = { ...mm.cpu.cpuid, gbPages: false };
    });
    const e = lastException(m);
    expect([e.vector, e.errorCode]).toEqual([14, 0x9n]);
    expect(m.cpu.mmu.mode.gbPages).toBe(false);
    const ok = run(`mov rax, ${VA}\nmov rax, [rax]`, (mm) => mm.pt.map(VA, 0x40000000, 3, PT_P | PT_RW));
    noFault(ok);
  });
});

describe('SWAPGS and FS/GS base instructions', () => {
  it('SWAPGS exchanges GS base and KERNEL_GS_BASE; #GP(0) at CPL 3', () => {
    const m = run(`${wrmsrSrc(0xc0000101, 0x1000n)}\n${wrmsrSrc(0xc0000102, 0xffff888000000000n)}
      swapgs
      ${rdmsrSrc(0xc0000101)}
      mov ebx, edx
      ${rdmsrSrc(0xc0000102)}`);
    expect(reg(m, RBX)).toBe(0xffff8880n);
    expect(reg(m, RAX)).toBe(0x1000n);
    const u = createTestMachine();
    installExceptionRecorder(u);
    installTss(u, { rsp0: 0x70000 });
    loadCode(u, 'swapgs\nhlt');
    enterUserMode(u, CODE_BASE, 0x7f000);
    runToHalt(u);
    expectFault(u, 13, 0n, BigInt(CODE_BASE));
  });

  it('RDFSBASE/WRGSBASE need CR4.FSGSBASE; 32-bit forms zero-extend; non-canonical WR*BASE is #GP(0)', () => {
    const off = run('rdfsbase rax');
    expectFault(off, 6, -1n, BigInt(CODE_BASE));
    const m = run(`
      movabs rax, 0x00007fff12345678
      wrfsbase rax
      rdfsbase rbx
      rdfsbase ecx
      mov edx, 0x4000
      wrgsbase edx
      mov rsi, gs:[0]
      movabs rax, 0x0000800000000000
      wrgsbase rax`, (mm) => { mm.cpu.cr4 |= CR4_FSGSBASE; mm.mem.write32(0x4000, 0x55); });
    expect(reg(m, RBX)).toBe(0x00007fff12345678n);
    expect(reg(m, RCX)).toBe(0x12345678n);
    expect(reg(m, 6)).toBe(0x55n);
    expect(m.cpu.gsBaseLo).toBe(0x4000);
    expectFault(m, 13, 0n, at(`
      movabs rax, 0x00007fff12345678
      wrfsbase rax
      rdfsbase rbx
      rdfsbase ecx
      mov edx, 0x4000
      wrgsbase edx
      mov rsi, gs:[0]
      movabs rax, 0x0000800000000000`));
  });
});
