// `npm run bench` / `tlbemu bench`: runs every workload on tlbemu, Unicorn and QEMU in rounds (a
// warm-up round, then N measured ones; in each round every engine runs every workload it can, so that
// ratios are taken pair by pair within a round), the native floors, the guest kernel, and the scaling
// series; writes results.json, results.md and one SVG per series.
//   node dist/bench/run.js [--quick] [--rounds N] [--out DIR] [--only ID,ID...]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus as hostCpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBenchImage } from './images.js';
import { buildNative, chaseNs, tscHz } from './native.js';
import { benchDir, repoRoot } from './paths.js';
import { EngineFailed, EngineSkipped, ImageResult, ImageSpec } from './engines/types.js';
import { IMAGE_CHILD_FAILED } from './image-child.js';
import { qemuStatus, runOnQemu } from './engines/qemu.js';
import { EngineName, ImageWorkload, KernelWorkload, Plan, plan } from './workloads.js';
import type { KernelChildResult } from './kernel-child.js';
import { buildReport, BenchResult, ImageOutcome, KernelOutcome } from './report.js';

export interface BenchOptions {
  quick: boolean;
  /** Measured rounds (after the warm-up); default 5, or 3 with quick. */
  rounds?: number;
  /** Output directory; default bench/results (full) or bench/results/quick. */
  out?: string;
  /** Only workloads whose id starts with one of these. */
  only?: string[];
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

const REPS = 5; // the image's first four repetitions warm the engine up; the fifth is measured (README: Warm-up)

type UnicornRunner = (spec: ImageSpec) => ImageResult;

/** The Unicorn engine, or why it cannot run (the binding's module or the library missing). */
async function loadUnicornEngine(): Promise<{ run: UnicornRunner; version: string } | { reason: string }> {
  try {
    const mod = await import('./engines/unicorn.js');
    const st = mod.unicornStatus();
    if (!st.ok) return { reason: st.reason };
    return { run: mod.runOnUnicorn, version: `Unicorn ${st.version}` };
  } catch (e) {
    return { reason: `the Unicorn binding does not load (${(e as Error).message.split('\n')[0]})` };
  }
}

function selected(id: string, only: string[] | undefined): boolean {
  return only === undefined || only.length === 0 || only.some((p) => id.startsWith(p));
}

/** Where the child processes' scripts are: a copy of the compiled tree (dir, removed at the end), or
 *  dist/ itself (dir null) with TLBEMU_BENCH_NO_SNAPSHOT set. */
interface ChildTree { kernel: string; image: string; dir: string | null }

/**
 * A copy of the compiled tree for the child processes (guest kernel, tlbemu image runs): another build
 * rewriting dist/ while a child starts would hand it half-written modules. The copy is checked to load
 * (retried while a build runs).
 */
function snapshotChildTree(): ChildTree {
  const here = fileURLToPath(new URL('./kernel-child.js', import.meta.url));
  if (process.env.TLBEMU_BENCH_NO_SNAPSHOT) {
    return { kernel: here, image: fileURLToPath(new URL('./image-child.js', import.meta.url)), dir: null };
  }
  const tree = resolve(dirname(here), '..');
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'tlbemu-bench-dist-'));
    cpSync(tree, join(dir, 'tree'), { recursive: true });
    // the packages the modules import resolve through the repository's node_modules
    const modules = join(repoRoot(), 'node_modules');
    if (existsSync(modules)) symlinkSync(modules, join(dir, 'node_modules'), 'dir');
    const kernel = join(dir, 'tree', 'bench', 'kernel-child.js');
    const image = join(dir, 'tree', 'bench', 'image-child.js');
    const k = spawnSync(process.execPath, [kernel, '--check'], { encoding: 'utf8', timeout: 60_000 });
    const i = k.status === 0 ? spawnSync(process.execPath, [image, '--check'], { encoding: 'utf8', timeout: 60_000 }) : k;
    if (i.status === 0) return { kernel, image, dir };
    last = i.stderr;
    rmSync(dir, { recursive: true, force: true });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
  }
  throw new Error(`the compiled benchmark does not load (is a build running?): ${firstError(last)}`);
}

/** The line of a child's stderr that says what went wrong. */
function firstError(stderr: string): string {
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => /Error|error:/.test(l)) ?? lines.slice(-2).join(' | ');
}

/** tlbemu on an image, in a fresh process (image-child.ts). */
function runImageChild(script: string, spec: ImageSpec): ImageResult {
  const r = spawnSync(process.execPath, [script, JSON.stringify(spec)], { encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20 });
  if (r.status === IMAGE_CHILD_FAILED) throw new EngineFailed(r.stderr.trim().split('\n').pop() ?? 'tlbemu failed');
  if (r.error || r.status !== 0) throw new EngineFailed(`tlbemu: ${r.error?.message ?? firstError(r.stderr)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ImageResult;
}

function runKernelChild(script: string, w: KernelWorkload): KernelChildResult {
  // --expose-gc: the child collects the first run's garbage before the warm run (kernel-child.ts)
  const r = spawnSync(process.execPath, ['--expose-gc', script, JSON.stringify(w.spec)], {
    encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20,
    env: { ...process.env, TLBEMU_GUEST_DIR: join(repoRoot(), 'guest') },
  });
  if (r.error || r.status !== 0) throw new EngineFailed(`${w.id}: ${r.error?.message ?? firstError(r.stderr)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as KernelChildResult;
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const rounds = Math.max(1, opts.rounds ?? (opts.quick ? 3 : 5));
  const out = resolve(opts.out ?? (opts.quick ? join(benchDir(), 'results', 'quick') : join(benchDir(), 'results')));
  const p: Plan = plan(opts.quick);
  const images = p.images.filter((w) => selected(w.id, opts.only));
  const kernels = p.kernels.filter((w) => selected(w.id, opts.only));
  const notices: string[] = [];
  const started = new Date();
  const loadBefore = loadavg();
  const t0 = performance.now();

  // engines and helpers
  const paths = { bench: buildBenchImage('bench'), shootdown: buildBenchImage('shootdown') };
  let nativeExe: string | null = null;
  let tsc = NaN;
  try {
    nativeExe = buildNative();
    tsc = tscHz(nativeExe, opts.quick ? 100 : 500);
  } catch (e) {
    notices.push(`native helper skipped: ${(e as Error).message}`);
  }
  // tlbemu runs each image, and the guest kernel, in processes of their own
  const children = snapshotChildTree();
  try {
    return await measure(opts, { log, rounds, out, p, images, kernels, notices, started, loadBefore, t0, paths, nativeExe, tsc, children });
  } finally {
    if (children.dir !== null) rmSync(children.dir, { recursive: true, force: true });
  }
}

interface Setup {
  log: (line: string) => void;
  rounds: number;
  out: string;
  p: Plan;
  images: ImageWorkload[];
  kernels: KernelWorkload[];
  notices: string[];
  started: Date;
  loadBefore: number[];
  t0: number;
  paths: Record<ImageWorkload['image'], string>;
  nativeExe: string | null;
  tsc: number;
  children: ChildTree;
}

async function measure(opts: BenchOptions, setup: Setup): Promise<BenchResult> {
  const { log, rounds, out, p, images, kernels, notices, started, loadBefore, t0, paths, nativeExe, tsc, children } = setup;
  const uni = await loadUnicornEngine();
  if ('reason' in uni) notices.push(`Unicorn skipped: ${uni.reason}`);
  const qs = qemuStatus();
  let qemuOk = qs.ok;
  if (!qs.ok) notices.push(`QEMU skipped: ${qs.reason}`);
  if (qs.ok && !Number.isFinite(tsc)) {
    qemuOk = false;
    notices.push('QEMU skipped: its times come from guest RDTSC deltas, which need the native helper\'s TSC rate (gcc)');
  }
  const versions = {
    node: process.version,
    unicorn: 'reason' in uni ? null : uni.version,
    qemu: qs.ok ? qs.version : null,
  };

  // image workloads and native floors, in rounds
  const outcomes = new Map<string, ImageOutcome>();
  for (const w of images) {
    const o: ImageOutcome = { workload: w, seconds: {}, instructions: [], walks: [], skipped: {}, errors: [] };
    for (const e of ['tlbemu', 'unicorn', 'qemu'] as EngineName[]) {
      if (w.skip[e] !== undefined) o.skipped[e] = w.skip[e];
      else if (e === 'unicorn' && 'reason' in uni) o.skipped[e] = 'not installed';
      else if (e === 'qemu' && !qemuOk) o.skipped[e] = 'not installed';
      else o.seconds[e] = [];
    }
    outcomes.set(w.id, o);
  }
  const native = { miss: [] as number[], hit: [] as number[] };
  for (let round = 0; round <= rounds; round++) {
    const warm = round === 0;
    log(`bench: round ${round}/${rounds}${warm ? ' (warm-up)' : ''}, ${((performance.now() - t0) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)}`);
    if (nativeExe !== null && images.some((w) => w.native !== undefined)) {
      const miss = chaseNs(nativeExe, 16384, p.nativeAccesses.miss);
      const hit = chaseNs(nativeExe, 16, p.nativeAccesses.hit);
      if (!warm) { native.miss.push(miss); native.hit.push(hit); }
    }
    for (const w of images) {
      const o = outcomes.get(w.id)!;
      const spec: ImageSpec = {
        image: paths[w.image], cmdline: `${w.params} reps=${REPS}`, reps: REPS, memBytes: w.memBytes, cpus: w.cpus,
        paging: w.paging, tlb: w.tlb,
      };
      const parts: string[] = [];
      for (const e of Object.keys(o.seconds) as EngineName[]) {
        let r: ImageResult;
        try {
          r = e === 'tlbemu' ? runImageChild(children.image, spec) : e === 'unicorn' ? (uni as { run: UnicornRunner }).run(spec) : runOnQemu(spec, tsc);
        } catch (err) {
          if (err instanceof EngineSkipped) { o.skipped[e] = err.message; delete o.seconds[e]; continue; }
          if (err instanceof EngineFailed) {
            o.errors.push(`round ${round}: ${err.message}`);
            if (!warm) o.seconds[e]!.push(NaN);
            parts.push(`${e} FAILED`);
            continue;
          }
          throw err;
        }
        const s = r.seconds[REPS - 1];
        parts.push(`${e} ${s.toFixed(3)} s`);
        if (warm) continue;
        o.seconds[e]!.push(s);
        if (e === 'tlbemu') { o.instructions.push(r.instructions![REPS - 1]); o.walks.push(r.walks![REPS - 1]); }
      }
      log(`  ${w.id}: ${parts.join(', ')}`);
    }
  }

  // the guest kernel: one fresh process per run (a user's cold start), no warm-up; make brings the
  // images up to date with the guest's sources first
  const kernelOut: KernelOutcome[] = [];
  if (kernels.length > 0) {
    const mk = spawnSync('make', ['-C', join(repoRoot(), 'guest'), '-s'], { encoding: 'utf8', timeout: 600_000 });
    if (mk.error || mk.status !== 0) {
      notices.push(`guest kernel skipped: make -C guest failed (${mk.error?.message ?? mk.stderr.trim().split('\n').pop()})`);
      kernels.length = 0;
    }
  }
  const kernelRounds = rounds;
  // round by round, every workload in each (as the image rounds do): a slow spell of this machine then
  // touches one run of many workloads instead of every run of one (one point of a scaling series)
  const kernelOutcomes = kernels.map((w): KernelOutcome => ({ workload: w, runs: [], errors: [] }));
  for (let round = 1; round <= kernelRounds; round++) {
    for (const o of kernelOutcomes) {
      const w = o.workload;
      try {
        const r = runKernelChild(children.kernel, w);
        if (!/^debug-exit 1$/.test(r.result)) o.errors.push(`round ${round}: ${r.result}`);
        o.runs.push(r);
        log(`  ${w.id} round ${round}/${kernelRounds}: ${r.runMs.toFixed(0)} ms emulation` +
          `${r.warmRunMs >= 0 ? ` (${r.warmRunMs.toFixed(0)} ms warm)` : ''}, ${r.processMs.toFixed(0)} ms process, ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB peak`);
      } catch (err) {
        if (!(err instanceof EngineFailed)) throw err;
        o.errors.push(`round ${round}: ${err.message}`);
        log(`  ${w.id} round ${round}: FAILED ${err.message}`);
      }
    }
  }
  for (const o of kernelOutcomes) {
    const w = o.workload;
    const dm = o.runs[0]?.directMap;
    if (dm !== undefined && dm !== null) {
      const want = w.expectPages === '4k' ? dm['4k'] > dm['2m'] * 512 : dm['2m'] > 0;
      if (!want) notices.push(`${w.id}: the guest kernel did not map the range with ${w.expectPages === '4k' ? '4 KiB' : '2 MiB'} pages (DirectMap4k ${dm['4k']}, 2M ${dm['2m']}, 1G ${dm['1g']}): its figures do not describe that case`);
    }
    kernelOut.push(o);
  }

  const result = buildReport({
    mode: opts.quick ? 'quick' : 'full', rounds, kernelRounds, started, seconds: (performance.now() - t0) / 1000,
    host: { model: hostCpus()[0]?.model ?? 'unknown', cores: hostCpus().length, loadBefore, loadAfter: loadavg(), tscHz: tsc },
    versions, notices, plan: p, images: [...outcomes.values()], native, kernels: kernelOut,
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(result.json, null, 2) + '\n');
  writeFileSync(join(out, 'results.md'), result.markdown);
  for (const [name, svg] of result.svgs) writeFileSync(join(out, name), svg);
  log(`bench: wrote ${join(out, 'results.json')}, results.md and ${result.svgs.size} SVG plot(s) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return result.json;
}

/** Parses the bench options; throws an Error with a one-line message for bad ones; null for --help. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | null {
  const o: BenchOptions = { quick: false };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (k + 1 >= argv.length) throw new Error(`${name} needs a value`);
      return argv[++k];
    };
    switch (name) {
      case '--help': case '-h': return null;
      case '--quick': o.quick = true; break;
      case '--rounds': {
        const v = value();
        if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 100) throw new Error(`--rounds ${JSON.stringify(v)}: expected 1..100`);
        o.rounds = Number(v);
        break;
      }
      case '--out': o.out = value(); break;
      case '--only': o.only = value().split(',').map((s) => s.trim()).filter((s) => s !== ''); break;
      default: throw new Error(`unknown option ${a} (see tlbemu bench --help)`);
    }
  }
  return o;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  let o: BenchOptions | null;
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (o === null) {
    process.stdout.write('usage: node dist/bench/run.js [--quick] [--rounds N] [--out DIR] [--only ID[,ID...]] (see tlbemu bench --help)\n');
  } else {
    await runBench(o);
  }
}
