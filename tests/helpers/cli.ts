// Runs the real `tlbemu` command (dist/cli/main.js, built by tests/global-setup.ts) in a child process.
// The tests run a snapshot of dist/ taken once per worker and checked to load, so that a build started
// meanwhile (another `tsc -p .` rewriting dist/) cannot hand them half-written modules.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let snapshot: string | null = null;

/** Path of main.js in a snapshot of dist/ (with package.json beside it, for --version). */
function cliPath(): string {
  if (snapshot !== null) return snapshot;
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    // inside the repository (under node_modules/.cache) so that the snapshot resolves npm packages
    const base = join(REPO_ROOT, 'node_modules', '.cache', 'tlbemu-test-dist');
    mkdirSync(base, { recursive: true });
    const dir = mkdtempSync(join(base, 'd-'));
    cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
    const main = join(dir, 'dist', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8' });
    if (r.status === 0) return (snapshot = main);
    last = r.stderr;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); // let the build finish
  }
  throw new Error(`dist/ does not load (is a build running?):\n${last}`);
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { timeoutMs?: number; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [cliPath(), ...args], {
    encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, input: opts.input, maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status === null) throw new Error(`tlbemu ${args.join(' ')} was killed by ${r.signal}\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
