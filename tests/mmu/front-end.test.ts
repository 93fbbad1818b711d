// The front-end (mmu.ts) must never outlive the architectural TLB or the rights it was filled under:
// privilege changes (CPL, RFLAGS.AC with SMAP), invalidations and page-crossing accesses, driven by guest
// code. Also the hooks: a tlbHit listener sees every access (the front-end is off), fills, flushes and
// faults are reported, and nobody listening leaves the fast path on.
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, enterUserMode, installExceptionRecorder, installTss, lastException, loadCode, runToHalt,
  TestMachine, CODE_BASE,
} from '../helpers/test-machine.js';
import { PT_P, PT_RW, PT_US } from '../../emulator/loader/page-table-builder.js';
import { CR4_SMAP } from '../../emulator/cpu/state.js';
import { FLUSH_INVLPG, FlushEvent, FaultEvent } from '../../emulator/hooks.js';
import { ACC_WRITE } from '../../emulator/mmu/access.js';
import type { TlbEntry } from '../../emulator/mmu/tlb.js';

const VA = 0x8000000000;
const RES = 0x300000;
const RESUME = 0x3000 + 72; // installExceptionRecorder: resume address

function machine(levels: 4 | 5, userPage: boolean): TestMachine {
  const m = createTestMachine({ levels });
  installExceptionRecorder(m, [0x80], { dpl: 3 });
  m.mem.write32(0x600000, 0x5151);
  m.mem.write32(0x600ffc, 0x01020304);
  m.mem.write32(0x601000, 0x05060708);
  m.pt.map(BigInt(VA), 0x600000, 1, PT_P | PT_RW | (userPage ? PT_US : 0n));
  m.pt.map(BigInt(VA + 0x1000), 0x601000, 1, PT_P | PT_RW | (userPage ? PT_US : 0n));
  return m;
}

/** Kernel identity map made supervisor-only below 64 MiB (for SMAP). */
function supervisorOnly(m: TestMachine): void {
  for (let pa = 0; pa < 64 << 20; pa += 2 << 20) {
    const at = m.pt.entryAddress(BigInt(pa), 2);
    m.mem.write32(at, m.mem.read32(at) & ~4);
  }
}

describe.each([4, 5] as const)('%i-level paging', (levels) => {
  it('a page the kernel just read through the front-end still faults for CPL 3', () => {
    const m = machine(levels, false);
    installTss(m, { rsp0: 0x70000 });
    // CPL 0 part at CODE_BASE reads VA; then IRETQ to CPL 3 code that reads VA again
    loadCode(m, `
      mov rax, ${VA}
      mov ecx, [rax]
      mov [${RES}], ecx
      push 0x2b
      push 0x7f000
      push 2
      push 0x33
      lea rax, [rip + user]
      push rax
      iretq
    user:
      mov rax, ${VA}
      mov ecx, [rax]
      hlt`);
    runToHalt(m);
    expect(m.mem.read32(RES)).toBe(0x5151);
    const ev = lastException(m);
    expect([ev.vector, ev.errorCode, ev.cr2]).toEqual([14, 5n, BigInt(VA)]); // P | U, a read
  });

  it('with SMAP, STAC/CLAC switch the kernel between allowed and faulting on a user page', () => {
    const m = machine(levels, true);
    supervisorOnly(m);
    m.cpu.cr4 |= CR4_SMAP;
    loadCode(m, `
      stac
      mov rax, ${VA}
      mov ecx, [rax]
      mov [${RES}], ecx
      clac
      lea rbx, [rip + 1f]
      mov [${RESUME}], rbx
      mov ecx, [rax]
    1:
      stac
      mov ecx, [rax + 4]
      mov [${RES + 8}], ecx
      clac
      hlt`);
    runToHalt(m);
    const ev = lastException(m);
    expect(ev.count).toBe(1);
    expect([ev.vector, ev.errorCode, ev.cr2]).toEqual([14, 1n, BigInt(VA)]);
    expect(m.mem.read32(RES)).toBe(0x5151);
    expect(m.mem.read32(RES + 8)).toBe(0); // the word after the marker
    expect(m.cpu.mmu.counters.feHits).toBeGreaterThan(0);
  });

  it('a page-crossing read faults with CR2 at the first byte of the missing page, and reads both frames', () => {
    const m = machine(levels, false);
    loadCode(m, `
      mov rax, ${VA}
      mov ecx, [rax + 0xffe]
      mov [${RES}], ecx
      mov rbx, ${m.pt.entryAddress(BigInt(VA + 0x1000), 1)}
      mov qword ptr [rbx], 0
      invlpg [rax + 0x1000]
      lea rbx, [rip + 1f]
      mov [${RESUME}], rbx
      mov ecx, [rax + 0xffe]
    1:
      hlt`);
    runToHalt(m);
    expect(m.mem.read32(RES) >>> 0).toBe(0x07080102);
    const ev = lastException(m);
    expect([ev.vector, ev.errorCode, ev.cr2]).toEqual([14, 0n, BigInt(VA + 0x1000)]);
  });
});

describe('hooks', () => {
  it('a tlbHit listener sees every translation; fills, flushes and faults are reported with the instruction RIP', () => {
    const m = machine(4, false);
    const hits: [number, number][] = [];
    const fills: TlbEntry[] = [];
    const flushes: FlushEvent[] = [];
    const faults: FaultEvent[] = [];
    m.cpu.setHooks({
      tlbHit: (_c, e, lo, _hi, access) => { if (e.firstVpn4k() * 4096 === VA) hits.push([lo, access]); },
      tlbFill: (_c, e) => { fills.push(e); },
      tlbFlush: (ev) => { flushes.push(ev); },
      wantDroppedEntries: true,
      fault: (ev) => { faults.push(ev); },
    });
    const src = `
      mov rax, ${VA}
      mov ecx, 8
    2:
      mov edx, [rax]
      mov [rax + 8], edx
      dec ecx
      jnz 2b
    inv:
      invlpg [rax]
      lea rbx, [rip + 1f]
      mov [${RESUME}], rbx
      mov rdx, ${VA + 0x5000}
    pf:
      mov edx, [rdx]
    1:
      hlt`;
    loadCode(m, src);
    runToHalt(m);
    // 8 reads and 8 writes: the first read fills, the first write re-walks (D clear), the rest hit
    expect(hits.filter(([, a]) => (a & ACC_WRITE) === 0).length).toBe(7);
    expect(hits.filter(([, a]) => (a & ACC_WRITE) !== 0).length).toBe(7);
    expect(m.cpu.mmu.counters.feHits).toBe(0);
    const vaFills = fills.filter((e) => e.firstVpn4k() * 4096 === VA);
    expect(vaFills.map((e) => e.dirty)).toEqual([false, true]);
    expect(vaFills[0].alive).toBe(false); // replaced by the re-walk
    const inv = flushes.filter((f) => f.kind === FLUSH_INVLPG);
    expect(inv).toHaveLength(1);
    expect(inv[0].dropped).toBe(1);
    expect(inv[0].entries).toEqual([vaFills[1]]);
    expect(vaFills[1].alive).toBe(false);
    const codeEnd = CODE_BASE + 0x40;
    expect(inv[0].ripLo).toBeGreaterThan(CODE_BASE);
    expect(inv[0].ripLo).toBeLessThan(codeEnd);
    expect(faults.map((f) => [f.vector, f.errorCode, f.addrLo, f.addrHi])).toEqual([[14, 0, (VA + 0x5000) % 2 ** 32, VA / 2 ** 32]]);
    expect(faults[0].ripLo).toBeGreaterThan(inv[0].ripLo);
    // without listeners the same code runs through the front-end
    const n = machine(4, false);
    loadCode(n, src);
    runToHalt(n);
    expect(n.cpu.mmu.counters.feHits).toBeGreaterThan(14);
  });
});
