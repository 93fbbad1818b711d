// Builds the TypeScript sources to dist/ once before the suites that drive the real CLI. Type errors
// do not stop the build here (tsc still emits); `npm test` type-checks separately and fails on them.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`tests/global-setup: tsc reported errors (dist/ emitted anyway):\n${r.stdout}${r.stderr}`);
  }
  // the guest kernel images, built once here rather than by several test workers at the same time
  const g = spawnSync('make', ['-C', 'guest', '-s'], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(`tests/global-setup: make -C guest failed:\n${g.stdout}${g.stderr}`);
}
