// Unicorn 2 (emulator/reference/unicorn.ts): the image's RAM and entry state come from tlbemu's own
// loader (same boot contract, same bytes), then Unicorn runs to the image's bench_region_begin symbol
// and is timed from there to bench_region_end, once per repetition. Unicorn 2.0.1 walks the page
// tables but then accesses memory at physical = virtual, and its CPU model has no 1 GiB pages, no
// APIC and one CPU: only identity-mapped single-CPU workloads run on it (the callers say which).
import { readFileSync } from 'node:fs';
import { parseElf } from '../../emulator/loader/elf.js';
import { Machine } from '../../emulator/machine/machine.js';
import { Unicorn, UnicornUnavailableError, X86_REG, loadUnicorn } from '../../emulator/reference/unicorn.js';
import type { Cpu } from '../../emulator/cpu/cpu.js';
import { EngineFailed, EngineSkipped, ImageResult, ImageSpec } from './types.js';

const LOW_RAM_LIMIT = 3 * 2 ** 30;

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Unicorn's library version, or a one-line reason it cannot be used. */
export function unicornStatus(): { ok: true; version: string } | { ok: false; reason: string } {
  try {
    return { ok: true, version: loadUnicorn().version };
  } catch (e) {
    if (e instanceof UnicornUnavailableError) return { ok: false, reason: e.message };
    throw e;
  }
}

function seedRegisters(uc: Unicorn, cpu: Cpu): void {
  uc.setEfer(BigInt(cpu.efer >>> 0));
  uc.setReg(X86_REG.CR4, BigInt(cpu.cr4 >>> 0));
  uc.setReg(X86_REG.CR3, u64(cpu.cr3Lo, cpu.cr3Hi));
  uc.setReg(X86_REG.CR0, BigInt(cpu.cr0 >>> 0));
  uc.setTableReg(X86_REG.GDTR, { selector: 0, base: u64(cpu.gdtrBaseLo, cpu.gdtrBaseHi), limit: cpu.gdtrLimit, flags: 0 });
  uc.setTableReg(X86_REG.IDTR, { selector: 0, base: u64(cpu.idtrBaseLo, cpu.idtrBaseHi), limit: cpu.idtrLimit, flags: 0 });
  uc.flushTlb();
  const gpr: bigint[] = [];
  for (let r = 0; r < 16; r++) gpr.push(u64(cpu.regs[r << 1], cpu.regs[(r << 1) | 1]));
  uc.writeGprs(gpr, u64(cpu.ripLo, cpu.ripHi));
  uc.setReg(X86_REG.EFLAGS, BigInt(cpu.getFlags() >>> 0));
}

export function runOnUnicorn(spec: ImageSpec): ImageResult {
  if (spec.cpus !== 1) throw new EngineSkipped('Unicorn runs one CPU');
  if (spec.paging !== 4) throw new EngineSkipped('Unicorn 2.0.1 has no 5-level paging');
  if (spec.memBytes > LOW_RAM_LIMIT) throw new EngineSkipped('the Unicorn runner maps low RAM only');
  const bytes = readFileSync(spec.image);
  const image = parseElf(bytes);
  const sym = (name: string): bigint => {
    const s = image.symbols.byName(name);
    if (s === undefined) throw new EngineFailed(`${spec.image}: no symbol ${name}`);
    return s.value;
  };
  const begin = sym('bench_region_begin'), end = sym('bench_region_end');
  // the boot contract's memory and entry state, built by tlbemu's loader
  const m = new Machine({ cpus: 1, serial: { write: () => {} } });
  m.boot(image, { memBytes: spec.memBytes, pmem: [], pagingLevels: 4, cmdline: spec.cmdline });
  let uc: Unicorn;
  try {
    uc = Unicorn.open();
  } catch (e) {
    if (e instanceof UnicornUnavailableError) throw new EngineSkipped(e.message);
    throw e;
  }
  try {
    uc.mapRam(0, spec.memBytes);
    for (let p = 0; p < spec.memBytes; p += 4096) {
      const f = m.mem.peekFrame(p / 4096);
      if (f !== null) uc.view(p, 4096)!.set(f.bytes);
    }
    seedRegisters(uc, m.cpus[0]);
    const step = (until: bigint, what: string): void => {
      // Unicorn checks the stop address only while translating: drop any block already translated
      // there (one short block, outside the loops measured)
      uc.flushCode(until, until + 1n);
      const r = uc.run(0, until);
      if (r.err !== 0 || r.exception !== null || r.unmapped !== null) {
        const why = r.exception !== null ? `exception ${r.exception.vector}` : r.unmapped !== null
          ? `unmapped ${r.unmapped.kind} at 0x${r.unmapped.address.toString(16)}` : `error ${r.err}`;
        throw new EngineFailed(`unicorn: ${why} at rip 0x${uc.reg(X86_REG.RIP).toString(16)} (${what})`);
      }
      if (uc.reg(X86_REG.RIP) !== until) throw new EngineFailed(`unicorn: stopped at 0x${uc.reg(X86_REG.RIP).toString(16)} before ${what}`);
    };
    const out: ImageResult = { seconds: [] };
    step(begin, 'the first region');
    for (let k = 0; k < spec.reps; k++) {
      if (k > 0) step(begin, 'the next region');
      const t0 = performance.now();
      step(end, 'the end of the region');
      out.seconds.push((performance.now() - t0) / 1000);
    }
    return out;
  } finally {
    uc.close();
  }
}
