// Where the benchmark's sources and outputs live, whether it runs from the TypeScript sources (tests)
// or from the build (dist/bench).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first ancestor of this file holding bench/images/bench.s. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    if (existsSync(join(dir, 'bench', 'images', 'bench.s'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('cannot find the tlbemu sources (bench/images/bench.s) above the benchmark module');
}

export const benchDir = (): string => join(repoRoot(), 'bench');
