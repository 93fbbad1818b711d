// Builds the benchmark images (bench/images/*.s + boot/pvh/pvh-entry.S, linked by bench/images/bench.ld)
// with GNU as and ld into a cache directory keyed by a hash of every input, as tests/images does.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

const AS_ARGS = ['--64'];
const LD_ARGS = ['-m', 'elf_x86_64', '-nostdlib', '-static', '-z', 'max-page-size=4096', '--no-warn-rwx-segments'];

function tool(name: string, args: string[], what: string): void {
  const r = spawnSync(name, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`building bench image ${what}: '${name}' not found on PATH (apt-get install binutils)`);
  }
  if (r.error) throw new Error(`building bench image ${what}: ${name}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`building bench image ${what}: ${name} failed:\n${r.stderr}${r.stdout}`);
}

/** Path of bench/images/NAME.elf's build (NAME.s with the PVH entry), building it when missing. */
export function buildBenchImage(name: string): string {
  const root = repoRoot();
  const dir = join(root, 'bench', 'images');
  const src = join(dir, `${name}.s`);
  const pvh = join(root, 'boot', 'pvh', 'pvh-entry.S');
  const script = join(dir, 'bench.ld');
  for (const f of [src, pvh, script]) if (!existsSync(f)) throw new Error(`bench image ${name}: ${f} not found`);
  const h = createHash('sha256');
  for (const f of [src, pvh, script]) h.update(f).update(readFileSync(f));
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.inc')).sort()) h.update(f).update(readFileSync(join(dir, f)));
  h.update(AS_ARGS.join(' ')).update(LD_ARGS.join(' '));
  const cache = join(process.env.TLBEMU_BENCH_CACHE || join(tmpdir(), 'tlbemu-bench'), h.digest('hex').slice(0, 20));
  const elf = join(cache, `${name}.elf`);
  if (existsSync(elf)) return elf;
  mkdirSync(cache, { recursive: true });
  const tmp = join(cache, `${name}.${process.pid}.${Date.now()}`);
  tool('as', [...AS_ARGS, '-I', dir, '-o', `${tmp}.o`, src], name);
  tool('as', [...AS_ARGS, '-o', `${tmp}.pvh.o`, pvh], name);
  tool('ld', [...LD_ARGS, '-T', script, '-o', `${tmp}.elf`, `${tmp}.o`, `${tmp}.pvh.o`], name);
  renameSync(`${tmp}.elf`, elf);
  return elf;
}
