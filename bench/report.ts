// Turns the measurements into figures (median, min-max), ratios taken pair by pair within a round, the
// issue's targets, the scaling series, and the three outputs: JSON, a Markdown report, SVG plots.
import type { KernelChildResult } from './kernel-child.js';
import { Figure, LinearFit, figure, linearFit, pairRatios, si } from './stats.js';
import { Plot, PlotLine, renderPlot } from './svg.js';
import { ENGINE_TITLES, EngineName, ImageWorkload, KernelWorkload, Plan, SeriesInfo } from './workloads.js';

export interface ImageOutcome {
  workload: ImageWorkload;
  /** Seconds of the measured repetition, per engine that ran, one per round (NaN: failed). */
  seconds: Partial<Record<EngineName, number[]>>;
  /** tlbemu: guest instructions and page walks in the measured repetition, per round. */
  instructions: number[];
  walks: number[];
  skipped: Partial<Record<EngineName, string>>;
  errors: string[];
}

export interface KernelOutcome {
  workload: KernelWorkload;
  runs: KernelChildResult[];
  errors: string[];
}

export interface ReportInput {
  mode: 'quick' | 'full';
  rounds: number;
  kernelRounds: number;
  started: Date;
  seconds: number;
  host: { model: string; cores: number; loadBefore: number[]; loadAfter: number[]; tscHz: number };
  versions: { node: string; unicorn: string | null; qemu: string | null };
  notices: string[];
  plan: Plan;
  images: ImageOutcome[];
  native: { miss: number[]; hit: number[] };
  kernels: KernelOutcome[];
}

interface EngineFigures {
  seconds: Figure;
  /** Operations per second. */
  rate: Figure;
}

export interface ImageJson {
  id: string;
  title: string;
  unit: string;
  params: string;
  cpus: number;
  paging: number;
  tlb: { entries: number; ways: number } | null;
  /** Operations per measured repetition. */
  ops: number;
  engines: Partial<Record<EngineName, EngineFigures>>;
  skipped: Partial<Record<EngineName, string>>;
  /** tlbemu rate / peer rate, pair by pair within a round. */
  ratios: Partial<Record<EngineName | 'native', Figure>>;
  tlbemu: { instructions: Figure | null; walks: Figure | null };
  /** The scaling series this workload is a point of. */
  series: { id: string; x: number; line: string } | null;
  errors: string[];
}

export interface KernelJson {
  id: string;
  title: string;
  cmdline: string;
  cpus: number;
  model: boolean;
  /** First run of a fresh process (a user's cold start): time in the emulator's run loop. */
  runMs: Figure;
  /** Second run in the same process (the JIT warm), or null. */
  warmRunMs: Figure | null;
  /** The hot-add phase (the guest's workload, from its opening line to its summary) of the warm run. */
  warmHotAddMs: Figure | null;
  /** CPU time of the child during the warm run (all threads). */
  warmCpuMs: Figure | null;
  /** From the process's start to the end of the first run. */
  processMs: Figure;
  instructions: Figure;
  walks: Figure | null;
  peakRssMiB: Figure;
  guestFrameMiB: Figure | null;
  directMap: KernelChildResult['directMap'];
  errors: string[];
}

export interface SeriesJson {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** fitOn: which statistic of each point the line is fitted to. */
  lines: { name: string; points: { x: number; y: Figure }[]; fit: LinearFit | null; fitOn: 'median' | 'min' }[];
  svg: string;
}

export interface TargetJson {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  tool: string;
  mode: 'quick' | 'full';
  started: string;
  seconds: number;
  rounds: number;
  host: ReportInput['host'];
  versions: ReportInput['versions'];
  notices: string[];
  native: { tlbMissNs: Figure | null; tlbHitNs: Figure | null };
  workloads: ImageJson[];
  kernel: KernelJson[];
  series: SeriesJson[];
  targets: TargetJson[];
}

const MiB = 2 ** 20;

function fig(xs: number[]): Figure | null {
  return xs.some((x) => Number.isFinite(x)) ? figure(xs) : null;
}

function imageJson(o: ImageOutcome, native: ReportInput['native']): ImageJson {
  const w = o.workload;
  const insn = fig(o.instructions);
  const ops = w.ops ?? (insn === null ? NaN : insn.median);
  const engines: ImageJson['engines'] = {};
  const rates: Partial<Record<EngineName, number[]>> = {};
  for (const [e, secs] of Object.entries(o.seconds) as [EngineName, number[]][]) {
    if (secs.length === 0) continue;
    rates[e] = secs.map((s) => ops / s);
    engines[e] = { seconds: figure(secs), rate: figure(rates[e]!) };
  }
  const ratios: ImageJson['ratios'] = {};
  const t = rates.tlbemu;
  if (t !== undefined) {
    for (const e of ['unicorn', 'qemu'] as EngineName[]) {
      const r = rates[e] === undefined ? [] : pairRatios(t, rates[e]!);
      if (r.length > 0) ratios[e] = figure(r);
    }
    if (w.native !== undefined) {
      const ns = w.native === 'miss' ? native.miss : native.hit;
      const r = pairRatios(t, ns.map((x) => 1e9 / x));
      if (r.length > 0) ratios.native = figure(r);
    }
  }
  return {
    id: w.id, title: w.title, unit: w.unit, params: w.params, cpus: w.cpus, paging: w.paging, tlb: w.tlb ?? null, ops,
    engines, skipped: o.skipped, ratios, tlbemu: { instructions: insn, walks: fig(o.walks) }, series: w.series ?? null,
    errors: o.errors,
  };
}

function kernelJson(o: KernelOutcome): KernelJson {
  const w = o.workload;
  const pick = (f: (r: KernelOutcome['runs'][number]) => number): number[] => o.runs.map(f);
  const walks = pick((r) => r.walks);
  const frames = pick((r) => r.guestFrameBytes);
  return {
    id: w.id, title: w.title, cmdline: w.spec.cmdline, cpus: w.spec.cpus, model: w.spec.model,
    runMs: figure(pick((r) => r.runMs)), processMs: figure(pick((r) => r.processMs)),
    warmRunMs: o.runs.length > 0 && o.runs.every((r) => r.warmRunMs >= 0) ? figure(pick((r) => r.warmRunMs)) : null,
    warmCpuMs: o.runs.length > 0 && o.runs.every((r) => (r.warmCpuMs ?? -1) >= 0) ? figure(pick((r) => r.warmCpuMs)) : null,
    warmHotAddMs: o.runs.length > 0 && o.runs.every((r) => (r.warmHotAddMs ?? -1) >= 0) ? figure(pick((r) => r.warmHotAddMs)) : null,
    instructions: figure(pick((r) => r.instructions)),
    walks: walks.every((x) => x >= 0) && walks.length > 0 ? figure(walks) : null,
    peakRssMiB: figure(pick((r) => r.peakRssBytes / MiB)),
    guestFrameMiB: frames.every((x) => x >= 0) && frames.length > 0 ? figure(frames.map((x) => x / MiB)) : null,
    directMap: o.runs[0]?.directMap ?? null, errors: o.errors,
  };
}

function seriesJson(s: SeriesInfo, images: ImageJson[], kernels: KernelJson[], kernelOut: KernelOutcome[]): SeriesJson | null {
  const lines: SeriesJson['lines'] = [];
  const line = (name: string, pts: { x: number; y: Figure }[], fit: boolean, fitOn: 'median' | 'min' = 'median'): void => {
    if (pts.length === 0) return;
    pts.sort((a, b) => a.x - b.x);
    const f = fit && pts.length >= 2 ? linearFit(pts.map((p) => p.x), pts.map((p) => p.y[fitOn])) : null;
    lines.push({ name, points: pts, fit: f, fitOn });
  };
  if (s.id === 'hotplug' || s.id === 'hotplug-memory') {
    const pts = kernelOut.filter((k) => k.workload.series?.id === 'hotplug').map((k) => ({
      x: k.workload.series!.x, j: kernels.find((j) => j.id === k.workload.id)!,
    }));
    if (s.id === 'hotplug') {
      // what the linearity target reads: the hot-add itself, without the boot before it, fitted to each
      // size's least-disturbed run (bench/README.md: this VM runs at two speeds, a median of five may
      // land on either)
      line('hot-add phase, warm (fastest of runs 3-5 in the process)', pts.filter((p) => p.j.warmHotAddMs !== null).map((p) => ({ x: p.x, y: p.j.warmHotAddMs! })), true, 'min');
      line('tlbemu run, warm (boot + hot-add)', pts.filter((p) => p.j.warmRunMs !== null).map((p) => ({ x: p.x, y: p.j.warmRunMs! })), true);
      line('tlbemu run, cold (first run of a fresh process)', pts.map((p) => ({ x: p.x, y: p.j.runMs })), false);
    } else {
      line('peak RSS of the process', pts.map((p) => ({ x: p.x, y: p.j.peakRssMiB })), false);
      line('guest frames allocated', pts.filter((p) => p.j.guestFrameMiB !== null).map((p) => ({ x: p.x, y: p.j.guestFrameMiB! })), false);
    }
  } else {
    const members = images.filter((j) => j.series?.id === s.id);
    const perOp = (e: EngineFigures, ops: number, scale: number): Figure => {
      const samples = e.seconds.samples.map((x) => (x / ops) * scale);
      return figure(samples);
    };
    const scale = s.y === 'us-per-op' ? 1e6 : 1e9;
    const names = new Map<string, { x: number; y: Figure }[]>();
    for (const j of members) {
      const info = j.series!;
      for (const [e, f] of Object.entries(j.engines) as [EngineName, EngineFigures][]) {
        const name = e === 'tlbemu' ? info.line : ENGINE_TITLES[e];
        if (!names.has(name)) names.set(name, []);
        names.get(name)!.push({ x: info.x, y: perOp(f, j.ops, scale) });
      }
    }
    // tlbemu's lines first, then the peers
    const order = [...names.keys()].sort((a, b) => Number(!a.startsWith('tlbemu')) - Number(!b.startsWith('tlbemu')));
    // fitted to each point's fastest run, as the hot-add line (bench/README.md, Scaling)
    for (const name of order) line(name, names.get(name)!, s.fit, 'min');
  }
  if (lines.length === 0) return null;
  const plot: Plot = {
    title: s.title, xLabel: s.xLabel, yLabel: s.yLabel, xLog2: s.xLog2, note: s.note,
    lines: lines.map((l): PlotLine => ({
      name: l.name + (l.fit !== null && l.fitOn === 'min' ? ' — line fitted to the fastest run of each size' : ''), fit: l.fit ?? undefined,
      points: l.points.map((p) => ({ x: p.x, y: p.y.median, lo: p.y.min, hi: p.y.max })),
    })),
  };
  return { id: s.id, title: s.title, xLabel: s.xLabel, yLabel: s.yLabel, lines, svg: renderPlot(plot) };
}

/** A plain number for tables: 1234, 12.3, 1.23 (no exponents). */
function num(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

function ratioText(f: Figure | undefined): string {
  return f === undefined ? 'n/a' : `${f.median.toFixed(3)}× (${f.min.toFixed(3)}–${f.max.toFixed(3)})`;
}

function targets(images: ImageJson[], kernels: KernelJson[], series: SeriesJson[]): TargetJson[] {
  const out: TargetJson[] = [];
  const ratio = (id: string, min: number, what: string): void => {
    const r = images.find((j) => j.id === id)?.ratios.unicorn;
    out.push({ target: `${what} ≥ ${min.toFixed(1)}× Unicorn`, measured: ratioText(r), met: r === undefined ? null : r.median >= min });
  };
  ratio('walk-4k', 1.0, 'full 4-level walks/s (4 KiB leaves)');
  ratio('las', 1.0, 'load/add/store loop, instructions/s');
  ratio('hit-load', 0.1, 'TLB-hit loads/s');
  const k = kernels.find((j) => j.id === 'kernel-64g-2m');
  out.push({
    target: 'boot + 64 GiB hot-add with 2 MiB pages under 2 s',
    measured: k === undefined ? 'n/a' : `${(k.processMs.median / 1000).toFixed(2)} s from process start (${(k.runMs.median / 1000).toFixed(2)} s in the emulator; ` +
      `${k.warmRunMs === null ? 'n/a' : (k.warmRunMs.median / 1000).toFixed(2)} s on a third, warm run)`,
    met: k === undefined ? null : k.processMs.median < 2000,
  });
  const mem = series.find((s) => s.id === 'hotplug-memory')?.lines.find((l) => l.name.startsWith('peak RSS'));
  if (mem !== undefined && mem.points.length >= 2) {
    const a = mem.points[0], b = mem.points[mem.points.length - 1];
    const grow = b.y.median - a.y.median;
    const addedMiB = (b.x - a.x) * 1024;
    out.push({
      target: 'host memory follows what the guest touches, not its memory size',
      measured: `peak RSS ${a.y.median.toFixed(0)} MiB at ${a.x} GiB hot-added, ${b.y.median.toFixed(0)} MiB at ${b.x} GiB (+${grow.toFixed(0)} MiB for +${b.x - a.x} GiB)`,
      met: grow < addedMiB / 100,
    });
  } else {
    out.push({ target: 'host memory follows what the guest touches, not its memory size', measured: 'n/a', met: null });
  }
  const lin = (id: string, what: string, unit: string, lineName?: string): void => {
    const lines = series.find((s) => s.id === id)?.lines;
    const l = lineName === undefined ? lines?.[0] : lines?.find((x) => x.name.startsWith(lineName));
    if (l === undefined || l.fit === null) { out.push({ target: what, measured: 'n/a', met: null }); return; }
    out.push({
      target: what,
      measured: `R² ${l.fit.r2.toFixed(4)} over ${l.points.length} points${l.fitOn === 'min' ? ' (fastest run of each)' : ''}; ${l.fit.slope.toPrecision(3)} ${unit}, intercept ${l.fit.intercept.toPrecision(3)}`,
      met: l.fit.r2 >= 0.99,
    });
  };
  lin('hotplug', 'hot-add cost linear in size (R² ≥ 0.99 of the warm runs\' hot-add phase)', 'ms per GiB', 'hot-add phase');
  const hpLines = series.find((s) => s.id === 'hotplug')?.lines ?? [];
  const phase = hpLines.find((x) => x.name.startsWith('hot-add phase'));
  if (phase !== undefined && phase.points.length >= 2) {
    const m = linearFit(phase.points.map((p) => p.x), phase.points.map((p) => p.y.median));
    out[out.length - 1].measured += `; fitted to the medians: R² ${m.r2.toFixed(4)}`;
  }
  const whole = hpLines.find((x) => x.name.startsWith('tlbemu run, warm'))?.fit;
  if (whole !== undefined && whole !== null) out[out.length - 1].measured += `; whole warm run (boot + hot-add), medians: R² ${whole.r2.toFixed(4)}`;
  const hp = kernels.filter((k) => k.id.startsWith('hotplug-'));
  if (hp.length >= 2) {
    const f = linearFit(hp.map((k) => Number(/hotplug-(\d+)g/.exec(k.id)![1])), hp.map((k) => k.instructions.median));
    out[out.length - 1].measured += `; guest instructions: R² ${f.r2.toFixed(4)}, ${si(f.slope)} per GiB`;
    const cpu = hp.filter((k) => k.warmCpuMs !== null);
    if (cpu.length >= 2) {
      // shown beside the target, not instead of it: CPU time leaves out what the VM's neighbours take
      const c = linearFit(cpu.map((k) => Number(/hotplug-(\d+)g/.exec(k.id)![1])), cpu.map((k) => k.warmCpuMs!.median));
      out[out.length - 1].measured += `; warm-run CPU time: R² ${c.r2.toFixed(4)}, ${c.slope.toPrecision(3)} ms per GiB`;
    }
  }
  lin('shootdown', 'shootdown cost linear in CPUs (R² ≥ 0.99)', 'µs per CPU');
  const sd = series.find((s) => s.id === 'shootdown')?.lines[0];
  if (sd !== undefined && sd.points.length >= 2) {
    const m = linearFit(sd.points.map((p) => p.x), sd.points.map((p) => p.y.median));
    out[out.length - 1].measured += `; fitted to the medians: R² ${m.r2.toFixed(4)}`;
  }
  return out;
}

function rateCell(f: EngineFigures | undefined, skipped: string | undefined): string {
  if (f !== undefined) return `${si(f.rate.median)}/s (${si(f.rate.min)}–${si(f.rate.max)})`;
  return skipped === undefined ? 'n/a' : 'skipped';
}

function markdown(j: BenchResult, input: ReportInput): string {
  const o: string[] = [];
  const h = j.host;
  o.push(`# tlbemu benchmark results (${j.mode})`, '');
  o.push(`Generated by \`tlbemu bench${j.mode === 'quick' ? ' --quick' : ''}\` on ${j.started} in ${j.seconds.toFixed(0)} s. ` +
    `How to read these figures: [bench/README.md](${j.mode === 'quick' ? '../../README.md' : '../README.md'}).`, '');
  o.push(`- host: ${h.model}, ${h.cores} cores; load average ${h.loadBefore.map((x) => x.toFixed(2)).join(' / ')} before, ` +
    `${h.loadAfter.map((x) => x.toFixed(2)).join(' / ')} after (1 / 5 / 15 min)`);
  o.push(`- engines: tlbemu (Node ${j.versions.node}), ${j.versions.unicorn ?? 'Unicorn: not available'}, ${j.versions.qemu ?? 'QEMU: not available'}`);
  o.push(`- TSC: ${Number.isFinite(h.tscHz) ? `${(h.tscHz / 1e9).toFixed(4)} GHz` : 'unknown'} (QEMU's times are guest RDTSC deltas / this rate)`);
  o.push(`- ${j.rounds} measured rounds after a warm-up round; each cell: median (min–max) over the rounds; ratios: tlbemu ÷ peer, taken within each round, median (min–max)`);
  for (const n of j.notices) o.push(`- notice: ${n}`);
  o.push('');
  o.push('## Targets (issue 8)', '', '| target | measured | met |', '| --- | --- | --- |');
  for (const t of j.targets) o.push(`| ${t.target} | ${t.measured} | ${t.met === null ? 'n/a' : t.met ? 'yes' : '**no**'} |`);
  o.push('');
  o.push('## Guest images: the same image on every engine', '');
  o.push('| workload | unit | tlbemu | Unicorn | QEMU | tlbemu ÷ Unicorn | tlbemu ÷ QEMU | tlbemu ÷ native |');
  o.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const w of j.workloads.filter((x) => x.series === null)) {
    o.push(`| ${w.title} (\`${w.id}\`) | ${w.unit} | ${rateCell(w.engines.tlbemu, w.skipped.tlbemu)} | ${rateCell(w.engines.unicorn, w.skipped.unicorn)} | ` +
      `${rateCell(w.engines.qemu, w.skipped.qemu)} | ${ratioText(w.ratios.unicorn)} | ${ratioText(w.ratios.qemu)} | ${ratioText(w.ratios.native)} |`);
  }
  o.push('');
  o.push('Per workload (tlbemu\'s own counters in the measured repetition; why a peer was skipped):', '');
  for (const w of j.workloads.filter((x) => x.series === null)) {
    const c = w.tlbemu;
    const skips = (Object.entries(w.skipped) as [EngineName, string][]).map(([e, r]) => `${ENGINE_TITLES[e]} skipped: ${r}`);
    o.push(`- \`${w.id}\`: \`${w.params}\`${w.paging === 5 ? ' (5-level paging)' : ''}; ${si(w.ops)} ${w.unit} per repetition; ` +
      `tlbemu retired ${c.instructions === null ? 'n/a' : si(c.instructions.median)} instructions and did ${c.walks === null ? 'n/a' : si(c.walks.median)} walks` +
      `${skips.length ? `; ${skips.join('; ')}` : ''}${w.errors.length ? `; ERRORS: ${w.errors.join('; ')}` : ''}`);
  }
  o.push('');
  o.push('## Native floors of this host (bench/native/chase.c)', '');
  const nm = j.native.tlbMissNs, nh = j.native.tlbHitNs;
  o.push(`- dependent random chase, one word per 4 KiB page over 64 MiB (TLB misses): ${nm === null ? 'n/a' : `${nm.median.toFixed(1)} ns per access (${nm.min.toFixed(1)}–${nm.max.toFixed(1)})`}`);
  o.push(`- the same over 16 pages (TLB hits): ${nh === null ? 'n/a' : `${nh.median.toFixed(2)} ns per access (${nh.min.toFixed(2)}–${nh.max.toFixed(2)})`}`);
  o.push('');
  o.push('## Guest kernel (tlbemu; a fresh process per run)', '');
  o.push('Emulation: time in the run loop, first run of a fresh process (cold) and the third run in the same process (warm; ' +
    'for the hot-add series the fastest hot-add phase of runs 3 to 5); ' +
    'from start: the process\'s start to the end of the first run (Node start-up, loading, booting, running).', '');
  o.push('| run | command line | emulation, cold | emulation, warm | from start | guest insns | walks | peak RSS | guest frames | direct map (4k / 2M / 1G leaves) |');
  o.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const ms = (f: Figure | null): string => f === null ? 'n/a' : `${f.median.toFixed(0)} ms (${f.min.toFixed(0)}–${f.max.toFixed(0)})`;
  for (const k of j.kernel) {
    const dm = k.directMap;
    o.push(`| ${k.title} | \`${k.cmdline}\` | ${ms(k.runMs)} | ${ms(k.warmRunMs)} | ${ms(k.processMs)} | ${si(k.instructions.median)} | ` +
      `${k.walks === null ? 'n/a' : si(k.walks.median)} | ${k.peakRssMiB.median.toFixed(0)} MiB | ` +
      `${k.guestFrameMiB === null ? 'n/a' : `${k.guestFrameMiB.median.toFixed(1)} MiB`} | ${dm === null ? 'n/a' : `${dm['4k']} / ${dm['2m']} / ${dm['1g']}`} |`);
  }
  for (const k of j.kernel) if (k.errors.length) o.push('', `- ${k.id}: ERRORS: ${k.errors.join('; ')}`);
  o.push('');
  o.push('## Scaling series', '');
  for (const s of j.series) {
    o.push(`### ${s.title}`, '', `![${s.title}](${s.id}.svg)`, '');
    const xs = [...new Set(s.lines.flatMap((l) => l.points.map((p) => p.x)))].sort((a, b) => a - b);
    o.push(`${s.yLabel}, median (min–max):`, '');
    o.push(`| ${s.xLabel} | ${s.lines.map((l) => l.name).join(' | ')} |`);
    o.push(`| --- | ${s.lines.map(() => '---').join(' | ')} |`);
    for (const x of xs) {
      o.push(`| ${x} | ${s.lines.map((l) => {
        const p = l.points.find((q) => q.x === x);
        return p === undefined ? '' : `${num(p.y.median)} (${num(p.y.min)}–${num(p.y.max)})`;
      }).join(' | ')} |`);
    }
    for (const l of s.lines) {
      if (l.fit !== null) o.push('', `Least-squares line of ${l.name} (${l.fitOn === 'min' ? 'fastest run of each point' : 'medians'}): ${num(l.fit.intercept)} + ${l.fit.slope.toPrecision(4)} · x, R² ${l.fit.r2.toFixed(4)}.`);
    }
    o.push('');
  }
  void input;
  return o.join('\n') + '\n';
}

export function buildReport(input: ReportInput): { json: BenchResult; markdown: string; svgs: Map<string, string> } {
  const images = input.images.map((o) => imageJson(o, input.native));
  const kernels = input.kernels.map(kernelJson);
  const series = input.plan.series.map((s) => seriesJson(s, images, kernels, input.kernels)).filter((s): s is SeriesJson => s !== null);
  const json: BenchResult = {
    tool: 'tlbemu bench', mode: input.mode, started: input.started.toISOString(), seconds: input.seconds, rounds: input.rounds,
    host: input.host, versions: input.versions, notices: input.notices,
    native: { tlbMissNs: fig(input.native.miss), tlbHitNs: fig(input.native.hit) },
    workloads: images, kernel: kernels, series, targets: targets(images, kernels, series),
  };
  const svgs = new Map<string, string>();
  for (const s of series) svgs.set(`${s.id}.svg`, s.svg);
  return { json, markdown: markdown(json, input), svgs };
}
