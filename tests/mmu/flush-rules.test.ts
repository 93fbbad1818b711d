// What the TLB and the paging-structure caches keep, and what drops it (SDM vol. 3A 4.10.2-4.10.4),
// driven by guest code: the guest changes paging entries with plain stores, reads through the changed
// mappings (each frame holds its own marker), runs the invalidation under test, reads again, and leaves
// what it saw in a results array. Every test runs with 4- and 5-level paging.
import { describe, expect, it } from 'vitest';
import {
  createTestMachine, loadCode, runToHalt, TestMachine, installExceptionRecorder, lastException,
} from '../helpers/test-machine.js';
import { PageTableBuilder, PT_G, PT_P, PT_PS, PT_RW, PT_US } from '../../emulator/loader/page-table-builder.js';
import { CR4_PCIDE, CR4_PGE } from '../../emulator/cpu/state.js';
import {
  FLUSH_INVLPG, FLUSH_INVPCID_ADDR, FLUSH_INVPCID_ALL, FLUSH_INVPCID_CONTEXT, FLUSH_INVPCID_NONGLOBAL,
  FLUSH_MOV_CR3, FLUSH_MOV_CR4, FLUSH_PAGE_FAULT,
} from '../../emulator/hooks.js';
import { SetAssociativeTlb } from '../../emulator/mmu/tlb.js';

const VA = 0x8000000000; // PML4 slot 1: only the tests map it
const RES = 0x300000; // results: 8 bytes each
const DESC = 0x310000; // INVPCID descriptor
const FRAMES = 0x600000; // frame k at FRAMES + k*4 KiB holds the marker 0xF000 + k
const BIG = 0x1000000; // 2 MiB-aligned physical area for large pages
const RWP = PT_P | PT_RW;

const frame = (k: number) => FRAMES + k * 0x1000;
const marker = (k: number) => 0xf000 + k;

function machine(levels: 4 | 5): TestMachine {
  const m = createTestMachine({ levels });
  for (let k = 0; k < 64; k++) m.mem.write32(frame(k), marker(k));
  for (let k = 0; k < 512; k++) m.mem.write32(BIG + k * 0x1000, 0xb000 + k); // 4 KiB pieces of a 2 MiB page
  return m;
}

/** Reads the dword at `va` into result slot n. */
function rd(n: number, va: number): string {
  return `mov rax, ${va}\n  mov eax, [rax]\n  mov [${RES + 8 * n}], rax\n`;
}
/** Stores the 64-bit `value` into the paging entry at physical (= identity linear) address `at`. */
function setEntry(at: number, value: bigint): string {
  return `mov rax, ${value}\n  mov [${at}], rax\n`;
}
function res(m: TestMachine, n: number): number {
  return m.mem.read32(RES + 8 * n) >>> 0;
}
function results(m: TestMachine, count: number): number[] {
  return Array.from({ length: count }, (_, n) => res(m, n));
}
function run(m: TestMachine, body: string): void {
  loadCode(m, `${body}\n  hlt`);
  m.cpu.halted = false;
  runToHalt(m);
}
/** Makes the identity map's first 64 MiB supervisor-only (code, stack and data), for SMEP/SMAP. */
function supervisorOnly(m: TestMachine): void {
  for (let pa = 0; pa < 64 << 20; pa += 2 << 20) {
    const at = m.pt.entryAddress(BigInt(pa), 2);
    m.mem.write32(at, m.mem.read32(at) & ~4);
  }
}
const pte = (k: number, flags: bigint = RWP) => BigInt(frame(k)) | flags;

describe.each([4, 5] as const)('%i-level paging', (levels) => {
  it('a changed PTE translates to the old frame until INVLPG, MOV CR3 or INVPCID drops it', () => {
    const m = machine(levels);
    for (let p = 0; p < 4; p++) m.pt.map(BigInt(VA + p * 0x1000), frame(p), 1, RWP);
    const at = (p: number) => m.pt.entryAddress(BigInt(VA + p * 0x1000), 1);
    m.cpu.cr4 |= CR4_PCIDE;
    m.mem.write32(DESC, 0); m.mem.write32(DESC + 4, 0);
    m.mem.write32(DESC + 8, VA + 0x2000); m.mem.write32(DESC + 12, Math.floor((VA + 0x2000) / 2 ** 32));
    run(m, `
      ${[0, 1, 2, 3].map((p) => rd(p, VA + p * 0x1000)).join('')}
      ${[0, 1, 2, 3].map((p) => setEntry(at(p), pte(10 + p))).join('')}
      ${[0, 1, 2, 3].map((p) => rd(4 + p, VA + p * 0x1000)).join('')}
      mov rax, ${VA + 0x123}
      invlpg [rax]
      ${rd(8, VA)}
      ${rd(9, VA + 0x1000)}
      mov eax, ${DESC}
      xor ecx, ecx
      invpcid rcx, [rax]
      ${rd(10, VA + 0x2000)}
      ${rd(11, VA + 0x3000)}
      mov eax, ${DESC}
      mov ecx, 1
      invpcid rcx, [rax]
      ${rd(12, VA + 0x3000)}
      ${rd(13, VA + 0x1000)}`);
    expect(results(m, 14)).toEqual([
      marker(0), marker(1), marker(2), marker(3), // first reads
      marker(0), marker(1), marker(2), marker(3), // stores to the PTEs change nothing cached
      marker(10), marker(1), // INVLPG: that page only
      marker(12), marker(3), // INVPCID type 0: that address only
      marker(13), marker(11), // INVPCID type 1: the whole PCID
    ]);
    const m2 = machine(levels);
    m2.pt.map(BigInt(VA), frame(0), 1, RWP);
    run(m2, `${rd(0, VA)}${setEntry(m2.pt.entryAddress(BigInt(VA), 1), pte(5))}${rd(1, VA)}
      mov rax, cr3
      mov cr3, rax
      ${rd(2, VA)}`);
    expect(results(m2, 3)).toEqual([marker(0), marker(0), marker(5)]);
  });

  it('a global entry survives MOV CR3 and INVPCID types 0, 1 and 3; INVLPG, CR4.PGE and INVPCID 2 drop it', () => {
    const m = machine(levels);
    m.pt.map(BigInt(VA), frame(0), 1, RWP | PT_G);
    m.cpu.cr4 |= CR4_PGE | CR4_PCIDE;
    const at = m.pt.entryAddress(BigInt(VA), 1);
    m.mem.write32(DESC, 0); m.mem.write32(DESC + 4, 0);
    m.mem.write32(DESC + 8, VA); m.mem.write32(DESC + 12, Math.floor(VA / 2 ** 32));
    const step = (n: number, k: number, op: string) => `
      ${setEntry(at, pte(k, RWP | PT_G))}
      ${op}
      ${rd(n, VA)}`;
    run(m, `
      ${rd(0, VA)}
      ${step(1, 1, 'mov rax, cr3\nmov cr3, rax')}
      ${step(2, 2, `mov eax, ${DESC}\nxor ecx, ecx\ninvpcid rcx, [rax]`)}
      ${step(3, 3, `mov eax, ${DESC}\nmov ecx, 1\ninvpcid rcx, [rax]`)}
      ${step(4, 4, `mov eax, ${DESC}\nmov ecx, 3\ninvpcid rcx, [rax]`)}
      ${step(5, 5, `mov rax, ${VA}\ninvlpg [rax]`)}
      ${step(6, 6, `mov eax, ${DESC}\nmov ecx, 3\ninvpcid rcx, [rax]`)}
      ${step(7, 7, `mov eax, ${DESC}\nmov ecx, 2\ninvpcid rcx, [rax]`)}
      ${step(8, 8, 'mov rax, cr3\nmov cr3, rax')}
      ${step(9, 9, `mov rax, cr4\nbtr rax, 7\nmov cr4, rax\nbts rax, 7\nmov cr4, rax`)}`);
    expect(results(m, 10)).toEqual([
      marker(0), marker(0), marker(0), marker(0), marker(0), // CR3, INVPCID 0/1/3 keep it
      marker(5), marker(5), // INVLPG drops it; INVPCID 3 keeps the new one
      marker(7), marker(7), // INVPCID 2 drops it; CR3 keeps the new one
      marker(9), // the PGE toggle drops it
    ]);
    const c = m.cpu.mmu.counters;
    expect(c.droppedGlobal[FLUSH_INVLPG]).toBe(1);
    expect(c.droppedGlobal[FLUSH_INVPCID_ALL]).toBe(1);
    expect(c.droppedGlobal[FLUSH_MOV_CR4]).toBe(1);
    expect(c.droppedGlobal[FLUSH_MOV_CR3] + c.droppedGlobal[FLUSH_INVPCID_NONGLOBAL] +
      c.droppedGlobal[FLUSH_INVPCID_ADDR] + c.droppedGlobal[FLUSH_INVPCID_CONTEXT]).toBe(0);
  });

  it('PCIDs tag entries: CR3 bit 63 keeps a PCID\'s entries, a load without it drops them', () => {
    const m = machine(levels);
    m.pt.map(BigInt(VA), frame(0), 1, RWP);
    // a second address space for PCID 1: same identity map, VA -> frame 1
    const pt2 = new PageTableBuilder(m.mem, 0x40000, 0x60000, levels);
    for (let pa = 0; pa < 1 << 30; pa += 1 << 21) pt2.map(BigInt(pa), pa, 2, RWP | PT_US);
    pt2.map(BigInt(VA), frame(1), 1, RWP);
    m.cpu.cr4 |= CR4_PCIDE;
    const at1 = m.pt.entryAddress(BigInt(VA), 1), at2 = pt2.entryAddress(BigInt(VA), 1);
    const NF = 1n << 63n;
    const cr3 = (root: number, pcid: number, keep: boolean) => `mov rax, ${BigInt(root) | BigInt(pcid) | (keep ? NF : 0n)}\nmov cr3, rax\n`;
    run(m, `
      ${rd(0, VA)}
      ${cr3(pt2.root, 1, true)}
      ${rd(1, VA)}
      ${setEntry(at1, pte(2))}
      ${setEntry(at2, pte(3))}
      ${cr3(m.pt.root, 0, true)}
      ${rd(2, VA)}
      ${cr3(pt2.root, 1, true)}
      ${rd(3, VA)}
      ${cr3(m.pt.root, 0, false)}
      ${rd(4, VA)}
      ${cr3(pt2.root, 1, true)}
      ${rd(5, VA)}
      ${cr3(pt2.root, 1, false)}
      ${rd(6, VA)}`);
    expect(results(m, 7)).toEqual([
      marker(0), marker(1), // each PCID fills its own entry
      marker(0), marker(1), // bit 63 set: both survive the switches (stale after the PTE stores)
      marker(2), // PCID 0 loaded without bit 63: its entries go
      marker(1), marker(3), // PCID 1 untouched by that, until its own flushing load
    ]);
    expect(m.cpu.mmu.entries().some((e) => e.pcid === 1 && e.firstVpn4k() * 4096 === VA)).toBe(true);
  });

  it('splitting a 2 MiB page into 4 KiB pages: the 2 MiB entry is used until INVLPG, which drops it for any address in it', () => {
    const m = machine(levels);
    const V2 = VA + 0x200000;
    m.pt.map(BigInt(V2), BIG, 2, RWP);
    const pde = m.pt.entryAddress(BigInt(V2), 2);
    const pt = m.pt.allocTable();
    for (let k = 0; k < 512; k++) m.pt.writeEntry(pt + 8 * k, pte(k % 64));
    run(m, `
      ${rd(0, V2 + 0x5000)}
      ${setEntry(pde, BigInt(pt) | RWP)}
      ${rd(1, V2 + 0x5000)}
      ${rd(2, V2 + 0x7000)}
      mov rax, ${V2 + 0x3000}
      invlpg [rax]
      ${rd(3, V2 + 0x5000)}
      ${rd(4, V2 + 0x7000)}`);
    expect(results(m, 5)).toEqual([0xb005, 0xb005, 0xb007, marker(5), marker(7)]);
    // the split left 4 KiB entries only
    const sizes = m.cpu.mmu.entries().filter((e) => e.firstVpn4k() * 4096 >= V2 && e.firstVpn4k() * 4096 < V2 + 0x200000).map((e) => e.level);
    expect(sizes.sort()).toEqual([0, 0]);
  });

  it('a 1 GiB entry is dropped by INVLPG of any address inside it', () => {
    const m = machine(levels);
    m.mem.addRange(2 ** 30, 2 ** 30, 1);
    m.mem.write32(2 ** 30 + 0x8000, 0x1111);
    m.mem.write32(0x8000, 0x2222);
    m.pt.map(BigInt(VA), 2 ** 30, 3, RWP);
    const pdpte = m.pt.entryAddress(BigInt(VA), 3);
    run(m, `
      ${rd(0, VA + 0x8000)}
      ${setEntry(pdpte, RWP | PT_PS)}
      ${rd(1, VA + 0x8000)}
      mov rax, ${VA + 0x3fff0000}
      invlpg [rax]
      ${rd(2, VA + 0x8000)}`);
    expect(results(m, 3)).toEqual([0x1111, 0x1111, 0x2222]);
    expect(m.cpu.mmu.counters.dropped[FLUSH_INVLPG]).toBe(1);
  });

  it('the PDE cache keeps walking the old page table after the PDE changes, until INVLPG of any address', () => {
    const m = machine(levels);
    // PDE -> table A: pages 0..3 -> frames 0..3; table B (not yet linked): pages 0..3 -> frames 20..23
    for (let p = 0; p < 4; p++) m.pt.map(BigInt(VA + p * 0x1000), frame(p), 1, RWP);
    const pde = m.pt.entryAddress(BigInt(VA), 2);
    const tableB = m.pt.allocTable();
    for (let p = 0; p < 4; p++) m.pt.writeEntry(tableB + 8 * p, pte(20 + p));
    const code = `
      ${rd(0, VA)}
      ${setEntry(pde, BigInt(tableB) | RWP)}
      ${rd(1, VA + 0x1000)}
      mov rax, ${VA + 0x100000}
      invlpg [rax]
      ${rd(2, VA + 0x2000)}
      ${rd(3, VA + 0x1000)}
      ${rd(4, VA)}`;
    run(m, code);
    // page 1 was never in the TLB, yet its walk went through the cached PDE to table A; INVLPG of an
    // unrelated address dropped the PDE cache (SDM 4.10.4.1) but not the TLB entries of pages 0 and 1
    expect(results(m, 5)).toEqual([marker(0), marker(1), marker(22), marker(1), marker(0)]);
    const c = m.cpu.mmu.counters;
    expect(c.pscHits[0]).toBeGreaterThan(0);
    expect(c.pscDropped[FLUSH_INVLPG]).toBeGreaterThan(0);

    // without paging-structure caches the same code sees table B at once
    const n = machine(levels);
    for (let p = 0; p < 4; p++) n.pt.map(BigInt(VA + p * 0x1000), frame(p), 1, RWP);
    const tB = n.pt.allocTable();
    expect(tB).toBe(tableB);
    for (let p = 0; p < 4; p++) n.pt.writeEntry(tB + 8 * p, pte(20 + p));
    n.cpu.mmu.setPscEnabled(false);
    run(n, code);
    expect(results(n, 5)).toEqual([marker(0), marker(21), marker(22), marker(21), marker(0)]);
    expect(n.cpu.mmu.counters.pscHits[0]).toBe(0);
  });

  it('a freed page-table page is still walked through a stale PDE-cache entry; the #PF drops that entry', () => {
    const m = machine(levels);
    installExceptionRecorder(m);
    for (let p = 0; p < 2; p++) m.pt.map(BigInt(VA + p * 0x1000), frame(p), 1, RWP);
    const pde = m.pt.entryAddress(BigInt(VA), 2);
    const tableA = m.pt.entryAddress(BigInt(VA), 1);
    const tableB = m.pt.allocTable();
    m.pt.writeEntry(tableB + 8, pte(31));
    // The guest moves the mapping to table B and "frees" table A (zeroes it) without any flush; the
    // next access to page 1 still walks table A through the PDE cache and faults, although the tables
    // in memory map it. The #PF invalidates the PDE-cache entry (4.10.4.1), so the retry succeeds.
    run(m, `
      ${rd(0, VA)}
      ${setEntry(pde, BigInt(tableB) | RWP)}
      ${setEntry(tableA, 0n)}
      ${setEntry(tableA + 8, 0n)}
      lea rax, [rip + retry]
      mov [${0x3000 + 72}], rax
    retry:
      ${rd(1, VA + 0x1000)}`);
    const ev = lastException(m);
    expect(ev.count).toBe(1);
    expect(ev.vector).toBe(14);
    expect(ev.errorCode).toBe(0n); // not present, supervisor read
    expect(ev.cr2).toBe(BigInt(VA + 0x1000));
    expect(results(m, 2)).toEqual([marker(0), marker(31)]);
    const c = m.cpu.mmu.counters;
    expect(c.flushes[FLUSH_PAGE_FAULT]).toBe(1);
    expect(c.pscDropped[FLUSH_PAGE_FAULT]).toBeGreaterThan(0);
  });

  it('MOV CR3 drops the paging-structure caches of the PCID (bit 63 keeps them)', () => {
    const m = machine(levels);
    m.pt.map(BigInt(VA), frame(0), 1, RWP);
    m.pt.map(BigInt(VA + 0x1000), frame(1), 1, RWP);
    const pde = m.pt.entryAddress(BigInt(VA), 2);
    const tableB = m.pt.allocTable();
    m.pt.writeEntry(tableB + 8, pte(41));
    m.cpu.cr4 |= CR4_PCIDE;
    const NF = 1n << 63n;
    run(m, `
      ${rd(0, VA)}
      ${setEntry(pde, BigInt(tableB) | RWP)}
      mov rax, cr3
      mov rbx, ${NF}
      or rax, rbx
      mov cr3, rax
      ${rd(1, VA + 0x1000)}
      mov rax, cr3
      btr rax, 63
      mov cr3, rax
      ${rd(2, VA + 0x1000)}`);
    expect(results(m, 3)).toEqual([marker(0), marker(1), marker(41)]);
    expect(m.cpu.mmu.counters.pscDropped[FLUSH_MOV_CR3]).toBeGreaterThan(0);
  });

  it('a not-present entry is never cached: making it present needs no flush', () => {
    const m = machine(levels);
    installExceptionRecorder(m);
    m.pt.map(BigInt(VA), frame(0), 1, 0n);
    const at = m.pt.entryAddress(BigInt(VA), 1);
    run(m, `
      lea rax, [rip + 1f]
      mov [${0x3000 + 72}], rax
      ${rd(0, VA)}
    1:
      ${setEntry(at, pte(6))}
      ${rd(1, VA)}`);
    expect(lastException(m).count).toBe(1);
    expect(lastException(m).errorCode).toBe(0n);
    expect(res(m, 1)).toBe(marker(6));
  });

  it('accessed and dirty flags: set by walks only; a write through a clean entry walks again; stores to the tables do not touch the TLB', () => {
    const m = machine(levels);
    m.pt.map(BigInt(VA), frame(0), 1, RWP);
    const at = m.pt.entryAddress(BigInt(VA), 1);
    const pdeAt = m.pt.entryAddress(BigInt(VA), 2);
    run(m, `
      ${rd(0, VA)}
      mov rax, [${at}]
      mov [${RES + 8}], rax
      and qword ptr [${at}], ~0x20
      ${rd(2, VA)}
      mov rax, [${at}]
      mov [${RES + 24}], rax
      mov rax, ${VA}
      mov dword ptr [rax + 4], 1
      mov rax, [${at}]
      mov [${RES + 32}], rax
      and qword ptr [${at}], ~0x60
      mov rax, ${VA}
      mov dword ptr [rax + 8], 2
      mov rax, [${at}]
      mov [${RES + 40}], rax
      mov rax, [${pdeAt}]
      mov [${RES + 48}], rax`);
    const f = BigInt(frame(0)) | RWP;
    const q = (n: number) => (BigInt(m.mem.read32(RES + 8 * n + 4) >>> 0) << 32n) | BigInt(m.mem.read32(RES + 8 * n) >>> 0);
    expect(q(1)).toBe(f | 0x20n); // the read's walk set A, not D
    expect(q(3)).toBe(f); // A cleared by the guest stays clear: the read hit the TLB
    expect(q(4)).toBe(f | 0x60n); // the write walked again (D was clear in the entry) and set A and D
    expect(q(5)).toBe(f); // D cleared by the guest: the next write hits the now-dirty entry
    expect(q(6) & 0x20n).toBe(0x20n); // the PDE's A was set by the first walk
  });

  it('a cached entry with fewer rights than the tables is re-walked instead of faulting', () => {
    const m = machine(levels);
    installExceptionRecorder(m);
    m.pt.map(BigInt(VA), frame(0), 1, PT_P);
    const at = m.pt.entryAddress(BigInt(VA), 1);
    run(m, `
      ${rd(0, VA)}
      ${setEntry(at, pte(0))}
      mov rax, ${VA}
      mov dword ptr [rax + 4], 7
      ${rd(1, VA + 4)}`);
    expect(lastException(m).count).toBe(0);
    expect(res(m, 1)).toBe(7);
  });

  it('CR4.SMEP 0->1 drops the current PCID\'s entries; 1->0 and a SMAP change drop nothing', () => {
    const m = machine(levels);
    supervisorOnly(m);
    m.pt.map(BigInt(VA), frame(0), 1, RWP);
    const at = m.pt.entryAddress(BigInt(VA), 1);
    run(m, `
      ${rd(0, VA)}
      ${setEntry(at, pte(1))}
      mov rax, cr4
      bts rax, 21
      mov cr4, rax
      ${rd(1, VA)}
      mov rax, cr4
      bts rax, 20
      mov cr4, rax
      ${rd(2, VA)}
      ${setEntry(at, pte(2))}
      mov rax, cr4
      btr rax, 20
      mov cr4, rax
      ${rd(3, VA)}`);
    expect(results(m, 4)).toEqual([marker(0), marker(0), marker(1), marker(1)]);
    expect(m.cpu.mmu.counters.flushes[FLUSH_MOV_CR4]).toBe(1);
  });

  it('INVPCID types 0 and 1 for another PCID leave the current one alone', () => {
    const m = machine(levels);
    m.pt.map(BigInt(VA), frame(0), 1, RWP);
    const at = m.pt.entryAddress(BigInt(VA), 1);
    m.cpu.cr4 |= CR4_PCIDE;
    m.mem.write32(DESC, 7); m.mem.write32(DESC + 4, 0);
    m.mem.write32(DESC + 8, VA); m.mem.write32(DESC + 12, Math.floor(VA / 2 ** 32));
    run(m, `
      ${rd(0, VA)}
      ${setEntry(at, pte(1))}
      mov eax, ${DESC}
      xor ecx, ecx
      invpcid rcx, [rax]
      mov ecx, 1
      invpcid rcx, [rax]
      ${rd(1, VA)}`);
    expect(results(m, 2)).toEqual([marker(0), marker(0)]);
    expect(m.cpu.mmu.counters.dropped[FLUSH_INVPCID_ADDR] + m.cpu.mmu.counters.dropped[FLUSH_INVPCID_CONTEXT]).toBe(0);
  });

  it('a bounded set-associative TLB evicts the oldest fill of a set, which then sees the new PTE', () => {
    const m = machine(levels);
    m.cpu.mmu.tlb = new SetAssociativeTlb(8, 2); // 4 sets of 2 ways per page size
    // pages 0, 4, 8 of VA share a set (page number mod 4)
    for (const p of [0, 4, 8]) m.pt.map(BigInt(VA + p * 0x1000), frame(p), 1, RWP);
    const at = (p: number) => m.pt.entryAddress(BigInt(VA + p * 0x1000), 1);
    run(m, `
      ${rd(0, VA)}
      ${rd(1, VA + 0x4000)}
      ${setEntry(at(0), pte(30))}
      ${setEntry(at(4), pte(34))}
      ${rd(2, VA + 0x8000)}
      ${rd(3, VA + 0x4000)}
      ${rd(4, VA)}`);
    // page 8's fill evicted page 0 (the oldest of the set): page 0 is walked again, page 4 is still stale
    expect(results(m, 5)).toEqual([marker(0), marker(4), marker(8), marker(4), marker(30)]);
    expect(m.cpu.mmu.counters.evictions).toBeGreaterThanOrEqual(2);
    expect(m.cpu.mmu.tlb.size()).toBeLessThanOrEqual(8 * 3);
  });
});

describe('debug translation', () => {
  it('is side-effect free: no A/D writes, no TLB or paging-structure-cache fill, counters unchanged', () => {
    const m = machine(4);
    m.pt.map(BigInt(VA), frame(3), 1, RWP);
    const leaf = m.pt.entryAddress(BigInt(VA), 1);
    const pde = m.pt.entryAddress(BigInt(VA), 2);
    const before = [leaf, pde].map((a) => m.mem.read32(a));
    const mmu = m.cpu.mmu;
    const tlbBefore = mmu.tlb.size(), pscBefore = mmu.psc.size();
    const counters = JSON.stringify(mmu.counters);
    const lo = VA % 2 ** 32 | 0, hi = Math.floor(VA / 2 ** 32);
    expect(mmu.debugTranslate(lo + 0x123, hi)).toBe(frame(3) + 0x123);
    expect(mmu.debugTranslate(0, 0x8000)).toBe(-1); // non-canonical
    expect([leaf, pde].map((a) => m.mem.read32(a))).toEqual(before);
    expect(mmu.tlb.size()).toBe(tlbBefore);
    expect(mmu.psc.size()).toBe(pscBefore);
    expect(JSON.stringify(mmu.counters)).toBe(counters);
    // the translation it reports is the current table, not what the TLB holds
    run(m, rd(0, VA));
    m.pt.writeEntry(leaf, pte(4));
    expect(mmu.debugTranslate(lo, hi)).toBe(frame(4));
    run(m, rd(1, VA));
    expect(results(m, 2)).toEqual([marker(3), marker(3)]);
  });
});
