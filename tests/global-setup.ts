// Builds the TypeScript sources to dist/ once before the suites that drive the real CLI, as `npm run
// build` does (tools/build.mjs). Type errors do not stop the build here (it still emits); `npm test`
// type-checks separately and fails on them.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['tools/build.mjs'], { encoding: 'utf8' });
  if (r.status === 1 || r.error !== undefined) throw new Error(`tests/global-setup: the build emitted nothing:\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) {
    process.stderr.write(`tests/global-setup: the build reported errors (dist/ emitted anyway):\n${r.stdout}${r.stderr}`);
  }
  // the guest kernel images, built once here rather than by several test workers at the same time
  const g = spawnSync('make', ['-C', 'guest', '-s'], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(`tests/global-setup: make -C guest failed:\n${g.stdout}${g.stderr}`);
}
