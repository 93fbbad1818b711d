// The benchmark's workloads: guest images run on every engine that can run them (the same image and
// command line on each), guest-kernel runs on tlbemu, and the points of the scaling series.
import type { KernelChildSpec } from './kernel-child.js';

const MiB = 2 ** 20, GiB = 2 ** 30;

export type EngineName = 'tlbemu' | 'unicorn' | 'qemu';
export const ENGINE_TITLES: Record<EngineName, string> = { tlbemu: 'tlbemu', unicorn: 'Unicorn', qemu: 'QEMU' };

export interface ImageWorkload {
  kind: 'image';
  id: string;
  title: string;
  image: 'bench' | 'shootdown';
  /** The image's parameters (reps= is added by the runner). */
  params: string;
  cpus: number;
  paging: 4 | 5;
  memBytes: number;
  tlb?: { entries: number; ways: number };
  /** What one operation is: "walks", "loads", "stores", "insns", "shootdowns", "accesses". */
  unit: string;
  /** Operations per repetition; null: the guest instructions tlbemu counts in the region. */
  ops: number | null;
  /** Why an engine cannot run this workload (absent: it runs). */
  skip: Partial<Record<EngineName, string>>;
  /** The native floor this workload is compared with. */
  native?: 'miss' | 'hit';
  /** A point of a scaling series: x, and the name of tlbemu's line (peers are named after themselves). */
  series?: { id: string; x: number; line: string };
}

export interface KernelWorkload {
  kind: 'kernel';
  id: string;
  title: string;
  spec: KernelChildSpec;
  /** What the guest kernel's direct map must use for the run to count (its own summary says). */
  expectPages: '4k' | '2m';
  series?: { id: string; x: number };
}

export interface SeriesInfo {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog2: boolean;
  /** Draw a least-squares line (the claim is linearity). */
  fit: boolean;
  /** How a point's y comes from its measurement. */
  y: 'ms' | 'us-per-op' | 'ns-per-op' | 'peak-rss-mib';
  note: string;
}

const NOT_IDENTITY = 'not identity-mapped (Unicorn 2.0.1 accesses memory at physical = virtual after its walk)';

function hotplugSpec(sizeGiB: number, extra: string): KernelChildSpec {
  return {
    variant: 'upstream', cpus: 2, memBytes: GiB, pmem: [{ base: 8 * GiB, size: sizeGiB * GiB }],
    cmdline: `pmem=${sizeGiB}G@8G hotplug=add ${extra}`, model: false, warm: true,
  };
}

export interface Plan {
  images: ImageWorkload[];
  kernels: KernelWorkload[];
  series: SeriesInfo[];
  /** Accesses of the native chase per round (64 MiB and 16 pages). */
  nativeAccesses: { miss: number; hit: number };
}

export function plan(quick: boolean): Plan {
  const passes = quick ? 4 : 200;
  const walkOps = 4096 * passes;
  const hitIters = quick ? 20_000 : 1_000_000;
  const base = { kind: 'image' as const, image: 'bench' as const, cpus: 1, paging: 4 as const, memBytes: 256 * MiB };
  const images: ImageWorkload[] = [
    {
      ...base, id: 'walk-4k', title: 'page walks, 4 KiB leaves, 4-level', params: `mode=0 leaf=4 pages=4096 passes=${passes} flush=1`,
      unit: 'walks', ops: walkOps, skip: {}, native: 'miss',
    },
    {
      ...base, id: 'walk-4k-5level', title: 'page walks, 4 KiB leaves, 5-level', paging: 5,
      params: `mode=0 leaf=4 pages=4096 passes=${passes} flush=1`, unit: 'walks', ops: walkOps,
      skip: { unicorn: 'no 5-level paging in Unicorn 2.0.1', qemu: 'the PVH entry enters with 4-level paging' }, native: 'miss',
    },
    {
      ...base, id: 'walk-2m', title: 'page walks, 2 MiB leaves, 4-level', params: `mode=0 leaf=2 pages=4096 passes=${passes} flush=1`,
      unit: 'walks', ops: walkOps, skip: { unicorn: NOT_IDENTITY },
    },
    {
      ...base, id: 'walk-1g', title: 'page walks, 1 GiB leaves, 4-level', params: `mode=0 leaf=1 pages=4096 passes=${passes} flush=1`,
      unit: 'walks', ops: walkOps, skip: { unicorn: `${NOT_IDENTITY}; no 1 GiB pages in its CPU model` },
    },
    {
      ...base, id: 'hit-load', title: 'TLB hits, 8 loads to 8 pages', params: `mode=1 iters=${hitIters}`,
      unit: 'loads', ops: 8 * hitIters, skip: {}, native: 'hit',
    },
    {
      ...base, id: 'hit-store', title: 'TLB hits, 8 stores to 8 pages', params: `mode=1 store=1 iters=${hitIters}`,
      unit: 'stores', ops: 8 * hitIters, skip: {},
    },
    {
      ...base, id: 'alu', title: 'ALU/branch loop, no memory', params: `mode=2 iters=${quick ? 100_000 : 2_000_000}`,
      unit: 'insns', ops: null, skip: {},
    },
    {
      ...base, id: 'las', title: 'load/add/store loop', params: `mode=3 iters=${quick ? 40 : 2000}`,
      unit: 'insns', ops: null, skip: {},
    },
  ];
  // TLB capacity: a working set of P pages touched round robin (no flush), the same number of
  // accesses at every P; tlbemu unbounded and with bounded TLBs, the peers with their own TLBs
  const accesses = quick ? 16_384 : 262_144;
  const capPages = quick ? [16, 4096] : [16, 256, 1024, 4096, 16384];
  const capTlbs: { line: string; tlb?: { entries: number; ways: number } }[] = [
    { line: 'tlbemu (unbounded TLB)' },
    { line: 'tlbemu --tlb-entries 1536 --tlb-ways 12', tlb: { entries: 1536, ways: 12 } },
    { line: 'tlbemu --tlb-entries 64 --tlb-ways 4', tlb: { entries: 64, ways: 4 } },
  ];
  capPages.forEach((pages, k) => {
    capTlbs.forEach((c, j) => {
      images.push({
        ...base, id: `tlb-capacity-${pages}${c.tlb ? `-tlb${c.tlb.entries}` : ''}`, title: `TLB capacity: ${pages} pages, ${c.line}`,
        params: `mode=0 leaf=4 pages=${pages} passes=${accesses / pages} flush=0`, unit: 'accesses', ops: accesses,
        tlb: c.tlb,
        // the peers once per working set, beside the unbounded tlbemu
        skip: j === 0 ? {} : { unicorn: 'shown once per working set', qemu: 'shown once per working set' },
        series: { id: 'tlb-capacity', x: pages, line: c.line },
      });
      void k;
    });
  });
  // flush_tlb_all-style shootdowns by IPI, 1 -> 64 CPUs (tlbemu only)
  const shootN = quick ? 200 : 2000;
  for (const cpus of quick ? [1, 4, 16] : [1, 2, 4, 8, 16, 32, 64]) {
    images.push({
      ...base, image: 'shootdown', id: `shootdown-${cpus}`, title: `all-CPU shootdowns by IPI, ${cpus} CPUs`, cpus,
      params: `n=${shootN}`, unit: 'shootdowns', ops: shootN,
      skip: { unicorn: 'no APIC, one CPU', qemu: 'the PVH entry starts one CPU' },
      series: { id: 'shootdown', x: cpus, line: 'tlbemu' },
    });
  }
  // the quick run keeps the series (small sizes) and leaves the long single runs out
  const kernels: KernelWorkload[] = quick ? [] : [
    { kind: 'kernel', id: 'kernel-64g-2m', title: 'guest kernel: boot + hot-add 64 GiB, 2 MiB pages (tlbemu run)', spec: hotplugSpec(64, 'nogbpages'), expectPages: '2m' },
    {
      kind: 'kernel', id: 'kernel-64g-2m-model', title: 'guest kernel: boot + hot-add 64 GiB, 2 MiB pages (tlbemu boot, kernel model)',
      spec: { ...hotplugSpec(64, 'nogbpages'), model: true }, expectPages: '2m',
    },
    {
      // RAM 256 MiB: debug_pagealloc maps the boot RAM with 4 KiB pages too
      kind: 'kernel', id: 'kernel-4g-4k', title: 'guest kernel: boot + hot-add 4 GiB, 4 KiB pages',
      spec: { ...hotplugSpec(4, 'debug_pagealloc=on'), memBytes: 256 * MiB, warm: false }, expectPages: '4k',
    },
  ];
  for (const size of quick ? [1, 2, 4] : [1, 2, 4, 8, 16, 32, 64, 128, 256]) {
    kernels.push({
      kind: 'kernel', id: `hotplug-${size}g`, title: `guest kernel: boot + hot-add ${size} GiB, 2 MiB pages`,
      spec: { ...hotplugSpec(size, 'nogbpages'), warmRuns: 3 }, expectPages: '2m', series: { id: 'hotplug', x: size },
    });
  }
  const series: SeriesInfo[] = [
    {
      id: 'hotplug', title: 'Memory hot-add (2 MiB pages), tlbemu', xLabel: 'hot-added persistent memory (GiB)',
      yLabel: 'emulation time (ms)', xLog2: false, fit: true, y: 'ms',
      note: 'guest kernel on 2 CPUs; hot-add phase = the guest workload without its boot; cold = first run of a fresh process, warm = fastest of runs 3-5; bars = min-max',
    },
    {
      id: 'hotplug-memory', title: 'Host memory vs hot-added guest memory, tlbemu', xLabel: 'hot-added persistent memory (GiB)',
      yLabel: 'MiB', xLog2: false, fit: false, y: 'peak-rss-mib',
      note: 'peak RSS of the emulator process, and the guest frames it allocated',
    },
    {
      id: 'shootdown', title: 'All-CPU TLB shootdown by IPI, tlbemu', xLabel: 'CPUs', yLabel: 'µs per shootdown',
      xLog2: false, fit: true, y: 'us-per-op', note: 'CPU 0 remaps a page, IPIs all others, waits for every acknowledgement',
    },
    {
      id: 'tlb-capacity', title: 'TLB capacity: cost per access vs working set', xLabel: 'pages touched round robin',
      yLabel: 'ns per access', xLog2: true, fit: false, y: 'ns-per-op',
      note: 'one byte per 4 KiB page, no flush; TLB misses once the working set outgrows the TLB',
    },
  ];
  return {
    images, kernels, series,
    nativeAccesses: quick ? { miss: 200_000, hit: 10_000_000 } : { miss: 2_000_000, hit: 100_000_000 },
  };
}
