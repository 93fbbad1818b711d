// Builds a test image and runs it through the real CLI (dist/cli/main.js must be built):
//   node tests/images/run-image.mjs NAME [tlbemu run options...]
// Output passes through. The exit status is 0 when the guest succeeded — it halted every CPU with
// interrupts off (status 0) or wrote 0 to isa-debug-exit (status 1) — and tlbemu's status otherwise.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildImage, IMAGES_DIR } from './build.mjs';

const [name, ...args] = process.argv.slice(2);
if (name === undefined) {
  process.stderr.write('usage: node tests/images/run-image.mjs NAME [tlbemu run options...]\n');
  process.exit(2);
}
let elf;
try {
  elf = buildImage(name);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(2);
}
const cli = join(IMAGES_DIR, '..', '..', 'dist', 'cli', 'main.js');
const r = spawnSync(process.execPath, [cli, 'run', ...args, elf], { stdio: 'inherit' });
const status = r.status ?? 70;
const ok = status === 0 || status === 1;
process.stderr.write(`${name}: tlbemu exit status ${status}${ok ? ' (guest succeeded)' : ''}\n`);
process.exit(ok ? 0 : status);
