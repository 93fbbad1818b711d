// What one page walk costs the host, counted rather than timed: host instructions and L1 data-cache
// misses per walk of the walk-4k image, under valgrind's cachegrind. The image runs twice in a fresh
// process (image-child.js) with two pass counts; the difference of the two runs' totals, divided by
// the walks between them, leaves out start-up, compilation and the boot. Counts are the same from one
// run to the next where this VM's wall time swings by 1.8× (bench/README.md), so a change to the miss
// path can be judged in minutes (bench/README.md, "The walk, counted", has the figures). Counts depend
// on the host CPU V8 compiles for: compare counts taken on one machine.
//   node dist/bench/walk-cost.js [--passes 50,450] [--paging 4|5]
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBenchImage } from './images.js';
import { repoRoot } from './paths.js';

/** The totals cachegrind prints at exit (its summary lines on stderr). */
export interface CachegrindTotals { instructions: number; l1dMisses: number; llMisses: number }

/** Reads "I refs", "D1 misses" and "LL misses" from cachegrind's summary; null when one is missing. */
export function parseCachegrindSummary(text: string): CachegrindTotals | null {
  const num = (label: RegExp): number | null => {
    const m = label.exec(text);
    return m === null ? null : Number(m[1].replace(/,/g, ''));
  };
  const instructions = num(/I\s+refs:\s+([\d,]+)/);
  const l1dMisses = num(/D1\s+misses:\s+([\d,]+)/);
  const llMisses = num(/LL misses:\s+([\d,]+)/);
  if (instructions === null || l1dMisses === null || llMisses === null) return null;
  return { instructions, l1dMisses, llMisses };
}

/** Per-walk costs from two runs that differ by `walks` walks. */
export function perWalk(small: CachegrindTotals, large: CachegrindTotals, walks: number): CachegrindTotals {
  return {
    instructions: (large.instructions - small.instructions) / walks,
    l1dMisses: (large.l1dMisses - small.l1dMisses) / walks,
    llMisses: (large.llMisses - small.llMisses) / walks,
  };
}

const PAGES = 4096;
const REPS = 2;

function runUnderCachegrind(image: string, passes: number, paging: number): CachegrindTotals {
  const spec = {
    image, cmdline: `mode=0 leaf=4 pages=${PAGES} passes=${passes} flush=1 reps=${REPS}`, reps: REPS,
    memBytes: 256 * 1024 * 1024, cpus: 1, paging,
  };
  // one V8 thread and no incremental marking: the counts then do not depend on when a background
  // compile or a marking step happens to land
  const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=yes', '--cachegrind-out-file=/dev/null',
    process.execPath, '--single-threaded', '--no-incremental-marking', join(repoRoot(), 'dist', 'bench', 'image-child.js'),
    JSON.stringify(spec)], { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 64 << 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('valgrind not found (apt-get install -y valgrind)');
  if (r.error) throw new Error(`valgrind: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`the walk image under cachegrind exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const t = parseCachegrindSummary(r.stderr);
  if (t === null) throw new Error('no cachegrind summary in valgrind\'s output');
  return t;
}

function main(argv: string[]): number {
  let passes = [50, 450];
  let paging = 4;
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--passes' && v !== undefined && /^\d+,\d+$/.test(v)) { passes = v.split(',').map(Number); i++; }
    else if (argv[i] === '--paging' && (v === '4' || v === '5')) { paging = Number(v); i++; }
    else { process.stderr.write(`walk-cost: bad argument ${JSON.stringify(argv[i])}; usage: walk-cost [--passes A,B] [--paging 4|5]\n`); return 2; }
  }
  if (!(passes[1] > passes[0])) { process.stderr.write('walk-cost: --passes A,B needs B > A\n'); return 2; }
  try {
    const image = buildBenchImage('bench');
    const [a, b] = passes.map((p) => runUnderCachegrind(image, p, paging));
    const w = perWalk(a, b, REPS * (passes[1] - passes[0]) * PAGES);
    process.stdout.write(`walk-4k${paging === 5 ? ' (5-level)' : ''}: per walk ${w.instructions.toFixed(1)} host instructions, ` +
      `${w.l1dMisses.toFixed(2)} L1 data misses, ${w.llMisses.toFixed(3)} last-level misses (cachegrind, passes ${passes[0]} vs ${passes[1]})\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`walk-cost: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) process.exitCode = main(process.argv.slice(2));
