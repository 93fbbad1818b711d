// Exhaustive access-rights matrix in the style of kvm-unit-tests x86/access.c: every combination of
// P, R/W, U/S, XD in the leaf and in the entry above it, page size 4K/2M/1G, CR0.WP, CR4.SMEP, CR4.SMAP,
// RFLAGS.AC, EFER.NXE, CPL 0/3 and access read/write/fetch/implicit supervisor read (an IDT gate read
// through the page). Guest code sets the paging entries, CR0, CR4 and EFER for each case, reloads CR3,
// performs the access at the right CPL, and records the #PF error code, CR2 and the entries afterwards.
// The expectation comes from the small reference model below, written from SDM vol. 3A 4.5-4.8, not
// from the walker.
import { describe, expect, it } from 'vitest';
import { createTestMachine, TestMachine, CODE_BASE } from '../helpers/test-machine.js';
import { assemble } from '../helpers/asm.js';
import { PageTableBuilder, PT_G, PT_P, PT_RW, PT_US } from '../../emulator/loader/page-table-builder.js';
import { E820_RAM } from '../../emulator/memory/e820.js';
import { RUN_HALT } from '../../emulator/cpu/cpu.js';
import { FLUSH_MOV_CR3 } from '../../emulator/hooks.js';
import {
  CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, CR4_PGE, CR4_SMAP, CR4_SMEP, EFER_LMA, EFER_LME, EFER_NXE,
  EFER_SCE, AC,
} from '../../emulator/cpu/state.js';

// ------------------------------------------------------------------ the reference model (SDM 4.5-4.8)

export interface Bits { p: boolean; rw: boolean; us: boolean; nx: boolean }
export type Kind = 'read' | 'write' | 'fetch' | 'implicit';

export interface Case {
  leaf: Bits;
  upper: Bits;
  /** 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB leaf. */
  size: number;
  wp: boolean;
  smep: boolean;
  smap: boolean;
  ac: boolean;
  nxe: boolean;
  cpl: 0 | 3;
  kind: Kind;
}

export interface Outcome {
  /** #PF error code, or -1 when the access completes. */
  err: number;
  leafA: boolean;
  leafD: boolean;
  upperA: boolean;
}

/**
 * What the SDM says happens. The walk goes top-down through entries whose other levels allow
 * everything; a not-present entry ends it with P=0 in the error code (4.7); a present entry with a
 * reserved bit set (XD while EFER.NXE=0, 4.5.4) ends it with P=1 and RSVD=1. Otherwise the access
 * rights of 4.6.1 decide. Accessed flags: set in each entry the walk used; in the leaf (with the
 * dirty flag for a write) only when the access completes (what QEMU and Unicorn do).
 */
export function reference(c: Case): Outcome {
  const write = c.kind === 'write', fetch = c.kind === 'fetch', implicit = c.kind === 'implicit';
  const userMode = c.cpl === 3 && !implicit; // implicit accesses are supervisor-mode at any CPL
  const code = (p: boolean, rsvd: boolean): number =>
    (p ? 1 : 0) | (write ? 2 : 0) | (userMode ? 4 : 0) | (rsvd ? 8 : 0) | (fetch && (c.nxe || c.smep) ? 16 : 0);
  const fault = (err: number, upperA: boolean): Outcome => ({ err, leafA: false, leafD: false, upperA });
  if (!c.upper.p) return fault(code(false, false), false);
  if (c.upper.nx && !c.nxe) return fault(code(true, true), false);
  if (!c.leaf.p) return fault(code(false, false), true);
  if (c.leaf.nx && !c.nxe) return fault(code(true, true), true);
  const userAddr = c.upper.us && c.leaf.us; // a "user-mode address"
  const writable = c.upper.rw && c.leaf.rw;
  const executable = !c.nxe || !(c.upper.nx || c.leaf.nx);
  let ok: boolean;
  if (userMode) {
    if (fetch) ok = userAddr && executable;
    else if (write) ok = userAddr && writable;
    else ok = userAddr;
  } else if (fetch) {
    ok = userAddr ? !c.smep && executable : executable;
  } else {
    // data: SMAP forbids user-mode addresses unless AC=1 and the access is explicit
    const smapDenies = userAddr && c.smap && (!c.ac || implicit);
    if (smapDenies) ok = false;
    else if (write) ok = c.wp ? writable : true;
    else ok = true;
  }
  if (!ok) return fault(code(true, false), true);
  return { err: -1, leafA: true, leafD: write, upperA: true };
}

// ------------------------------------------------------------------ the guest

const CTL = 0x6000; // +0 case, +8 end, +16 saved RSP, +24 result, +32 unexpected vector
const TSS = 0x7000;
const IDT_PAGE = 0x8000; // gates 0..63 at +0xc00, mapped just below each test page
const KSTACK = 0x90000;
const POOL = 0x800000, POOL_END = 0xc00000;
const CASES = 0x1000000, RESULTS = 0x1c00000;
const USER_VA = 0x40000000, USER_PA = 0x2800000, USER_STACK = USER_VA + 0x100000;
const CASE_SIZE = 96, RESULT_SIZE = 32;
const BATCH = 16384;

const TEST_VA = [0x8000200000, 0x10040000000, 0x20000000000];
const TEST_PA = [0x3000000, 0x3200000, 0x40000000];
const OFF_READ = 0x100, OFF_WRITE = 0x200, OFF_FETCH = 0x800; // the vector-64 gate is at +0
const VEC_EXIT = 0x30, VEC_IMPLICIT = 0x40;
// fixed entry points in the kernel image
const H_EXIT = CODE_BASE + 0x100, H_PF = CODE_BASE + 0x200, H_BAD = CODE_BASE + 0x400;

const KERNEL = `
.set CTL, ${CTL}
.org 0
  jmp start
.org 0x100
  jmp exit_impl
.org 0x200
  jmp pf_impl
${Array.from({ length: 64 }, (_, v) => `.org ${0x400 + 16 * v}\n  mov dword ptr [CTL + 32], ${1000 + v}\n  hlt`).join('\n')}
.org 0x1000
start:
  mov rsp, ${KSTACK}
next:
  clac
  mov rsi, [CTL]
  cmp rsi, [CTL + 8]
  jae done
  mov rax, [rsi + 32]
  mov cr0, rax
  mov rax, [rsi + 40]
  mov cr4, rax
  mov ecx, 0xc0000080
  mov eax, [rsi + 48]
  xor edx, edx
  wrmsr
  mov rdi, [rsi]
  mov rax, [rsi + 8]
  mov [rdi], rax
  mov rdi, [rsi + 16]
  mov rax, [rsi + 24]
  mov [rdi], rax
  lidt [rsi + 80]
  mov rax, cr3
  mov cr3, rax
  mov rdi, [CTL + 24]
  mov qword ptr [rdi], -1
  mov qword ptr [rdi + 8], 0
  mov [CTL + 16], rsp
  mov rbx, [rsi + 64]
  mov ecx, [rsi + 72]
  test ecx, 0x100
  jnz to_user
  push qword ptr [rsi + 56]
  popfq
  cmp ecx, 1
  je k_write
  jb k_read
  cmp ecx, 2
  je k_fetch
  int ${VEC_IMPLICIT}
  int ${VEC_EXIT}
k_read:
  mov al, [rbx]
  int ${VEC_EXIT}
k_write:
  mov byte ptr [rbx], 0x5a
  int ${VEC_EXIT}
k_fetch:
  call rbx
  int ${VEC_EXIT}
to_user:
  and ecx, 0xff
  push 0x2b
  push ${USER_STACK}
  push qword ptr [rsi + 56]
  push 0x33
  push ${USER_VA}
  iretq
pf_impl:
  mov rdi, [CTL + 24]
  mov rax, [rsp]
  mov [rdi], rax
  mov rax, cr2
  mov [rdi + 8], rax
exit_impl:
  mov rsp, [CTL + 16]
  clac
  mov rsi, [CTL]
  mov rdi, [CTL + 24]
  mov rax, [rsi]
  mov rax, [rax]
  mov [rdi + 16], rax
  mov rax, [rsi + 16]
  mov rax, [rax]
  mov [rdi + 24], rax
  add qword ptr [CTL], ${CASE_SIZE}
  add qword ptr [CTL + 24], ${RESULT_SIZE}
  jmp next
done:
  hlt
`;

const USER = `
  cmp ecx, 1
  je u_write
  jb u_read
  cmp ecx, 2
  je u_fetch
  int ${VEC_IMPLICIT}
  int ${VEC_EXIT}
u_read:
  mov al, [rbx]
  int ${VEC_EXIT}
u_write:
  mov byte ptr [rbx], 0x5a
  int ${VEC_EXIT}
u_fetch:
  call rbx
  int ${VEC_EXIT}
`;

/** A 64-bit interrupt gate (SDM 6.14.1) written at physical `at`. */
function gate(m: TestMachine, at: number, handler: number, dpl: number): void {
  m.mem.write32(at, (handler & 0xffff) | (0x10 << 16));
  m.mem.write32(at + 4, (handler & 0xffff0000) | (1 << 15) | (dpl << 13) | (0xe << 8));
  m.mem.write32(at + 8, 0);
  m.mem.write32(at + 12, 0);
}

interface Rig {
  m: TestMachine;
  levels: 4 | 5;
  /** Per size: leaf and upper entry addresses, the upper entry's table address. */
  leafAt: number[];
  upperAt: number[];
  upperTable: number[];
}

const ENTRY_ADDR = 0x000ffffffffff000n;

function buildRig(levels: 4 | 5): Rig {
  const m = createTestMachine({ levels });
  m.mem.addRange(1 << 30, 1 << 21, E820_RAM); // backs the 1 GiB page's first 2 MiB
  const pt = new PageTableBuilder(m.mem, POOL, POOL_END, levels);
  // kernel: identity, supervisor, 2 MiB pages over the first 32 MiB. Everything but the test pages is
  // global (CR4.PGE=1), so the CR3 reload of each case leaves only the test page to walk.
  for (let pa = 0; pa < 32 << 20; pa += 2 << 20) pt.map(BigInt(pa), pa, 2, PT_P | PT_RW | PT_G);
  pt.map(BigInt(USER_VA), USER_PA, 2, PT_P | PT_RW | PT_US | PT_G);
  const leafAt: number[] = [], upperAt: number[] = [], upperTable: number[] = [];
  for (let size = 0; size < 3; size++) {
    const va = BigInt(TEST_VA[size]);
    pt.map(va - 0x1000n, IDT_PAGE, 1, PT_P | PT_RW | PT_G); // the IDT's first page, below the test page
    pt.map(va, TEST_PA[size], (size + 1) as 1 | 2 | 3, PT_P | PT_RW | PT_US);
    leafAt.push(pt.entryAddress(va, (size + 1) as 1 | 2 | 3));
    const up = pt.entryAddress(va, (size + 2) as 2 | 3 | 4);
    upperAt.push(up);
    upperTable.push(Number(pt.readEntry(up) & ENTRY_ADDR));
    // the test page: the gate for the implicit access, data, and a RET to fetch
    const pa = TEST_PA[size];
    gate(m, pa, H_EXIT, 3);
    m.mem.write8(pa + OFF_READ, 0x11);
    m.mem.write8(pa + OFF_FETCH, 0xc3);
  }
  for (let v = 0; v < 64; v++) {
    const h = v === 14 ? H_PF : v === VEC_EXIT ? H_EXIT : H_BAD + 16 * v;
    gate(m, IDT_PAGE + 0xc00 + 16 * v, h, v === VEC_EXIT ? 3 : 0);
  }
  m.mem.writeBytes(CODE_BASE, assemble(KERNEL, CODE_BASE));
  m.mem.writeBytes(USER_PA, assemble(USER, USER_VA));
  // TSS.RSP0 for the way back from CPL 3 (TR loaded as LTR would)
  m.mem.write32(TSS + 4, KSTACK - 0x1000);
  m.cpu.trBaseLo = TSS; m.cpu.trBaseHi = 0; m.cpu.trLimit = 0x67; m.cpu.trSel = 0x38;
  m.cpu.cr3Lo = pt.root; m.cpu.cr3Hi = 0;
  m.cpu.cr4 |= CR4_PGE;
  m.cpu.mmu.onMovCr3(false);
  return { m, levels, leafAt, upperAt, upperTable };
}

const P = 1n, RW = 2n, US = 4n, PS = 0x80n, XD = 1n << 63n, A = 0x20n, D = 0x40n;
function flags(b: Bits): bigint {
  return (b.p ? P : 0n) | (b.rw ? RW : 0n) | (b.us ? US : 0n) | (b.nx ? XD : 0n);
}

function leafValue(c: Case): bigint {
  return BigInt(TEST_PA[c.size]) | flags(c.leaf) | (c.size > 0 ? PS : 0n);
}

function upperValue(r: Rig, c: Case): bigint {
  return BigInt(r.upperTable[c.size]) | flags(c.upper);
}

function targetOf(c: Case): number {
  const off = c.kind === 'read' ? OFF_READ : c.kind === 'write' ? OFF_WRITE : c.kind === 'fetch' ? OFF_FETCH : 0;
  return TEST_VA[c.size] + off;
}

/** Runs the cases through the guest (in batches) and returns what it recorded. */
function run(r: Rig, cases: Case[]): { err: number; cr2: number; leaf: bigint; upper: bigint }[] {
  const m = r.m;
  const out: { err: number; cr2: number; leaf: bigint; upper: bigint }[] = [];
  const cr4base = CR4_PAE | CR4_PGE | (r.levels === 5 ? CR4_LA57 : 0);
  for (let b = 0; b < cases.length; b += BATCH) {
    const batch = cases.slice(b, b + BATCH);
    const buf = new DataView(new ArrayBuffer(batch.length * CASE_SIZE));
    batch.forEach((c, k) => {
      const o = k * CASE_SIZE;
      buf.setBigUint64(o, BigInt(r.leafAt[c.size]), true);
      buf.setBigUint64(o + 8, leafValue(c), true);
      buf.setBigUint64(o + 16, BigInt(r.upperAt[c.size]), true);
      buf.setBigUint64(o + 24, upperValue(r, c), true);
      buf.setUint32(o + 32, (CR0_PE | CR0_ET | CR0_NE | CR0_PG | (c.wp ? CR0_WP : 0)) >>> 0, true);
      buf.setUint32(o + 40, cr4base | (c.smep ? CR4_SMEP : 0) | (c.smap ? CR4_SMAP : 0), true);
      buf.setUint32(o + 48, EFER_SCE | EFER_LME | EFER_LMA | (c.nxe ? EFER_NXE : 0), true);
      buf.setUint32(o + 56, 2 | (c.ac ? AC : 0), true);
      buf.setBigUint64(o + 64, BigInt(targetOf(c)), true);
      buf.setUint32(o + 72, ['read', 'write', 'fetch', 'implicit'].indexOf(c.kind) | (c.cpl === 3 ? 0x100 : 0), true);
      buf.setUint16(o + 80, 64 * 16 + 15, true); // IDT limit: vectors 0..64
      buf.setBigUint64(o + 82, BigInt(TEST_VA[c.size] - 0x400), true);
    });
    m.mem.writeBytes(CASES, new Uint8Array(buf.buffer));
    m.mem.write32(CTL, CASES); m.mem.write32(CTL + 4, 0);
    m.mem.write32(CTL + 8, CASES + batch.length * CASE_SIZE); m.mem.write32(CTL + 12, 0);
    m.mem.write32(CTL + 24, RESULTS); m.mem.write32(CTL + 28, 0);
    m.mem.write32(CTL + 32, 0);
    m.cpu.ripLo = CODE_BASE; m.cpu.ripHi = 0;
    m.cpu.halted = false;
    const why = m.cpu.run(batch.length * 200 + 1000);
    const bad = m.mem.read32(CTL + 32);
    if (bad !== 0) throw new Error(`unexpected exception vector ${bad - 1000} at case ${(m.mem.read32(CTL) - CASES) / CASE_SIZE + b}`);
    if (why !== RUN_HALT || m.mem.read32(CTL) !== CASES + batch.length * CASE_SIZE) {
      throw new Error(`guest stopped early (${why}) ${m.cpu.describeTripleFault()}`);
    }
    const res = new DataView(m.mem.readBytes(RESULTS, batch.length * RESULT_SIZE).buffer);
    for (let k = 0; k < batch.length; k++) {
      const o = k * RESULT_SIZE;
      out.push({
        err: Number(BigInt.asIntN(64, res.getBigUint64(o, true))), cr2: Number(res.getBigUint64(o + 8, true)),
        leaf: res.getBigUint64(o + 16, true), upper: res.getBigUint64(o + 24, true),
      });
    }
  }
  return out;
}

function* allBits(): Generator<Bits> {
  for (let k = 0; k < 16; k++) yield { p: (k & 1) !== 0, rw: (k & 2) !== 0, us: (k & 4) !== 0, nx: (k & 8) !== 0 };
}

/** Every combination; the control-register settings vary slowest (as a guest would change them). */
function allCases(): Case[] {
  const out: Case[] = [];
  const kinds: Kind[] = ['read', 'write', 'fetch', 'implicit'];
  for (let k = 0; k < 64; k++) {
    for (const leaf of allBits()) for (const upper of allBits()) for (let size = 0; size < 3; size++) {
      for (const kind of kinds) {
        out.push({
          leaf, upper, size, kind, wp: (k & 1) !== 0, smep: (k & 2) !== 0, smap: (k & 4) !== 0, ac: (k & 8) !== 0,
          nxe: (k & 16) !== 0, cpl: (k & 32) !== 0 ? 3 : 0,
        });
      }
    }
  }
  return out;
}

function describeCase(c: Case): string {
  const b = (x: Bits) => `${x.p ? 'P' : '-'}${x.rw ? 'W' : '-'}${x.us ? 'U' : '-'}${x.nx ? 'X' : '-'}`;
  return `${['4K', '2M', '1G'][c.size]} leaf=${b(c.leaf)} upper=${b(c.upper)} cpl${c.cpl} ${c.kind}` +
    `${c.wp ? ' WP' : ''}${c.smep ? ' SMEP' : ''}${c.smap ? ' SMAP' : ''}${c.ac ? ' AC' : ''}${c.nxe ? ' NXE' : ''}`;
}

/** Compares the guest's records with the reference; returns the first few mismatches. */
function check(r: Rig, cases: Case[]): string[] {
  const got = run(r, cases);
  const bad: string[] = [];
  cases.forEach((c, k) => {
    const want = reference(c);
    const g = got[k];
    const wantLeaf = leafValue(c) | (want.leafA ? A : 0n) | (want.leafD ? D : 0n);
    const wantUpper = upperValue(r, c) | (want.upperA ? A : 0n);
    const wantCr2 = want.err >= 0 ? targetOf(c) : 0;
    if (g.err !== want.err || g.cr2 !== wantCr2 || g.leaf !== wantLeaf || g.upper !== wantUpper) {
      if (bad.length < 10) {
        bad.push(`${describeCase(c)}: want err ${want.err} cr2 ${wantCr2.toString(16)} leaf ${wantLeaf.toString(16)} ` +
          `upper ${wantUpper.toString(16)}; got err ${g.err} cr2 ${g.cr2.toString(16)} leaf ${g.leaf.toString(16)} ` +
          `upper ${g.upper.toString(16)}`);
      }
    }
  });
  return bad;
}

describe('access-rights matrix (SDM 4.6, 4.7, 4.8)', () => {
  it('the reference model agrees with hand-checked SDM cases', () => {
    const base: Case = {
      leaf: { p: true, rw: true, us: true, nx: false }, upper: { p: true, rw: true, us: true, nx: false },
      size: 0, wp: true, smep: false, smap: false, ac: false, nxe: true, cpl: 0, kind: 'read',
    };
    const ro = { p: true, rw: false, us: true, nx: false };
    const sup = { p: true, rw: true, us: false, nx: false };
    // supervisor write to a read-only page: faults only with CR0.WP=1
    expect(reference({ ...base, leaf: ro, kind: 'write' }).err).toBe(0x3);
    expect(reference({ ...base, leaf: ro, kind: 'write', wp: false }).err).toBe(-1);
    // user write to a read-only page faults even with WP=0; U/S=0 above a U/S=1 leaf denies CPL 3
    expect(reference({ ...base, leaf: ro, kind: 'write', wp: false, cpl: 3 }).err).toBe(0x7);
    expect(reference({ ...base, upper: sup, cpl: 3 }).err).toBe(0x5);
    // SMEP: supervisor fetch from a user page; I/D set because SMEP=1 even with NXE=0
    expect(reference({ ...base, kind: 'fetch', smep: true, nxe: false }).err).toBe(0x11);
    // SMAP: explicit access allowed with AC=1, the implicit one never
    expect(reference({ ...base, smap: true, ac: true }).err).toBe(-1);
    expect(reference({ ...base, smap: true, ac: true, kind: 'implicit' }).err).toBe(0x1);
    expect(reference({ ...base, smap: true, ac: true, kind: 'implicit', cpl: 3 }).err).toBe(0x1);
    // XD with NXE=0 is a reserved bit (P=1, RSVD=1), in the leaf or above it
    expect(reference({ ...base, leaf: { ...base.leaf, nx: true }, nxe: false })).toEqual({ err: 0x9, leafA: false, leafD: false, upperA: true });
    expect(reference({ ...base, upper: { ...base.upper, nx: true }, nxe: false, cpl: 3, kind: 'write' }))
      .toEqual({ err: 0xf, leafA: false, leafD: false, upperA: false });
    // not present: P=0; the upper entry's A is set when the walk used it
    expect(reference({ ...base, leaf: { ...base.leaf, p: false }, kind: 'write' })).toEqual({ err: 0x2, leafA: false, leafD: false, upperA: true });
    expect(reference({ ...base, kind: 'write' })).toEqual({ err: -1, leafA: true, leafD: true, upperA: true });
  });

  it('single cases run through the guest as the reference says', () => {
    const r = buildRig(4);
    const base: Case = {
      leaf: { p: true, rw: true, us: true, nx: false }, upper: { p: true, rw: true, us: true, nx: false },
      size: 0, wp: true, smep: false, smap: false, ac: false, nxe: true, cpl: 0, kind: 'read',
    };
    const cases: Case[] = [];
    for (const size of [0, 1, 2]) for (const kind of ['read', 'write', 'fetch', 'implicit'] as Kind[]) {
      for (const cpl of [0, 3] as const) {
        cases.push({ ...base, size, kind, cpl });
        cases.push({ ...base, size, kind, cpl, leaf: { ...base.leaf, p: false } });
        cases.push({ ...base, size, kind, cpl, smap: true, smep: true });
      }
    }
    expect(check(r, cases)).toEqual([]);
  });

  it(`all ${16 * 16 * 3 * 64 * 4} combinations, 4-level paging`, () => {
    const r = buildRig(4);
    const cases = allCases();
    expect(cases.length).toBe(196608);
    expect(check(r, cases)).toEqual([]);
    // a matrix that mostly faults, and one CR3 reload per case
    const faults = cases.filter((c) => reference(c).err >= 0).length;
    expect(faults).toBeGreaterThan(cases.length / 2);
    expect(faults).toBeLessThan(cases.length);
    expect(r.m.cpu.mmu.counters.flushes[FLUSH_MOV_CR3]).toBeGreaterThanOrEqual(cases.length);
  });

  it('every 7th combination (all values of every dimension), 5-level paging', () => {
    const r = buildRig(5);
    const cases = allCases().filter((_, k) => k % 7 === 0);
    expect(check(r, cases)).toEqual([]);
    expect(r.m.cpu.mmu.mode.levels).toBe(5);
  });
});
