// Guest-kernel runs in a process of their own, so that the peak memory is theirs: boots the tlbemu
// guest kernel as `tlbemu run` does (or, with model = true, as `tlbemu boot` does, kernel model
// attached) in a fresh process — a user's cold start — and, with warm = true, twice more in the same
// process, the second of which is measured (the JIT warm: the emulator's own speed); prints one JSON
// line: times, guest instructions, page walks, host memory.
// Why the warm figure is the third run: the second machine of a process still runs while V8
// re-optimises much of the emulator (feedback the first run never needed; code that had embedded
// objects of the first machine, dropped when those are collected). The machines of earlier runs are
// kept reachable so that no such collection falls inside the measured run.
//   node dist/bench/kernel-child.js '{"variant":"upstream","cpus":2,"memBytes":...,"pmem":[...],"cmdline":"..."}'
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../emulator/loader/elf.js';
import { Machine } from '../emulator/machine/machine.js';
import { bootGuest, guestImage } from '../cli/commands/boot.js';
import type { Variant } from '../kernel-model/scenario.js';

export interface KernelChildSpec {
  variant: Variant;
  cpus: number;
  memBytes: number;
  pmem: { base: number; size: number }[];
  cmdline: string;
  /** Attach the kernel model (WARN trap, flush trap) as `tlbemu boot` does. */
  model: boolean;
  /** Run again in the same process and report the warm speed too (see the header). */
  warm: boolean;
  /** Measured warm runs (default 1): the one with the fastest hot-add phase is reported — more samples
   *  for a scaling point on a machine whose speed comes and goes (bench/README.md, Scaling). */
  warmRuns?: number;
}

export interface KernelChildResult {
  /** Milliseconds in the emulator's run loop, first run (the boot contract is set up before it). */
  runMs: number;
  /** The same for the third run in the same process (the fastest measured one with warmRuns > 1), or
   *  -1 (warm = false). */
  warmRunMs: number;
  /** The hot-add phase of the first run and of the warm run: from the guest's line opening its workload
   *  to the one opening its summary (the hot-add, and the readers' check of the range), -1 if absent. */
  hotAddMs: number;
  warmHotAddMs: number;
  /** CPU time of the process (all its threads) during the warm run, or -1: what time stolen from this
   *  VM by its neighbours does not inflate. */
  warmCpuMs: number;
  /** Milliseconds from the process's start to the end of the first run (loading, booting, running). */
  processMs: number;
  instructions: number;
  /** Page walks, all CPUs (-1 with the kernel model, which owns its machine). */
  walks: number;
  /** Host bytes of guest frames the emulator allocated (it allocates a frame on its first write); -1
   *  with the kernel model. */
  guestFrameBytes: number;
  /** The process's peak resident set at the end of the first run, what `tlbemu run` holds (VmHWM:
   *  ru_maxrss would also count the parent's pages at fork). */
  peakRssBytes: number;
  /** The guest's own summary: page sizes of its direct map. */
  directMap: { '4k': number; '2m': number; '1g': number } | null;
  /** "debug-exit 1" when the guest passed its self-checks, else what happened. */
  result: string;
}

function parseDirectMap(text: string): KernelChildResult['directMap'] {
  const m = /DirectMap4k (\d+), DirectMap2M (\d+), DirectMap1G (\d+)/.exec(text);
  return m === null ? null : { '4k': Number(m[1]), '2m': Number(m[2]), '1g': Number(m[3]) };
}

/** Peak resident set of this process: /proc/self/status VmHWM (Linux), else getrusage's maxrss. */
function peakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

interface OneRun {
  runMs: number; hotAddMs: number; instructions: number; walks: number; guestFrameBytes: number; result: string; text: string;
}

// The guest's console lines that open and close its workload (tlbemu/workload.c): the hot-add phase
// is the time between the two, as the console device hands each line over when the guest ends it.
const PHASE_BEGIN = 'tlbemu: round 1/';
const PHASE_END = 'tlbemu: ---- summary';

/** Milliseconds between the lines opening and closing the workload, or -1 when either is missing. */
function phaseMs(lines: { t: number; text: string }[]): number {
  const a = lines.find((l) => l.text.includes(PHASE_BEGIN));
  const b = lines.find((l) => l.text.includes(PHASE_END));
  return a === undefined || b === undefined ? -1 : b.t - a.t;
}

/** The machines of the runs so far (see the header: kept reachable until the process ends). */
const machines: Machine[] = [];

function runOnce(spec: KernelChildSpec): OneRun {
  const chunks: Uint8Array[] = [];
  const lines: { t: number; text: string }[] = [];
  const sink = {
    write: (b: Uint8Array) => {
      chunks.push(b.slice());
      lines.push({ t: performance.now(), text: Buffer.from(b).toString('latin1') });
    },
  };
  let out: Omit<OneRun, 'text' | 'hotAddMs'>;
  if (spec.model) {
    const t0 = performance.now();
    const { report } = bootGuest({
      scenario: null, image: '', variant: spec.variant, cpus: spec.cpus, mem: spec.memBytes, pmem: spec.pmem, paging: 4,
      cmdline: spec.cmdline, seed: 1, quantum: 200, checkTlb: false, trace: new Set(), ptdump: false, maxInsns: 2e10,
      verbose: false,
    }, sink);
    out = { runMs: performance.now() - t0, instructions: report.instructions, walks: -1, guestFrameBytes: -1, result: `${report.exit.reason} ${report.exit.status}` };
  } else {
    const image = parseElf(readFileSync(guestImage(spec.variant)));
    const m = new Machine({ cpus: spec.cpus, serial: sink });
    machines.push(m);
    m.boot(image, { memBytes: spec.memBytes, pmem: spec.pmem, pagingLevels: 4, cmdline: spec.cmdline });
    const t0 = performance.now();
    const r = m.run({ maxInsns: 2e10 });
    const runMs = performance.now() - t0;
    m.serial.flush();
    let walks = 0;
    for (const c of m.cpus) walks += c.mmu.counters.walks;
    out = { runMs, instructions: r.instructions, walks, guestFrameBytes: m.mem.hostBytes(), result: `${r.reason} ${r.status}` };
  }
  const text = Buffer.concat(chunks).toString('latin1');
  if (!/result PASS/.test(text)) out.result += `; console: ${text.trim().split('\n').slice(-2).join(' | ')}`;
  return { ...out, hotAddMs: phaseMs(lines), text };
}

export function runKernel(spec: KernelChildSpec): KernelChildResult {
  const cold = runOnce(spec);
  const processMs = performance.now();
  const coldPeakRss = peakRss();
  const collect = (globalThis as { gc?: () => void }).gc ?? ((): void => {});
  let warm: OneRun | null = null;
  let cpu = { user: 0, system: 0 };
  if (spec.warm) {
    const warmUp = runOnce(spec);
    for (let k = 0; k < Math.max(1, spec.warmRuns ?? 1); k++) {
      // a measured run should not pay for collecting the garbage of the others (node --expose-gc)
      collect();
      const cpu0 = process.cpuUsage();
      const run = runOnce(spec);
      const used = process.cpuUsage(cpu0);
      if (warm === null || run.result !== cold.result || (warm.result === cold.result && run.hotAddMs < warm.hotAddMs)) {
        warm = run;
        cpu = used;
      }
    }
    if (warmUp.result !== cold.result) (warm as OneRun).result = `${warmUp.result} (second run)`;
  }
  const result = warm !== null && warm.result !== cold.result ? `${cold.result}; later run: ${warm.result}` : cold.result;
  return {
    runMs: cold.runMs, warmRunMs: warm === null ? -1 : warm.runMs, hotAddMs: cold.hotAddMs,
    warmHotAddMs: warm === null ? -1 : warm.hotAddMs,
    warmCpuMs: warm === null ? -1 : (cpu.user + cpu.system) / 1000, processMs, instructions: cold.instructions, walks: cold.walks,
    guestFrameBytes: cold.guestFrameBytes, peakRssBytes: coldPeakRss, directMap: parseDirectMap(cold.text), result,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  // --check: the modules load (the runner checks its copy of dist/ with it)
  if (process.argv[2] === '--check') process.exit(0);
  const spec = JSON.parse(process.argv[2] ?? '{}') as KernelChildSpec;
  process.stdout.write(`${JSON.stringify(runKernel(spec))}\n`);
}
