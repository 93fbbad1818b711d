// Where the benchmark's sources and outputs live, whether it runs from the TypeScript sources (tests)
// or from the build (dist/bench).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = join('bench', 'images', 'bench.s');

/** The repository root: $TLBEMU_ROOT, the first ancestor of this module holding bench/images/bench.s
 *  (the sources or dist/bench), or the working directory (a copy of dist/ run from the repository). */
export function repoRoot(): string {
  const env = process.env.TLBEMU_ROOT;
  if (env !== undefined && env !== '' && existsSync(join(env, MARKER))) return env;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    if (existsSync(join(dir, MARKER))) return dir;
    dir = resolve(dir, '..');
  }
  if (existsSync(join(process.cwd(), MARKER))) return process.cwd();
  throw new Error('cannot find the tlbemu sources (bench/images/bench.s): run from the repository or set TLBEMU_ROOT');
}

export const benchDir = (): string => join(repoRoot(), 'bench');
