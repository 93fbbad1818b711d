// MOV to/from control registers, INVLPG and INVPCID: architectural checks and the MMU calls they make.
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, loadCode, runToHalt, reg, setReg, installExceptionRecorder, lastException, installTss,
  enterUserMode, TestMachine, CODE_BASE,
} from '../helpers/test-machine.js';
import { RAX, RBX, RCX, CR0_WP, CR0_TS, CR4_PCIDE, CR4_PGE, CR4_PAE } from '../../emulator/cpu/state.js';
import {
  FLUSH_MOV_CR3, FLUSH_MOV_CR4, FLUSH_INVLPG, FLUSH_INVPCID_ADDR, FLUSH_INVPCID_CONTEXT, FLUSH_INVPCID_ALL,
  FLUSH_INVPCID_NONGLOBAL,
} from '../../emulator/hooks.js';
import { PT_P, PT_RW, PT_G } from '../../emulator/loader/page-table-builder.js';
import { assemble } from '../helpers/asm.js';

/** Runs `src` + hlt with the exception recorder installed; returns the machine. */
function run(src: string, setup?: (m: TestMachine) => void): TestMachine {
  const m = createTestMachine();
  installExceptionRecorder(m);
  setup?.(m);
  loadCode(m, `${src}\nhlt`);
  runToHalt(m);
  return m;
}

/** Address of the instruction after `prefix` (assembled at CODE_BASE). */
function at(prefix: string): bigint {
  return BigInt(CODE_BASE + assemble(prefix, CODE_BASE).length);
}

function expectFault(m: TestMachine, vector: number, errorCode: bigint, rip: bigint): void {
  const e = lastException(m);
  expect(e.count).toBe(1);
  expect(e.vector).toBe(vector);
  expect(e.errorCode).toBe(errorCode);
  expect(e.rip).toBe(rip);
}

const VA = 0x40000000n; // outside the test machine's 1 GiB identity map

describe('MOV from/to control registers', () => {
  it('reads CR0, CR3, CR4 and round-trips CR2 and CR8', () => {
    const m = run(`
      mov rax, cr0
      mov rbx, cr3
      mov rcx, cr4
      movabs rdx, 0xfedcba9876543210
      mov cr2, rdx
      mov rsi, cr2
      mov r8d, 9
      mov cr8, r8
      mov rdi, cr8
    `);
    expect(reg(m, RAX)).toBe(BigInt(m.cpu.cr0 >>> 0));
    expect(reg(m, RAX) & 0x80010031n).toBe(0x80010031n); // PG WP NE ET PE
    expect(reg(m, RBX)).toBe(BigInt(m.cpu.cr3Lo >>> 0));
    expect(reg(m, RCX)).toBe(0x20n); // PAE
    expect(reg(m, 6)).toBe(0xfedcba9876543210n);
    expect(reg(m, 7)).toBe(9n);
    expect(lastException(m).count).toBe(0);
  });

  it('ignores the mod field: no SIB or displacement follows the ModRM byte', () => {
    // 0F 20 58: mod 01 reg 3 rm 0 = mov rax, cr3 (a memory form would take a disp8);
    // 41 0F 20 84: mod 10 reg 0 rm 100 + REX.B = mov r12, cr0 (a memory form would take SIB + disp32)
    const m = run(`
      .byte 0x0f, 0x20, 0x58
      mov ebx, 0x11111111
      .byte 0x41, 0x0f, 0x20, 0x84
      mov ecx, 0x22222222
    `);
    expect(reg(m, RAX)).toBe(BigInt(m.cpu.cr3Lo >>> 0));
    expect(reg(m, RBX)).toBe(0x11111111n);
    expect(reg(m, 12)).toBe(BigInt(m.cpu.cr0 >>> 0));
    expect(reg(m, RCX)).toBe(0x22222222n);
  });

  it('CR1, CR5-CR7 and CR9-CR15 raise #UD', () => {
    for (const bytes of ['0x0f, 0x20, 0xc8', '0x0f, 0x22, 0xe8', '0x44, 0x0f, 0x20, 0xc8']) {
      const m = run(`.byte ${bytes}`);
      expectFault(m, 6, -1n, BigInt(CODE_BASE));
    }
  });

  it('MOV CR at CPL 3 raises #GP(0)', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    installTss(m, { rsp0: 0x70000 });
    loadCode(m, 'mov rax, cr3\nhlt');
    enterUserMode(m, CODE_BASE, 0x7f000);
    runToHalt(m);
    expectFault(m, 13, 0n, BigInt(CODE_BASE));
    expect(lastException(m).cs).toBe(0x33n);
    expect(lastException(m).ss).toBe(0x2bn);
    expect(lastException(m).rsp).toBe(0x7f000n);
  });

  it('CR0: reserved high bits and clearing PG or PE fault; WP and TS change; ET is hardwired', () => {
    const m1 = run('mov rax, cr0\nmovabs r11, 0x100000000\nor rax, r11\nmov cr0, rax');
    expectFault(m1, 13, 0n, at('mov rax, cr0\nmovabs r11, 0x100000000\nor rax, r11'));
    const m2 = run('mov rax, cr0\nand eax, 0x7fffffff\nmov cr0, rax');
    expectFault(m2, 13, 0n, at('mov rax, cr0\nand eax, 0x7fffffff'));
    const m3 = run('mov rax, cr0\nand eax, 0xfffffffe\nmov cr0, rax');
    expectFault(m3, 13, 0n, at('mov rax, cr0\nand eax, 0xfffffffe'));
    const m4 = run('mov rax, cr0\nor eax, 0x20000000\nmov cr0, rax'); // NW without CD
    expectFault(m4, 13, 0n, at('mov rax, cr0\nor eax, 0x20000000'));
    const m5 = run(`
      mov rax, cr0
      and eax, 0xfffeffff
      or eax, 0x8
      and eax, 0xffffffef
      or eax, 0x80
      mov cr0, rax
      mov rbx, cr0
    `);
    expect(lastException(m5).count).toBe(0);
    expect(m5.cpu.cr0 & CR0_WP).toBe(0);
    expect(m5.cpu.cr0 & CR0_TS).toBe(CR0_TS);
    expect(reg(m5, RBX) & 0x90n).toBe(0x10n); // ET reads 1, reserved bit 7 reads 0
  });

  it('CR3 load drops non-global TLB entries (PCIDE=0) and keeps bits 51:0', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    m.pt.map(VA, 0x500000, 1, PT_P | PT_RW | PT_G);
    m.pt.map(VA + 0x1000n, 0x501000, 1, PT_P | PT_RW);
    m.cpu.cr4 |= CR4_PGE;
    loadCode(m, `
      mov rax, ${VA}
      mov rbx, [rax]
      mov rbx, [rax + 0x1000]
      mov rax, cr3
      mov cr3, rax
      hlt`);
    runToHalt(m);
    const c = m.cpu.mmu.counters;
    expect(c.flushes[FLUSH_MOV_CR3]).toBe(1);
    const tagged = m.cpu.mmu.entries().map((e) => e.vpn * 4096);
    expect(tagged).toContain(Number(VA));
    expect(tagged).not.toContain(Number(VA) + 0x1000);
  });

  it('CR3 bit 63 is reserved with PCIDE=0 (#GP) and a no-flush hint with PCIDE=1 (not stored)', () => {
    const m1 = run('mov rax, cr3\nmovabs r11, 0x8000000000000000\nor rax, r11\nmov cr3, rax');
    expectFault(m1, 13, 0n, at('mov rax, cr3\nmovabs r11, 0x8000000000000000\nor rax, r11'));
    expect(m1.cpu.mmu.counters.flushes[FLUSH_MOV_CR3]).toBe(0);

    const m = createTestMachine();
    installExceptionRecorder(m);
    m.pt.map(VA, 0x500000, 1, PT_P | PT_RW);
    m.cpu.cr4 |= CR4_PCIDE;
    loadCode(m, `
      mov rax, ${VA}
      mov rbx, [rax]
      mov rcx, cr3
      mov rdx, rcx
      movabs r11, 0x8000000000000000\nor rdx, r11
      or rdx, 5
      mov cr3, rdx
      mov rsi, cr3
      mov rdi, rcx
      movabs r11, 0x8000000000000000\nor rdi, r11
      mov cr3, rdi
      hlt`);
    runToHalt(m);
    expect(lastException(m).count).toBe(0);
    expect(reg(m, 6)).toBe(reg(m, RCX) | 5n); // bit 63 not stored, PCID 5
    expect(m.cpu.cr3Hi).toBe(0);
    // PCID 0's entry survived both loads (bit 63 set on both)
    expect(m.cpu.mmu.entries().some((e) => e.vpn * 4096 === Number(VA) && e.pcid === 0)).toBe(true);
    expect(m.cpu.mmu.counters.dropped[FLUSH_MOV_CR3]).toBe(0);
  });

  it('CR3 bits at or above MAXPHYADDR raise #GP(0)', () => {
    const m = run('mov rax, cr3\nmovabs r11, 0x400000000000\nor rax, r11\nmov cr3, rax');
    expectFault(m, 13, 0n, at('mov rax, cr3\nmovabs r11, 0x400000000000\nor rax, r11'));
    const ok = run('mov rax, cr3\nmovabs r11, 0x200000000000\nor rax, r11\nmov rbx, cr3\nmov cr3, rbx', (mm) => { mm.cpu.cpuid = { ...mm.cpu.cpuid, maxPhysAddr: 46 }; });
    expect(lastException(ok).count).toBe(0);
  });

  it('CR4: reserved and unsupported bits, clearing PAE, changing LA57 and PCIDE with CR3[11:0]!=0 fault', () => {
    for (const bit of [13, 22, 12, 32, 5]) {
      const mask = 1n << BigInt(bit);
      const op = bit === 5 ? `movabs r11, ${BigInt.asUintN(64, ~mask)}\nand rax, r11` : `movabs r11, ${mask}\nor rax, r11`;
      const m = run(`mov rax, cr4\n${op}\nmov cr4, rax`);
      expectFault(m, 13, 0n, at(`mov rax, cr4\n${op}`));
    }
    const m = run('mov rax, cr3\nor rax, 1\nmov cr3, rax\nmov rax, cr4\nmovabs r11, 0x20000\nor rax, r11\nmov cr4, rax');
    expectFault(m, 13, 0n, at('mov rax, cr3\nor rax, 1\nmov cr3, rax\nmov rax, cr4\nmovabs r11, 0x20000\nor rax, r11'));
    const off = run('mov rax, cr4\nmovabs r11, 0x100000\nor rax, r11\nmov cr4, rax', (mm) => { mm.cpu.cpuid = { ...mm.cpu.cpuid, smep: false }; });
    expectFault(off, 13, 0n, at('mov rax, cr4\nmovabs r11, 0x100000\nor rax, r11'));
  });

  it('CR4: toggling PGE flushes everything, setting PCIDE works with CR3[11:0]=0', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    m.pt.map(VA, 0x500000, 1, PT_P | PT_RW | PT_G);
    m.cpu.cr4 |= CR4_PGE;
    loadCode(m, `
      mov rax, ${VA}
      mov rbx, [rax]
      mov rax, cr4
      movabs r11, 0x20000\nor rax, r11
      mov cr4, rax
      movabs r11, 0xffffffffffffff7f\nand rax, r11
      mov cr4, rax
      mov rcx, cr4
      hlt`);
    runToHalt(m);
    expect(lastException(m).count).toBe(0);
    expect(reg(m, RCX)).toBe(BigInt(CR4_PAE | CR4_PCIDE));
    expect(m.cpu.mmu.counters.flushes[FLUSH_MOV_CR4]).toBe(1); // PCIDE 0->1 needs no flush, PGE 1->0 flushes all
    expect(m.cpu.mmu.counters.droppedGlobal[FLUSH_MOV_CR4]).toBe(1);
    expect(m.cpu.mmu.entries().some((e) => e.vpn * 4096 === Number(VA))).toBe(false);
  });

  it('CR8 is TPR[7:4] of the local APIC on the bus', () => {
    const writes: [number, number][] = [];
    let tpr = 0x90;
    const m = run('mov rbx, cr8\nmov eax, 3\nmov cr8, rax\nmov rcx, cr8', (mm) => {
      mm.cpu.bus = {
        ...mm.cpu.bus,
        msrRead: (_c, msr, out) => { if (msr !== 0x808) return false; out.lo = tpr; out.hi = 0; return true; },
        msrWrite: (_c, msr, lo) => { writes.push([msr, lo]); tpr = lo; return msr === 0x808; },
      };
    });
    expect(reg(m, RBX)).toBe(9n);
    expect(writes).toEqual([[0x808, 0x30]]);
    expect(reg(m, RCX)).toBe(3n);
  });

  it('CR8 rejects bits 63:4', () => {
    const m = run('mov eax, 0x10\nmov cr8, rax');
    expectFault(m, 13, 0n, at('mov eax, 0x10'));
  });
});

describe('INVLPG', () => {
  function staleSetup(m: TestMachine): void {
    m.pt.map(VA, 0x500000, 1, PT_P | PT_RW);
    m.mem.write32(0x500000, 0xaaaa);
    m.mem.write32(0x501000, 0xbbbb);
  }
  const pteOf = (m: TestMachine) => m.pt.entryAddress(VA, 1);

  it('drops the stale translation of the page (a new PTE is seen only after INVLPG)', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    staleSetup(m);
    const pte = pteOf(m);
    loadCode(m, `
      mov rax, ${VA}
      mov ebx, [rax]
      mov dword ptr [${pte}], 0x501003
      mov ecx, [rax]
      invlpg [rax + 0x123]
      mov edx, [rax]
      hlt`);
    runToHalt(m);
    expect(reg(m, RBX)).toBe(0xaaaan);
    expect(reg(m, RCX)).toBe(0xaaaan); // the TLB still holds the old translation
    expect(reg(m, 2)).toBe(0xbbbbn);
    expect(m.cpu.mmu.counters.flushes[FLUSH_INVLPG]).toBe(1);
    expect(m.cpu.mmu.counters.dropped[FLUSH_INVLPG]).toBe(1);
  });

  it('adds the FS base to the address; non-canonical addresses are a no-op; CPL 3 gets #GP(0)', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    staleSetup(m);
    m.cpu.fsBaseLo = Number(VA) - 0x1000;
    const pte = pteOf(m);
    loadCode(m, `
      mov rax, ${VA}
      mov ebx, [rax]
      mov dword ptr [${pte}], 0x501003
      movabs rsi, 0x8000000000000000
      invlpg [rsi]
      invlpg [rsp + rsi]
      mov ecx, [rax]
      mov edi, 0x1000
      invlpg fs:[rdi]
      mov edx, [rax]
      hlt`);
    runToHalt(m);
    expect(lastException(m).count).toBe(0);
    expect(reg(m, RCX)).toBe(0xaaaan);
    expect(reg(m, 2)).toBe(0xbbbbn);
    expect(m.cpu.mmu.counters.flushes[FLUSH_INVLPG]).toBe(3);

    const u = createTestMachine();
    installExceptionRecorder(u);
    installTss(u, { rsp0: 0x70000 });
    loadCode(u, 'invlpg [rax]\nhlt');
    enterUserMode(u, CODE_BASE, 0x7f000);
    runToHalt(u);
    expectFault(u, 13, 0n, BigInt(CODE_BASE));
  });
});

describe('INVPCID', () => {
  const DESC = 0x7000;
  function desc(m: TestMachine, pcid: bigint, addr: bigint): void {
    m.mem.write32(DESC, Number(pcid & 0xffffffffn) | 0);
    m.mem.write32(DESC + 4, Number(pcid >> 32n) | 0);
    m.mem.write32(DESC + 8, Number(addr & 0xffffffffn) | 0);
    m.mem.write32(DESC + 12, Number((addr >> 32n) & 0xffffffffn) | 0);
  }

  it('type 0 drops an address in a PCID, 1 a PCID, 2 everything, 3 all non-global', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    m.pt.map(VA, 0x500000, 1, PT_P | PT_RW);
    m.pt.map(VA + 0x1000n, 0x501000, 1, PT_P | PT_RW | PT_G);
    m.cpu.cr4 |= CR4_PCIDE | CR4_PGE;
    desc(m, 0n, VA);
    loadCode(m, `
      mov rax, ${VA}
      mov ebx, [rax]
      mov ebx, [rax + 0x1000]
      mov ebx, ${DESC}
      xor ecx, ecx
      invpcid rcx, [rbx]
      mov ecx, 1
      invpcid rcx, [rbx]
      mov ecx, 3
      invpcid rcx, [rbx]
      mov ecx, 2
      invpcid rcx, [rbx]
      hlt`);
    runToHalt(m);
    const c = m.cpu.mmu.counters;
    expect(lastException(m).count).toBe(0);
    // type 0: VA only; types 1 and 3: the non-global 2 MiB page holding code, stack and descriptor
    // (re-filled by the next fetch); type 2: that page and the global VA+0x1000
    expect([c.dropped[FLUSH_INVPCID_ADDR], c.dropped[FLUSH_INVPCID_CONTEXT], c.dropped[FLUSH_INVPCID_NONGLOBAL],
      c.dropped[FLUSH_INVPCID_ALL]]).toEqual([1, 1, 1, 2]);
    expect(c.droppedGlobal[FLUSH_INVPCID_NONGLOBAL]).toBe(0);
    expect(c.droppedGlobal[FLUSH_INVPCID_ALL]).toBe(1);
  });

  const cases: [string, bigint, bigint, bigint, number][] = [
    ['type > 3', 4n, 0n, 0n, 13],
    ['type with high bits', 1n << 32n, 0n, 0n, 13],
    ['reserved descriptor bits 63:12', 1n, 0x1000n, 0n, 13],
    ['non-canonical address for type 0', 0n, 0n, 0x0000800000000000n, 13],
    ['non-zero PCID with PCIDE=0, type 1', 1n, 7n, 0n, 13],
  ];
  for (const [name, type, pcid, addr, vec] of cases) {
    it(`#GP(0): ${name}`, () => {
      const m = run(`mov ebx, ${DESC}\nmovabs rcx, ${type}\ninvpcid rcx, [rbx]`, (mm) => desc(mm, pcid, addr));
      expectFault(m, vec, 0n, at(`mov ebx, ${DESC}\nmovabs rcx, ${type}`));
    });
  }

  it('a non-canonical address is fine for types 1-3, and a non-zero PCID for type 2', () => {
    const m = run(`mov ebx, ${DESC}\nmov ecx, 2\ninvpcid rcx, [rbx]`, (mm) => desc(mm, 9n, 0x0000800000000000n));
    expect(lastException(m).count).toBe(0);
  });

  it('#UD without CPUID.INVPCID, without the 66 prefix, or with a register operand', () => {
    const a = run(`mov ebx, ${DESC}\nxor ecx, ecx\ninvpcid rcx, [rbx]`, (mm) => {
      mm.cpu.cpuid = { ...mm.cpu.cpuid, invpcid: false };
      desc(mm, 0n, 0n);
    });
    expectFault(a, 6, -1n, at(`mov ebx, ${DESC}\nxor ecx, ecx`));
    const b = run(`mov ebx, ${DESC}\n.byte 0x0f, 0x38, 0x82, 0x0b`);
    expectFault(b, 6, -1n, at(`mov ebx, ${DESC}`));
    const c = run('.byte 0x66, 0x0f, 0x38, 0x82, 0xcb');
    expectFault(c, 6, -1n, BigInt(CODE_BASE));
  });

  it('#GP(0) at CPL 3', () => {
    const m = createTestMachine();
    installExceptionRecorder(m);
    installTss(m, { rsp0: 0x70000 });
    desc(m, 0n, 0n);
    loadCode(m, `invpcid rcx, [rbx]\nhlt`);
    setReg(m, RBX, BigInt(DESC));
    enterUserMode(m, CODE_BASE, 0x7f000);
    runToHalt(m);
    expectFault(m, 13, 0n, BigInt(CODE_BASE));
  });
});
