// MMU benchmark: page walks + TLB fills per second with 4 KiB, 2 MiB and 1 GiB leaves (4-level) and
// 4 KiB leaves with 5-level paging, each with and without the paging-structure caches, and TLB-hit
// translations per second. Guest code does the accesses; MOV CR3 after each pass empties the TLB (and
// the paging-structure caches) while the page tables stay warm in the host's caches.
//
//   npm run build && node dist/bench/mmu-walks.js [--runs N] [--only SUBSTRING]
//
// Prints a table and a JSON object: guest rows are the median of N >= 5 timed runs after one warm-up run
// (wall time; the best run is in the JSON too); the host-loop rows time the MMU alone (best of many
// passes).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cpu, RUN_HALT } from '../emulator/cpu/cpu.js';
import {
  CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE, RSP,
} from '../emulator/cpu/state.js';
import { PhysicalMemory } from '../emulator/memory/physical.js';
import { E820_RAM } from '../emulator/memory/e820.js';
import { PageTableBuilder, PT_P, PT_RW } from '../emulator/loader/page-table-builder.js';
import { writeGdt, GDT_LIMIT } from '../emulator/loader/gdt.js';
import { WalkResult } from '../emulator/mmu/walker.js';

const CODE = 0x100000;
const STACK = 0x80000;
const DATA_VA = 0x8000000000n; // PML4 slot 1: nothing else lives there
const DATA_PA = 0x1000000;
const PAGES = 4096; // pages touched per pass
const PASSES = 16;

function assemble(src: string, org: number): Uint8Array {
  const text = `.intel_syntax noprefix\n.code64\n.text\n${src}\n`;
  const dir = join(tmpdir(), 'tlbemu-asm-cache');
  const key = createHash('sha256').update(text).update(String(org)).digest('hex').slice(0, 24);
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, `${key}.bin`);
  if (!existsSync(bin)) {
    const s = join(dir, `${key}.s`), o = join(dir, `${key}.o`), elf = join(dir, `${key}.elf`);
    writeFileSync(s, text);
    execFileSync('as', ['--64', '-o', o, s]);
    execFileSync('ld', ['-m', 'elf_x86_64', '-Ttext', `0x${org.toString(16)}`, '-e', '0', '--no-warn-rwx-segments', '-o', elf, o]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', elf, bin]);
  }
  return new Uint8Array(readFileSync(bin));
}

interface Setup {
  levels: 4 | 5;
  /** Leaf level of the data pages: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB. */
  leaf: 1 | 2 | 3;
  psc: boolean;
}

function machine(s: Setup): Cpu {
  const mem = new PhysicalMemory();
  mem.addRange(0, 64 << 20, E820_RAM);
  mem.addRange(2 ** 30, 2 ** 30, E820_RAM);
  const pt = new PageTableBuilder(mem, 0x200000, 0x800000, s.levels);
  pt.map(0n, 0, 2, PT_P | PT_RW); // code, stack, GDT: first 2 MiB
  const pageSize = s.leaf === 1 ? 4096 : s.leaf === 2 ? 2 ** 21 : 2 ** 30;
  const pa = s.leaf === 3 ? 2 ** 30 : DATA_PA;
  for (let k = 0; k < PAGES; k++) {
    // 4 KiB pages get distinct frames; large pages alias one frame (only the walk matters)
    const va = DATA_VA + BigInt(k) * BigInt(pageSize);
    pt.map(va, s.leaf === 1 ? pa + k * 4096 : pa, s.leaf, PT_P | PT_RW);
  }
  // allocate the data frames (reads of never-written RAM do not go through the front-end)
  for (let k = 0; k < (s.leaf === 1 ? PAGES : 1); k++) mem.write8(pa + k * 4096, 1);
  writeGdt(mem, 0x1000);
  const cpu = new Cpu(0, mem);
  cpu.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  cpu.cr4 = CR4_PAE | (s.levels === 5 ? CR4_LA57 : 0);
  cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
  cpu.cr3Lo = pt.root;
  cpu.gdtrBaseLo = 0x1000; cpu.gdtrLimit = GDT_LIMIT;
  cpu.sel[1] = 0x10; cpu.sel[0] = cpu.sel[2] = cpu.sel[3] = 0x18;
  cpu.mmu.setPscEnabled(s.psc);
  cpu.mmu.modeChanged();
  return cpu;
}

/** One byte per page over PAGES pages, MOV CR3 after each pass. */
function walkLoop(pageSize: number): string {
  return `
    mov r8, ${PASSES}
  2:
    movabs rsi, ${DATA_VA}
    mov ecx, ${PAGES}
    movabs rdx, ${pageSize}
  1:
    mov al, [rsi]
    add rsi, rdx
    dec ecx
    jnz 1b
    mov rax, cr3
    mov cr3, rax
    dec r8
    jnz 2b
    hlt`;
}

/** 8 loads to 8 pages, `iters` times. */
function hitLoop(iters: number): string {
  const loads = Array.from({ length: 8 }, (_, k) => `mov al, [rsi + ${k * 4096}]`).join('\n    ');
  return `
    movabs rsi, ${DATA_VA}
    mov ecx, ${iters}
  1:
    ${loads}
    dec ecx
    jnz 1b
    hlt`;
}

function runOnce(cpu: Cpu, code: Uint8Array): number {
  cpu.mem.writeBytes(CODE, code);
  cpu.ripLo = CODE; cpu.ripHi = 0;
  cpu.regs[RSP << 1] = STACK;
  cpu.halted = false;
  // start every run with an empty TLB: MOV CR3 semantics, driven from the host
  cpu.mmu.onMovCr3(false);
  const t0 = process.hrtime.bigint();
  const why = cpu.run(1e9);
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (why !== RUN_HALT) throw new Error(`benchmark guest did not halt (${why}): ${cpu.describeTripleFault()}`);
  return t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  name: string;
  /** Operations (walks or translations) per run. */
  ops: number;
  seconds: number;
  perSecond: number;
  nsPerOp: number;
  /** For walk rows: ns per access minus the same loop on a single page (the miss: lookup, walk, fill). */
  netNsPerWalk?: number;
  /** The same from the best runs instead of the medians. */
  bestNetNsPerWalk?: number;
  /** For walk rows: ns per iteration of that single-page loop (4 instructions, a front-end hit). */
  baselineNsPerIter?: number;
  walks?: number;
  pscHits?: number;
}

/** Median and best wall time of `runs` runs after a warm-up run. */
function measure(runs: number, cpu: Cpu, code: Uint8Array): { median: number; best: number } {
  runOnce(cpu, code); // warm-up (JIT, decode cache, frames)
  const times: number[] = [];
  for (let k = 0; k < runs; k++) times.push(runOnce(cpu, code));
  return { median: median(times), best: Math.min(...times) };
}

function walkRow(runs: number, name: string, s: Setup): Row {
  const pageSize = s.leaf === 1 ? 4096 : s.leaf === 2 ? 2 ** 21 : 2 ** 30;
  const cpu = machine(s);
  const cold = assemble(walkLoop(pageSize), CODE);
  // baseline: the same instructions on one page (front-end hits), to subtract the loop's own cost
  const base = assemble(walkLoop(0), CODE);
  const c = cpu.mmu.counters;
  const w0 = c.walks, p0 = c.pscHitTotal;
  const mCold = measure(runs, cpu, cold);
  const tCold = mCold.median;
  const walksPerRun = (c.walks - w0) / (runs + 1);
  const pscPerRun = (c.pscHitTotal - p0) / (runs + 1);
  const mBase = measure(runs, machine(s), base);
  const tBase = mBase.median;
  const ops = PASSES * PAGES;
  return {
    name, ops, seconds: tCold, perSecond: ops / tCold, nsPerOp: (tCold / ops) * 1e9,
    netNsPerWalk: ((tCold - tBase) / ops) * 1e9, bestNetNsPerWalk: ((mCold.best - mBase.best) / ops) * 1e9,
    baselineNsPerIter: (tBase / ops) * 1e9, walks: walksPerRun, pscHits: pscPerRun,
  };
}

function hitRow(runs: number): Row {
  const iters = 200_000;
  const cpu = machine({ levels: 4, leaf: 1, psc: true });
  const t = measure(runs, cpu, assemble(hitLoop(iters), CODE)).median;
  const ops = iters * 8;
  return { name: 'TLB hit, 8 loads to 8 pages', ops, seconds: t, perSecond: ops / t, nsPerOp: (t / ops) * 1e9 };
}

/**
 * The MMU alone, driven from the host: Mmu.read8 over PAGES pages of 4 KiB, a CR3 flush after each pass
 * (front-end miss, TLB miss, walk, fill, front-end fill, the byte read). The best pass of many is kept:
 * it is the figure least disturbed by other processes.
 */
function hostRow(runs: number, psc: boolean): Row {
  const cpu = machine({ levels: 4, leaf: 1, psc });
  const mmu = cpu.mmu;
  const base = Number(DATA_VA);
  const pass = (): number => {
    let s = 0;
    for (let k = 0; k < PAGES; k++) {
      const a = base + k * 4096;
      s += mmu.read8(a % 4294967296 | 0, Math.floor(a / 4294967296));
    }
    mmu.onMovCr3(false);
    return s;
  };
  for (let k = 0; k < 50; k++) pass();
  let best = Infinity;
  for (let k = 0; k < runs * 40; k++) {
    const t0 = process.hrtime.bigint();
    pass();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return {
    name: `host loop: 4 KiB miss path, PSC ${psc ? 'on' : 'off'}`, ops: PAGES, seconds: best, perSecond: PAGES / best,
    nsPerOp: (best / PAGES) * 1e9,
  };
}

/** Host loop: the walker alone (a full 4-level walk with side effects, no TLB, no data access). */
function hostWalkRow(runs: number): Row {
  const cpu = machine({ levels: 4, leaf: 1, psc: false });
  const walker = cpu.mmu.walker;
  const r = new WalkResult();
  const base = Number(DATA_VA);
  const pass = (): number => {
    let s = 0;
    for (let k = 0; k < PAGES; k++) {
      const a = base + k * 4096;
      walker.walk(a % 4294967296 | 0, Math.floor(a / 4294967296), 0, true, r);
      s += r.paddrPage;
    }
    return s;
  };
  for (let k = 0; k < 50; k++) pass();
  let best = Infinity;
  for (let k = 0; k < runs * 40; k++) {
    const t0 = process.hrtime.bigint();
    pass();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { name: 'host loop: 4-level walk alone', ops: PAGES, seconds: best, perSecond: PAGES / best, nsPerOp: (best / PAGES) * 1e9 };
}

/** Host loop, warm TLB: reads over `pages` 4 KiB pages round robin (8: front-end hits; 4096: more pages
 *  than front-end slots, so each read is a front-end miss and a TLB hit). Best pass of many. */
function hostHitRow(runs: number, pages: number): Row {
  const cpu = machine({ levels: 4, leaf: 1, psc: true });
  const mmu = cpu.mmu;
  const base = Number(DATA_VA);
  const n = 4096;
  const pass = (): number => {
    let s = 0;
    for (let k = 0; k < n; k++) {
      const a = base + (k % pages) * 4096;
      s += mmu.read8(a % 4294967296 | 0, Math.floor(a / 4294967296));
    }
    return s;
  };
  for (let k = 0; k < 50; k++) pass();
  let best = Infinity;
  for (let k = 0; k < runs * 40; k++) {
    const t0 = process.hrtime.bigint();
    pass();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const name = pages <= 8 ? 'host loop: front-end hit, 8 pages' : `host loop: TLB hit, ${pages} pages`;
  return { name, ops: n, seconds: best, perSecond: n / best, nsPerOp: (best / n) * 1e9 };
}

function main(): void {
  const args = process.argv.slice(2);
  const ri = args.indexOf('--runs');
  const runs = Math.max(5, ri >= 0 ? Number(args[ri + 1]) : 7);
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? args[oi + 1] : '';
  const rows: Row[] = [];
  const cases: [string, Setup][] = [];
  for (const psc of [false, true]) {
    const tag = psc ? 'PSC on' : 'PSC off';
    cases.push([`4-level, 4 KiB leaves, ${tag}`, { levels: 4, leaf: 1, psc }]);
    cases.push([`4-level, 2 MiB leaves, ${tag}`, { levels: 4, leaf: 2, psc }]);
    cases.push([`4-level, 1 GiB leaves, ${tag}`, { levels: 4, leaf: 3, psc }]);
    cases.push([`5-level, 4 KiB leaves, ${tag}`, { levels: 5, leaf: 1, psc }]);
  }
  for (const [name, s] of cases) if (name.includes(only)) rows.push(walkRow(runs, name, s));
  if ('TLB hit'.includes(only)) rows.push(hitRow(runs));
  for (const psc of [false, true]) if (`host loop: 4 KiB miss path, PSC ${psc ? 'on' : 'off'}`.includes(only)) rows.push(hostRow(runs, psc));
  if ('host loop: 4-level walk alone'.includes(only)) rows.push(hostWalkRow(runs));
  if ('host loop: front-end hit'.includes(only)) rows.push(hostHitRow(runs, 8));
  if ('host loop: TLB hit'.includes(only)) rows.push(hostHitRow(runs, PAGES));
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number | undefined, d = 1) => (x === undefined ? '' : x.toFixed(d)).padStart(12);
  console.log(`${pad('case', 40)}${'Mops/s'.padStart(12)}${'ns/op'.padStart(12)}${'net ns/walk'.padStart(12)}${'best net'.padStart(12)}${'walks/run'.padStart(12)}${'psc hits'.padStart(12)}`);
  for (const r of rows) {
    console.log(`${pad(r.name, 40)}${num(r.perSecond / 1e6, 2)}${num(r.nsPerOp)}${num(r.netNsPerWalk)}${num(r.bestNetNsPerWalk)}${num(r.walks, 0)}${num(r.pscHits, 0)}`);
  }
  console.log(JSON.stringify({ benchmark: 'mmu-walks', runs, node: process.version, rows }, null, 2));
}

main();
