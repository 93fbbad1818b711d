// Reserved bits in paging entries (SDM vol. 3A 4.5.4, tables 4-15..4-20) give #PF with P=1 and RSVD=1,
// and stop the walk at that entry (no accessed flag set there); non-canonical addresses give #GP(0), or
// #SS(0) for stack references, before any walk (3.3.7.1). Driven by guest code with an exception
// recorder, with 4- and 5-level paging.
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, installExceptionRecorder, lastException, loadCode, runToHalt, TestMachine,
} from '../helpers/test-machine.js';
import { PT_NX, PT_P, PT_PS, PT_RW } from '../../emulator/loader/page-table-builder.js';
import { EFER_NXE } from '../../emulator/cpu/state.js';

const VA = 0x8000000000;
const RWP = PT_P | PT_RW;
const A = 0x20n;

function machine(levels: 4 | 5): TestMachine {
  const m = createTestMachine({ levels });
  installExceptionRecorder(m);
  m.mem.write32(0x600000, 0x1234);
  return m;
}

/** Runs a write of 1 to VA + off, resuming after it if it faults; returns the recorded exception. */
function access(m: TestMachine, off = 0, op = 'mov dword ptr [rax], 1') {
  loadCode(m, `
    lea rbx, [rip + 1f]
    mov [${0x3000 + 72}], rbx
    mov rax, ${VA + off}
    ${op}
  1:
    hlt`);
  runToHalt(m);
  return lastException(m);
}

function entry(m: TestMachine, at: number): bigint {
  return m.pt.readEntry(at);
}

describe.each([4, 5] as const)('%i-level paging', (levels) => {
  it('address bits at or above MAXPHYADDR are reserved in every level', () => {
    for (const level of [1, 2, 3, 4] as const) {
      const m = machine(levels);
      m.pt.map(BigInt(VA), 0x600000, 1, RWP);
      const at = m.pt.entryAddress(BigInt(VA), level);
      m.pt.writeEntry(at, entry(m, at) | (1n << 46n)); // MAXPHYADDR = 46
      const ev = access(m);
      expect(ev.count, `level ${level}`).toBe(1);
      expect(ev.vector).toBe(14);
      expect(ev.errorCode).toBe(0xbn); // P | W | RSVD
      expect(ev.cr2).toBe(BigInt(VA));
      expect(entry(m, at) & A).toBe(0n); // the walk stopped at this entry
    }
    // with MAXPHYADDR = 52 the same bit is an address bit: the walk goes on (to unbacked memory)
    const m = machine(levels);
    m.cpu.cpuid = { ...m.cpu.cpuid, maxPhysAddr: 52 };
    m.pt.map(BigInt(VA), 0x600000, 1, RWP);
    const at = m.pt.entryAddress(BigInt(VA), 1);
    m.pt.writeEntry(at, entry(m, at) | (1n << 46n));
    expect(access(m, 0, 'mov ecx, [rax]').count).toBe(0);
  });

  it('XD is reserved while EFER.NXE=0, at any level', () => {
    for (const level of [1, 2, 3] as const) {
      const m = machine(levels);
      m.cpu.efer &= ~EFER_NXE;
      m.pt.map(BigInt(VA), 0x600000, 1, RWP);
      const at = m.pt.entryAddress(BigInt(VA), level);
      m.pt.writeEntry(at, entry(m, at) | PT_NX);
      const ev = access(m, 0, 'mov ecx, [rax]');
      expect(ev.count).toBe(1);
      expect(ev.errorCode).toBe(0x9n); // P | RSVD (a read)
    }
  });

  it('PS is reserved in a PML4E (and PML5E), and in a PDPTE without 1 GiB pages', () => {
    const m = machine(levels);
    m.pt.map(BigInt(VA), 0x600000, 1, RWP);
    const pml4e = m.pt.entryAddress(BigInt(VA), 4);
    m.pt.writeEntry(pml4e, entry(m, pml4e) | PT_PS);
    expect(access(m).errorCode).toBe(0xbn);

    const g = machine(levels);
    g.cpu.cpuid = { ...g.cpu.cpuid, gbPages: false };
    g.mem.addRange(2 ** 30, 2 ** 30, 1);
    g.pt.map(BigInt(VA), 2 ** 30, 3, RWP);
    const ev = access(g);
    expect(ev.count).toBe(1);
    expect(ev.errorCode).toBe(0xbn);
    // the same entry maps 1 GiB when the CPU has 1 GiB pages
    const ok = machine(levels);
    ok.mem.addRange(2 ** 30, 2 ** 30, 1);
    ok.pt.map(BigInt(VA), 2 ** 30, 3, RWP);
    expect(access(ok).count).toBe(0);
    expect(ok.mem.read32(2 ** 30)).toBe(1);
  });

  it('bits 20:13 of a 2 MiB leaf and 29:13 of a 1 GiB leaf are reserved; bit 12 (PAT) is not', () => {
    for (const [leaf, bit] of [[2, 13n], [2, 20n], [3, 13n], [3, 29n], [2, 12n], [3, 12n]] as const) {
      const m = machine(levels);
      m.mem.addRange(2 ** 30, 2 ** 30, 1);
      m.pt.map(BigInt(VA), leaf === 2 ? 0x600000 : 2 ** 30, leaf, RWP);
      const at = m.pt.entryAddress(BigInt(VA), leaf);
      m.pt.writeEntry(at, entry(m, at) | (1n << bit));
      const ev = access(m, 0x10);
      if (bit === 12n) {
        expect(ev.count, `PAT in a ${leaf === 2 ? '2 MiB' : '1 GiB'} leaf`).toBe(0);
      } else {
        expect(ev.count, `bit ${bit} in level ${leaf}`).toBe(1);
        expect(ev.errorCode).toBe(0xbn);
        expect(ev.cr2).toBe(BigInt(VA + 0x10));
      }
    }
  });

  it('a non-canonical address raises #GP(0), or #SS(0) through RSP/RBP, not a #PF', () => {
    const bit = levels === 5 ? 56n : 47n;
    const nc = 1n << bit; // not sign-extended
    const m = machine(levels);
    loadCode(m, `
      lea rbx, [rip + 1f]
      mov [${0x3000 + 72}], rbx
      mov rax, ${nc}
      mov ecx, [rax]
    1:
      hlt`);
    runToHalt(m);
    let ev = lastException(m);
    expect([ev.vector, ev.errorCode]).toEqual([13, 0n]);
    const m2 = machine(levels);
    loadCode(m2, `
      lea rbx, [rip + 1f]
      mov [${0x3000 + 72}], rbx
      mov rbp, ${nc}
      mov ecx, [rbp + 8]
    1:
      hlt`);
    runToHalt(m2);
    ev = lastException(m2);
    expect([ev.vector, ev.errorCode]).toEqual([12, 0n]);
    // the highest canonical address of the lower half is fine (it is just not mapped: #PF)
    const m3 = machine(levels);
    loadCode(m3, `
      lea rbx, [rip + 1f]
      mov [${0x3000 + 72}], rbx
      mov rax, ${nc - 8n}
      mov ecx, [rax]
    1:
      hlt`);
    runToHalt(m3);
    ev = lastException(m3);
    expect([ev.vector, ev.errorCode, ev.cr2]).toEqual([14, 0n, nc - 8n]);
  });
});
