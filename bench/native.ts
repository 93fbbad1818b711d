// The native helper (bench/native/chase.c), built with the machine's gcc: the host's TLB-miss and
// TLB-hit floors (a dependent random chase of one word per 4 KiB page over 64 MiB and over 16 pages)
// and the rate of its time-stamp counter (to turn QEMU's guest RDTSC deltas into seconds).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

const CFLAGS = ['-O2', '-Wall', '-Werror'];

/** Path of the built helper, or throws with a one-line reason (no gcc). */
export function buildNative(): string {
  const src = join(repoRoot(), 'bench', 'native', 'chase.c');
  const key = createHash('sha256').update(readFileSync(src)).update(CFLAGS.join(' ')).digest('hex').slice(0, 20);
  const dir = join(process.env.TLBEMU_BENCH_CACHE || join(tmpdir(), 'tlbemu-bench'), key);
  const exe = join(dir, 'chase');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}`;
  const r = spawnSync('gcc', [...CFLAGS, '-o', tmp, src], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new Error(`gcc is not installed (apt-get install -y gcc): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`gcc failed on ${src}: ${r.stderr.trim().split('\n')[0]}`);
  renameSync(tmp, exe);
  return exe;
}

function runHelper(exe: string, args: string[], key: string): number {
  const r = spawnSync(exe, args, { encoding: 'utf8', timeout: 300_000 });
  if (r.error || r.status !== 0) throw new Error(`${exe} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  const m = new RegExp(`^${key} ([0-9.]+)$`, 'm').exec(r.stdout);
  if (m === null) throw new Error(`${exe} ${args.join(' ')}: no ${key} in its output`);
  return Number(m[1]);
}

/** Nanoseconds per access of the dependent chase over `pages` 4 KiB pages. */
export function chaseNs(exe: string, pages: number, accesses: number): number {
  return runHelper(exe, ['chase', String(pages), String(accesses)], 'ns_per_access');
}

/** Ticks of the TSC per second, measured over `ms` milliseconds. */
export function tscHz(exe: string, ms: number): number {
  return runHelper(exe, ['tsc', String(ms)], 'tsc_hz');
}
