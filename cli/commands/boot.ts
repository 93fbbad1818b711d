// `tlbemu boot SCENARIO|IMAGE`: boots the guest kernel with the kernel model attached — the host's
// WARN/BUG trap, flush trap and (with --check tlb) the stale-TLB oracle — and reports in the kernel's
// own format. With a scenario, the exit status says whether the outcome matched its expectation.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_CPUS, PmemRange, BootResult } from '../../emulator/loader/boot.js';
import { LoadError, ElfImage } from '../../emulator/loader/elf.js';
import { Machine } from '../../emulator/machine/machine.js';
import type { RunResult } from '../../emulator/machine/scheduler.js';
import { KernelModel, WarningRecord, FlushSiteSummary } from '../../kernel-model/kernel-model.js';
import { ModuleMap } from '../../kernel-model/modules.js';
import { SCENARIOS, findScenario } from '../../kernel-model/scenarios/index.js';
import { Scenario, VARIANTS, Variant } from '../../kernel-model/scenario.js';
import { compareOutcome } from '../../kernel-model/outcome.js';
import { dumpPageTables, defaultMarkers } from '../../kernel-model/ptdump.js';
import { GuestMemoryReader } from '../../kernel-model/guest-memory.js';
import { readGuestAbi } from '../../kernel-model/guest-abi.js';
import { OptionSpec, formatOptions, parseArgs, parseInteger, parseList, parseRange, parseSeconds, parseSize } from '../args.js';
import { UsageError } from '../errors.js';
import { FdSink, closeSink, openForWrite, writeFully, writeStderr } from '../output.js';
import { readImage } from './run.js';
import type { Command } from './command.js';
import { Disassembler, disassembler } from '../../emulator/reference/capstone.js';

/** objdump-style lines: offset from the first byte, the bytes, the instruction. */
export function disassemblyLines(dis: Disassembler, bytes: Uint8Array, at: bigint): string[] {
  const out: string[] = [];
  for (const i of dis.disassemble(bytes, at)) {
    const off = Number(i.address - at);
    const hex = Array.from(bytes.subarray(off, off + i.size), (b) => b.toString(16).padStart(2, '0')).join(' ');
    out.push(`${off.toString(16).padStart(4)}:\t${hex.padEnd(21)}\t${i.mnemonic}${i.opStr ? ' ' + i.opStr : ''}`);
  }
  return out;
}

/** Exit status when a scenario's outcome differs from its expectation (DESIGN.md). */
export const EXIT_OUTCOME_DIFFERS = 10;

const OPTIONS: OptionSpec[] = [
  { name: 'variant', metavar: 'V', help: `guest variant: ${VARIANTS.join(', ')} (default: the scenario's, or v4.19)` },
  { name: 'cpus', metavar: 'N', help: `number of CPUs, 1..${MAX_CPUS}` },
  { name: 'mem', metavar: 'SIZE', help: 'RAM size (default: the scenario\'s, or 1G)' },
  { name: 'pmem', metavar: 'SIZE@ADDR', repeatable: true, help: 'persistent-memory range (e820 type 7); repeatable' },
  { name: 'paging', metavar: '4|5', help: 'paging levels' },
  { name: 'cmdline', metavar: 'STRING', help: 'kernel command line (default: the scenario\'s)' },
  { name: 'seed', metavar: 'S', help: 'scheduler seed (default: the scenario\'s)' },
  { name: 'quantum', metavar: 'N', help: 'instructions per scheduler slice (default 200)' },
  { name: 'check', metavar: 'LIST', help: 'tlb (the stale-TLB oracle) or none (default: the scenario\'s)' },
  { name: 'trace', metavar: 'LIST', help: 'comma-separated: flush, fault, ipi (to stderr)' },
  { name: 'ptdump', help: 'print the kernel page tables (debugfs page_tables/kernel format) at the end' },
  { name: 'json', metavar: 'FILE', help: 'machine-readable summary (- = stdout)' },
  { name: 'max-insns', metavar: 'N', help: 'instruction budget (default 2e9)' },
  { name: 'timeout', metavar: 'SECONDS', help: 'wall-clock limit' },
  { name: 'verbose', help: 'more detail in reports' },
  { name: 'help', help: 'show this help' },
];

const HELP = `usage: tlbemu boot [options] SCENARIO|VARIANT|IMAGE.elf

Boots the tlbemu guest kernel (a scenario from \`tlbemu scenarios\`, a variant — ${VARIANTS.join(', ')} — or an
image) with the kernel model
attached: WARN/BUG reports in the kernel's format, every TLB flush recorded with its call chain and
preemption state, and with --check tlb a stale-TLB oracle on every CPU.

options:
${formatOptions(OPTIONS)}

exit status: for a scenario, 0 when the outcome matched its expectation and ${EXIT_OUTCOME_DIFFERS} when it did not;
for an image, the guest's status as with \`tlbemu run\`. 2 usage error, 4 budget exceeded, 6 guest crash.
`;

export interface BootSettings {
  scenario: Scenario | null;
  image: string;
  variant: Variant;
  cpus: number;
  mem: number;
  pmem: PmemRange[];
  paging: 4 | 5;
  cmdline: string;
  seed: number;
  quantum: number;
  checkTlb: boolean;
  trace: Set<string>;
  ptdump: boolean;
  json?: string;
  maxInsns: number;
  timeoutMs?: number;
  verbose: boolean;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The guest's source tree: $TLBEMU_GUEST_DIR, the one beside this build, or ./guest. */
function guestDir(): string {
  const candidates = [process.env.TLBEMU_GUEST_DIR, join(REPO_ROOT, 'guest'), join(process.cwd(), 'guest')];
  for (const c of candidates) if (c !== undefined && c !== '' && existsSync(join(c, 'Makefile'))) return c;
  throw new UsageError('cannot find the guest kernel sources (guest/Makefile); run from the repository or set TLBEMU_GUEST_DIR');
}

/** Path of a guest variant's image, building the guest (make -C guest) if it is missing. */
export function guestImage(variant: Variant): string {
  const dir = guestDir();
  const path = join(dir, 'build', `tlbemu-kernel-${variant}.elf`);
  if (existsSync(path)) return path;
  const r = spawnSync('make', ['-C', dir, '-s'], { encoding: 'utf8' });
  if (r.error) throw new UsageError(`cannot build the guest kernel: ${r.error.message} (is make installed?)`);
  if (r.status !== 0 || !existsSync(path)) {
    const last = `${r.stderr}${r.stdout}`.trim().split('\n').pop() ?? '';
    throw new UsageError(`building the guest kernel failed (make -C guest): ${last}`);
  }
  return path;
}

export function parseBootArgs(argv: readonly string[]): BootSettings | null {
  const { values, positionals } = parseArgs(argv, OPTIONS, 'boot');
  if (values.has('help')) return null;
  const one = (name: string): string | undefined => values.get(name)?.[0];
  if (positionals.length !== 1) throw new UsageError('boot: one SCENARIO, VARIANT or IMAGE.elf expected (see tlbemu scenarios)');
  const target = positionals[0];
  const scenario = findScenario(target) ?? null;
  const targetVariant = (VARIANTS as readonly string[]).includes(target) ? target as Variant : null;
  if (scenario === null && targetVariant === null && !target.endsWith('.elf') && !existsSync(target)) {
    throw new UsageError(`boot: no scenario or file named ${JSON.stringify(target)} (scenarios: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  }
  const variantArg = one('variant');
  if (variantArg !== undefined && !VARIANTS.includes(variantArg as Variant)) {
    throw new UsageError(`--variant ${JSON.stringify(variantArg)}: must be one of ${VARIANTS.join(', ')}`);
  }
  const variant = (variantArg ?? targetVariant ?? scenario?.variant ?? 'v4.19') as Variant;
  const paging = one('paging') ?? String(scenario?.paging ?? 4);
  if (paging !== '4' && paging !== '5') throw new UsageError(`--paging ${JSON.stringify(paging)}: must be 4 or 5`);
  const check = one('check');
  let checkTlb = scenario?.checkTlb ?? false;
  if (check !== undefined) checkTlb = parseList('check', check, ['tlb', 'none'] as const).has('tlb');
  const pmemArgs = values.get('pmem') ?? scenario?.pmem ?? [];
  const s: BootSettings = {
    scenario,
    image: scenario !== null || targetVariant !== null ? '' : target,
    variant,
    cpus: one('cpus') !== undefined ? parseInteger('cpus', one('cpus')!, 1, MAX_CPUS) : scenario?.cpus ?? 1,
    mem: parseSize('--mem', one('mem') ?? scenario?.mem ?? '1G'),
    pmem: pmemArgs.map((p) => parseRange('--pmem', p)),
    paging: paging === '5' ? 5 : 4,
    cmdline: one('cmdline') ?? scenario?.cmdline ?? '',
    seed: one('seed') !== undefined ? parseInteger('seed', one('seed')!, 0, Number.MAX_SAFE_INTEGER) : scenario?.seed ?? 1,
    quantum: one('quantum') !== undefined ? parseInteger('quantum', one('quantum')!, 1, 1e9) : 200,
    checkTlb,
    trace: one('trace') === undefined ? new Set() : parseList('trace', one('trace')!, ['flush', 'fault', 'ipi'] as const),
    ptdump: values.has('ptdump'),
    maxInsns: one('max-insns') !== undefined ? parseInteger('max-insns', one('max-insns')!, 1, Number.MAX_SAFE_INTEGER) : 2e9,
    verbose: values.has('verbose'),
  };
  if (one('json') !== undefined) s.json = one('json');
  if (one('timeout') !== undefined) s.timeoutMs = parseSeconds('timeout', one('timeout')!) * 1000;
  return s;
}

export interface BootReport {
  scenario: string | null;
  variant: string;
  image: string;
  cpus: number;
  paging: number;
  seed: number;
  cmdline: string;
  exit: { reason: string; status: number; message: string };
  instructions: number;
  warnings: Omit<WarningRecord, 'report'>[];
  suppressedWarnings: number;
  flushes: { total: number; sites: FlushSiteSummary[]; preemptibleDiagnostics: string[] };
  oracle: null | {
    hitsChecked: number;
    staleUses: { cpu: number; address: string; access: string; kinds: string[]; cachedPhys: string; currentPhys: string;
      filledAt: string; rip: string; culprit: null | { cpu: number; rip: string; stack: string[] } }[];
    staleUsesTotal: number;
    flushSites: string[];
  };
  ptdump: string | null;
  outcome: null | { matched: boolean; differences: string[] };
}

/** Boots per the settings; returns the report and the process status. Console text goes to `console`. */
export function bootGuest(s: BootSettings, console: { write(b: Uint8Array): void }, progress?: (n: number) => void,
  disassemble?: (bytes: Uint8Array, address: bigint) => string[]): { report: BootReport; status: number } {
  const imagePath = s.image !== '' ? s.image : guestImage(s.variant);
  const image: ElfImage = readImage(imagePath);
  const m = new Machine({ cpus: s.cpus, serial: console });
  let boot: BootResult;
  try {
    boot = m.boot(image, { memBytes: s.mem, pmem: s.pmem, pagingLevels: s.paging, cmdline: s.cmdline });
  } catch (e) {
    if (e instanceof LoadError) throw new UsageError(`${imagePath}: ${e.message}`);
    throw e;
  }
  void boot;
  const emit = (text: string) => { m.serial.flush(); console.write(Buffer.from(text, 'latin1')); };
  const km = new KernelModel(m, image, {
    emit, diag: (t) => writeStderr(t), checkTlb: s.checkTlb, trace: s.trace, verbose: s.verbose,
    modules: ModuleMap.forImage(imagePath), disassemble,
  });
  m.setHooks(km.hooks());
  let r: RunResult;
  try {
    r = m.run({ quantum: s.quantum, seed: s.seed, maxInsns: s.maxInsns, timeoutMs: s.timeoutMs, progress });
  } finally {
    m.serial.flush();
  }
  const ptdump = s.ptdump || s.scenario?.expect.ptdumpSameAs !== undefined ? hostPtdump(m, image) : null;
  const sites = km.flushSummary();
  const diags = km.flushTrap.diagnosticLines();
  const oracle = km.oracle;
  const report: BootReport = {
    scenario: s.scenario?.name ?? null, variant: s.variant, image: imagePath, cpus: s.cpus, paging: s.paging, seed: s.seed,
    cmdline: s.cmdline,
    exit: { reason: r.reason, status: r.status, message: r.message },
    instructions: r.instructions,
    warnings: km.warnings.map(({ report: _r, ...w }) => w),
    suppressedWarnings: km.suppressedWarnings,
    flushes: { total: km.flushTrap.total, sites, preemptibleDiagnostics: diags },
    oracle: oracle === null ? null : {
      hitsChecked: oracle.hitsChecked,
      staleUses: oracle.findings.map((f) => ({
        cpu: f.cpu, address: `0x${f.address.toString(16)}`, access: f.access, kinds: f.kinds,
        cachedPhys: `0x${f.cachedPhys.toString(16)}`, currentPhys: f.currentPhys < 0 ? 'not present' : `0x${f.currentPhys.toString(16)}`,
        filledAt: km.symbolize(f.fillRip), rip: km.symbolize(f.rip),
        culprit: f.culprit === null ? null : {
          cpu: f.culprit.cpu, rip: km.symbolize(BigInt.asUintN(64, (BigInt(f.culprit.ripHi) << 32n) | BigInt(f.culprit.ripLo >>> 0))),
          stack: f.culprit.stack.slice(1).map((a) => km.symbolizeReturn(a)),
        },
      })),
      staleUsesTotal: oracle.findingsTotal,
      flushSites: oracle.flushSiteLines((a) => km.symbolizeReturn(a)),
    },
    ptdump,
    outcome: null,
  };
  let status = r.status & 0xff;
  if (s.scenario !== null) {
    const differences = r.reason === 'debug-exit' || r.reason === 'halted'
      ? compareOutcome(s.scenario.expect, {
        guestStatus: r.status, warnings: km.warnings, staleUses: oracle === null ? null : oracle.findings,
        preemptibleFlushes: km.flushTrap.diagnostics.size,
      })
      : [`the run ended with ${r.reason}: ${r.message}`];
    report.outcome = { matched: differences.length === 0, differences };
    status = differences.length === 0 ? 0 : EXIT_OUTCOME_DIFFERS;
  } else if (r.reason !== 'debug-exit' && r.reason !== 'halted') {
    status = r.status;
  }
  return { report, status };
}

/** The kernel's page tables (init_top_pgt) dumped from the host. */
function hostPtdump(m: Machine, image: ElfImage): string | null {
  const cpu = m.cpus[0];
  try {
    const abi = readGuestAbi(cpu, image.symbols);
    const r = new GuestMemoryReader(cpu);
    const root = r.translate(abi.initTopPgtAddr);
    const pob = r.u64(abi.pageOffsetBaseAddr);
    if (root < 0 || pob === null) return null;
    const levels = (cpu.cr4 & (1 << 12)) !== 0 ? 5 : 4;
    return dumpPageTables(m.mem, root, levels, defaultMarkers(pob, levels)).text;
  } catch {
    return null;
  }
}

/** The host's closing summary (stdout, after the console). */
export function summaryLines(rep: BootReport): string[] {
  const out: string[] = [];
  out.push(`tlbemu-host: ---- ${rep.scenario ?? 'boot'} (${rep.variant}, ${rep.cpus} CPU${rep.cpus > 1 ? 's' : ''}, ${rep.paging}-level, seed ${rep.seed}) ----`);
  out.push(`tlbemu-host: ${rep.warnings.length} WARN/BUG report(s) trapped${rep.suppressedWarnings ? `, ${rep.suppressedWarnings} repeat(s) silenced by ONCE` : ''}`);
  for (const w of rep.warnings) out.push(`tlbemu-host:   ${w.kind} ${w.file}:${w.line} in ${w.function} on CPU ${w.cpu} (${w.comm}/${w.pid}) <- ${w.callChain.slice(0, 6).join(' <- ')}`);
  out.push(`tlbemu-host: ${rep.flushes.total} TLB flushes; by call site:`);
  for (const f of rep.flushes.sites) {
    out.push(`tlbemu-host:   ${f.site} [${f.kind}] x${f.count} on CPU ${f.cpus.join(',')}${f.preemptible ? ' PREEMPTIBLE' : ''}, ${f.dropped} entries dropped (${f.path.join(' <- ')})`);
  }
  for (const d of rep.flushes.preemptibleDiagnostics) out.push(d);
  if (rep.oracle !== null) {
    out.push(`tlbemu-host: stale-TLB oracle: ${rep.oracle.hitsChecked} TLB hits checked, ${rep.oracle.staleUsesTotal} stale translation use(s)`);
    for (const f of rep.oracle.staleUses) {
      out.push(`tlbemu-host:   CPU ${f.cpu} ${f.access} of ${f.address} through a stale entry (${f.kinds.join(', ')}): cached ${f.cachedPhys}, tables now ${f.currentPhys}; filled at ${f.filledAt}, used at ${f.rip}`);
      if (f.culprit !== null) out.push(`tlbemu-host:     made stale by CPU ${f.culprit.cpu} at ${f.culprit.rip} <- ${f.culprit.stack.slice(0, 6).join(' <- ')}`);
    }
    for (const l of rep.oracle.flushSites) out.push(`tlbemu-host:   flush site ${l}`);
  }
  if (rep.outcome !== null) {
    out.push(rep.outcome.matched ? `tlbemu-host: outcome matches scenario ${rep.scenario}` :
      `tlbemu-host: outcome DIFFERS from scenario ${rep.scenario}: ${rep.outcome.differences.join('; ')}`);
  }
  return out;
}

export const bootCommand: Command = {
  name: 'boot',
  summary: 'boot the guest kernel (a scenario or an image) with the kernel model attached',
  help: () => HELP,
  async run(argv: readonly string[]): Promise<number> {
    const s = parseBootArgs(argv);
    if (s === null) { writeFully(1, Buffer.from(HELP)); return 0; }
    const dis = s.verbose ? await disassembler() : null;
    let jsonSink: FdSink | null = null;
    if (s.json !== undefined && s.json !== '-') {
      try { jsonSink = openForWrite(s.json); } catch (e) {
        throw new UsageError(`--json ${s.json}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    try {
      const stdout = new FdSink(1);
      const tty = process.stderr.isTTY === true;
      const t0 = performance.now();
      let shown = false;
      const progress = tty ? (n: number) => {
        if (performance.now() - t0 < 1000) return;
        shown = true;
        writeStderr(`\rtlbemu: ${(n / 1e6).toFixed(1)} M instructions, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } : undefined;
      const { report, status } = bootGuest(s, stdout, progress, dis === null ? undefined : (bytes, at) => disassemblyLines(dis, bytes, at));
      if (shown) writeStderr('\n');
      if (report.ptdump !== null && s.ptdump) writeFully(1, Buffer.from(report.ptdump));
      writeFully(1, Buffer.from(summaryLines(report).join('\n') + '\n'));
      if (report.exit.reason !== 'debug-exit' && report.exit.reason !== 'halted') writeStderr(`tlbemu: ${report.exit.message}\n`);
      if (s.json !== undefined) {
        const text = Buffer.from(JSON.stringify(report, null, 2) + '\n');
        if (jsonSink === null) writeFully(1, text); else jsonSink.write(text);
      }
      return status;
    } finally {
      if (jsonSink !== null) closeSink(jsonSink);
    }
  },
};
