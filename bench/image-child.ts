// One tlbemu run of a benchmark image in a process of its own (a user's `tlbemu run`): V8 then
// optimises the emulator for this workload alone, as it would for the user, instead of for the mix of
// every workload the runner ran before it. Prints the ImageResult as one JSON line, or exits 3 with the
// engine's one-line failure on stderr.
//   node dist/bench/image-child.js '{"image":"...","cmdline":"... reps=2","reps":2,"memBytes":...,"cpus":1,"paging":4}'
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOnTlbemu } from './engines/tlbemu.js';
import { EngineFailed, ImageSpec } from './engines/types.js';

/** Exit status of a run the engine reported as failed (anything else is a crash of the child). */
export const IMAGE_CHILD_FAILED = 3;

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  // --check: the modules load (the runner checks its copy of dist/ with it)
  if (process.argv[2] === '--check') process.exit(0);
  const spec = JSON.parse(process.argv[2] ?? '{}') as ImageSpec;
  try {
    process.stdout.write(`${JSON.stringify(runOnTlbemu(spec))}\n`);
  } catch (e) {
    if (!(e instanceof EngineFailed)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(IMAGE_CHILD_FAILED);
  }
}
