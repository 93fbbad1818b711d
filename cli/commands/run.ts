// `tlbemu run IMAGE.elf`: boot an ELF64 image under the boot contract and run it to the end.
import { readFileSync } from 'node:fs';
import { Cpu } from '../../emulator/cpu/cpu.js';
import { REG_NAMES } from '../../emulator/cpu/state.js';
import { hex64 } from '../../emulator/cpu/u64.js';
import { e820TypeName } from '../../emulator/memory/e820.js';
import { parseElf, LoadError, ElfImage } from '../../emulator/loader/elf.js';
import { DEFAULT_MEM, MAX_CPUS, PmemRange, BootResult } from '../../emulator/loader/boot.js';
import { Machine } from '../../emulator/machine/machine.js';
import type { RunResult } from '../../emulator/machine/scheduler.js';
import { installTrace, ioSummary } from '../../emulator/machine/trace.js';
import { OptionSpec, formatOptions, parseArgs, parseInteger, parseList, parseRange, parseSeconds, parseSize } from '../args.js';
import { UsageError } from '../errors.js';
import { BufferedText, FdSink, closeSink, openForWrite, writeFully, writeStderr } from '../output.js';
import type { Command } from './command.js';

const OPTIONS: OptionSpec[] = [
  { name: 'cpus', metavar: 'N', help: `number of CPUs, 1..${MAX_CPUS} (default 1)` },
  { name: 'mem', metavar: 'SIZE', help: 'RAM size, e.g. 256M, 4G, 64G (default 256M); RAM past 3G sits from 4G up' },
  { name: 'pmem', metavar: 'SIZE@ADDR', repeatable: true, help: 'persistent-memory range (e820 type 7, not mapped by the loader);\nrepeatable, e.g. --pmem 1G@8G' },
  { name: 'paging', metavar: '4|5', help: 'paging levels at entry (5 sets CR4.LA57; default 4)' },
  { name: 'cmdline', metavar: 'STRING', help: 'command line passed in the boot-info block' },
  { name: 'max-insns', metavar: 'N', help: 'stop with status 4 after N instructions (all CPUs together)' },
  { name: 'timeout', metavar: 'SECONDS', help: 'stop with status 4 after this much wall-clock time' },
  { name: 'quantum', metavar: 'N', help: 'instructions per scheduler slice (default 200; a lone CPU runs 10 000 or more at a time)' },
  { name: 'seed', metavar: 'S', help: 'vary slice lengths (1..2*quantum) with a PRNG seeded by S' },
  { name: 'serial', metavar: 'FILE', help: 'write COM1 output to FILE instead of stdout' },
  { name: 'json', metavar: 'FILE', help: 'write final registers, counters and the exit reason as JSON (- = stdout)' },
  { name: 'trace', metavar: 'LIST', help: 'comma-separated: insn (every instruction, exception and interrupt),\nio (every port access and a per-port summary); written to stderr' },
  { name: 'tlb-entries', metavar: 'N', help: 'bounded set-associative TLB with N entries per page size (default unbounded)' },
  { name: 'tlb-ways', metavar: 'W', help: 'associativity of the bounded TLB (default: fully associative)' },
  { name: 'jit', metavar: 'on|off', help: 'compile hot guest code into blocks (default on); off = interpreter only' },
  { name: 'lockstep', metavar: 'ENGINE', help: 'run in lockstep with a reference engine (unicorn): compare the\narchitectural state after every instruction, stop at the first divergence (status 8)' },
  { name: 'lockstep-every', metavar: 'N', help: 'with --lockstep, compare every N instructions (default 1)' },
  { name: 'help', help: 'show this help' },
];

const HELP = `usage: tlbemu run [options] IMAGE.elf

Boots an x86-64 ELF64 image under tlbemu's boot contract (64-bit mode, paging on, every CPU at
e_entry with RDI = CPU index and RSI = boot-info block) and runs it until it stops.

options:
${formatOptions(OPTIONS)}

exit status: 0 all CPUs halted with interrupts off; 2 usage error or bad image; 4 budget exceeded
(--max-insns, --timeout) or deadlock; 6 guest crash (triple fault); odd = (v << 1) | 1 after the
guest wrote v to isa-debug-exit (port 0xf4).
`;

export interface RunSettings {
  image: string;
  cpus: number;
  mem: number;
  pmem: PmemRange[];
  paging: 4 | 5;
  cmdline: string;
  maxInsns?: number;
  timeoutMs?: number;
  quantum: number;
  seed?: number;
  serial?: string;
  json?: string;
  trace: Set<'insn' | 'io'>;
  tlb?: { entries: number; ways: number };
  jit: boolean;
  lockstep?: 'unicorn';
  lockstepEvery: number;
}

/** Turns argv into settings, or throws UsageError. Returns null for --help. */
export function parseRunArgs(argv: readonly string[]): RunSettings | null {
  const { values, positionals } = parseArgs(argv, OPTIONS, 'run');
  if (values.has('help')) return null;
  const one = (name: string): string | undefined => values.get(name)?.[0];
  if (positionals.length === 0) throw new UsageError('run: missing IMAGE.elf (see tlbemu run --help)');
  if (positionals.length > 1) throw new UsageError(`run: one image expected, got ${positionals.length}: ${positionals.join(' ')}`);
  const paging = one('paging') ?? '4';
  if (paging !== '4' && paging !== '5') throw new UsageError(`--paging ${JSON.stringify(paging)}: must be 4 or 5`);
  const s: RunSettings = {
    image: positionals[0],
    cpus: one('cpus') === undefined ? 1 : parseInteger('cpus', one('cpus')!, 1, MAX_CPUS),
    mem: one('mem') === undefined ? DEFAULT_MEM : parseSize('--mem', one('mem')!),
    pmem: (values.get('pmem') ?? []).map((p) => parseRange('--pmem', p)),
    paging: paging === '5' ? 5 : 4,
    cmdline: one('cmdline') ?? '',
    quantum: one('quantum') === undefined ? 200 : parseInteger('quantum', one('quantum')!, 1, 1e9),
    trace: one('trace') === undefined ? new Set() : parseList('trace', one('trace')!, ['insn', 'io'] as const),
    jit: parseOnOff('jit', one('jit') ?? 'on'),
    lockstepEvery: one('lockstep-every') === undefined ? 1 : parseInteger('lockstep-every', one('lockstep-every')!, 1, 1e9),
  };
  const ls = one('lockstep');
  if (ls !== undefined) {
    if (ls !== 'unicorn') throw new UsageError(`--lockstep ${JSON.stringify(ls)}: the only reference engine is unicorn`);
    if (s.cpus !== 1) throw new UsageError('--lockstep runs a single-CPU image: use --cpus 1');
    s.lockstep = 'unicorn';
  }
  if (one('max-insns') !== undefined) s.maxInsns = parseInteger('max-insns', one('max-insns')!, 1, Number.MAX_SAFE_INTEGER);
  if (one('timeout') !== undefined) s.timeoutMs = parseSeconds('timeout', one('timeout')!) * 1000;
  if (one('seed') !== undefined) s.seed = parseInteger('seed', one('seed')!, 0, Number.MAX_SAFE_INTEGER);
  if (one('serial') !== undefined) s.serial = one('serial');
  if (one('json') !== undefined) s.json = one('json');
  const entries = one('tlb-entries'), ways = one('tlb-ways');
  if (ways !== undefined && entries === undefined) throw new UsageError('--tlb-ways needs --tlb-entries');
  if (entries !== undefined) {
    const n = parseInteger('tlb-entries', entries, 1, 16384);
    const w = ways === undefined ? n : parseInteger('tlb-ways', ways, 1, n);
    if (n % w !== 0) throw new UsageError(`--tlb-ways ${w} must divide --tlb-entries ${n}`);
    s.tlb = { entries: n, ways: w };
  }
  return s;
}

function parseOnOff(name: string, v: string): boolean {
  if (v !== 'on' && v !== 'off') throw new UsageError(`--${name} ${JSON.stringify(v)}: must be on or off`);
  return v === 'on';
}

export function readImage(path: string): ElfImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${path}: cannot read (${err.code ?? err.message})`);
  }
  try {
    return parseElf(bytes);
  } catch (e) {
    if (e instanceof LoadError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}

function h64(lo: number, hi: number): string {
  return `0x${hex64(lo, hi)}`;
}

function cpuJson(m: Machine, cpu: Cpu): Record<string, unknown> {
  const regs: Record<string, string> = {};
  REG_NAMES.forEach((name, r) => { regs[name] = h64(cpu.regs[r << 1], cpu.regs[(r << 1) | 1]); });
  regs.rip = h64(cpu.ripLo, cpu.ripHi);
  regs.rflags = h64(cpu.getFlags(), 0);
  const segNames = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
  const segments: Record<string, string> = {};
  segNames.forEach((n, k) => { segments[n] = `0x${cpu.sel[k].toString(16)}`; });
  segments.fs_base = h64(cpu.fsBaseLo, cpu.fsBaseHi);
  segments.gs_base = h64(cpu.gsBaseLo, cpu.gsBaseHi);
  segments.kernel_gs_base = h64(cpu.kernelGsBaseLo, cpu.kernelGsBaseHi);
  return {
    index: cpu.index,
    halted: cpu.halted,
    stopped: cpu.stopped,
    cpl: cpu.cpl,
    registers: regs,
    segments,
    control: {
      cr0: h64(cpu.cr0, 0), cr2: h64(cpu.cr2Lo, cpu.cr2Hi), cr3: h64(cpu.cr3Lo, cpu.cr3Hi), cr4: h64(cpu.cr4, 0),
      cr8: h64(cpu.cr8, 0), efer: h64(cpu.efer, 0),
    },
    gdtr: { base: h64(cpu.gdtrBaseLo, cpu.gdtrBaseHi), limit: `0x${cpu.gdtrLimit.toString(16)}` },
    idtr: { base: h64(cpu.idtrBaseLo, cpu.idtrBaseHi), limit: `0x${cpu.idtrLimit.toString(16)}` },
    counters: m.counters(cpu.index),
  };
}

function resultJson(s: RunSettings, m: Machine, boot: BootResult, r: RunResult): string {
  const doc = {
    image: s.image,
    exit: { reason: r.reason, status: r.status, message: r.message, cpu: r.cpu },
    instructions: r.instructions,
    slices: r.slices,
    boot: {
      entry: `0x${boot.entry.toString(16)}`,
      bootInfo: `0x${boot.bootInfoAddr.toString(16)}`,
      pageTableRoot: `0x${boot.pageTableRoot.toString(16)}`,
      pageTableBytes: boot.pageTableBytes,
    },
    memory: {
      hostBytes: m.mem.hostBytes(),
      e820: boot.e820.map((e) => ({
        base: `0x${e.base.toString(16)}`, length: `0x${e.length.toString(16)}`, type: e.type, name: e820TypeName(e.type),
      })),
    },
    serial: { transmitted: m.serial.transmitted },
    io: m.ports.counts(),
    cpus: m.cpus.map((c) => cpuJson(m, c)),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The one-line report for a run that did not simply finish, or null. */
function report(s: RunSettings, m: Machine, image: ElfImage, r: RunResult): string | null {
  switch (r.reason) {
    case 'halted':
    case 'debug-exit':
      return null;
    case 'triple-fault': {
      const cpu = m.cpus[r.cpu];
      const t = cpu.tripleFaultReport;
      const sym = t === null ? null : image.symbols.format((BigInt(t.ripHi >>> 0) << 32n) | BigInt(t.ripLo >>> 0));
      return `${r.message}${sym ? ` (in ${sym})` : ''}`;
    }
    case 'max-insns': return `${r.message} (--max-insns ${s.maxInsns})`;
    case 'timeout': return `${r.message} (--timeout)`;
    default: return r.message;
  }
}

/**
 * Runs an image as `tlbemu run` does. `extend` is called after boot, before the run, so that other
 * commands can plug devices or hooks into the machine (tracing merges with hooks it set).
 */
export function runImage(s: RunSettings, extend?: (m: Machine, image: ElfImage, boot: BootResult) => void,
  disassemble?: (bytes: ArrayLike<number>, lo: number, hi: number) => string): number {
  const image = readImage(s.image);
  let serialSink: FdSink;
  if (s.serial !== undefined) {
    try {
      serialSink = openForWrite(s.serial);
    } catch (e) {
      throw new UsageError(`--serial ${s.serial}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  } else {
    serialSink = new FdSink(1);
  }
  // open --json first so that a bad path fails before the run
  let jsonSink: FdSink | null = null;
  if (s.json !== undefined && s.json !== '-') {
    try {
      jsonSink = openForWrite(s.json);
    } catch (e) {
      closeSink(serialSink);
      throw new UsageError(`--json ${s.json}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  try {
    const m = new Machine({ cpus: s.cpus, serial: serialSink, tlb: s.tlb, jit: s.jit });
    let boot: BootResult;
    try {
      boot = m.boot(image, { memBytes: s.mem, pmem: s.pmem, pagingLevels: s.paging, cmdline: s.cmdline });
    } catch (e) {
      if (e instanceof LoadError) throw new UsageError(`${s.image}: ${e.message}`);
      throw e;
    }
    extend?.(m, image, boot);
    const trace = new BufferedText(2);
    if (s.trace.size > 0) {
      installTrace(m, trace, { insn: s.trace.has('insn'), io: s.trace.has('io'), symbols: image.symbols, disassemble }, m.hooks ?? {});
    }
    let r: RunResult;
    try {
      r = m.run({ quantum: s.quantum, seed: s.seed, maxInsns: s.maxInsns, timeoutMs: s.timeoutMs });
    } finally {
      m.serial.flush();
      trace.flush();
    }
    if (s.trace.has('io')) { trace.write(ioSummary(m)); trace.flush(); }
    const line = report(s, m, image, r);
    if (line !== null) writeStderr(`tlbemu: ${line}\n`);
    if (s.json !== undefined) {
      const text = Buffer.from(resultJson(s, m, boot, r));
      if (jsonSink === null) writeFully(1, text);
      else jsonSink.write(text);
    }
    // debug-exit statuses above 255 wrap as the operating system truncates them (as with QEMU)
    return r.status & 0xff;
  } finally {
    closeSink(serialSink);
    if (jsonSink !== null) closeSink(jsonSink);
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'boot an ELF64 image and run it',
  help: () => HELP,
  async run(argv: readonly string[]): Promise<number> {
    const s = parseRunArgs(argv);
    if (s === null) {
      writeFully(1, Buffer.from(HELP));
      return 0;
    }
    if (s.lockstep !== undefined) return (await import('./run-lockstep.js')).runImageLockstep(s);
    if (!s.trace.has('insn')) return runImage(s);
    // --trace insn shows each instruction disassembled (Capstone, Intel syntax) after its bytes
    const { disassembler } = await import('../../emulator/reference/capstone.js');
    const dis = await disassembler();
    return runImage(s, undefined, (bytes, lo, hi) => dis.text(bytes, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)));
  },
};
