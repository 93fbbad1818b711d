// Runs the real `tlbemu` command (dist/cli/main.js, built by tests/global-setup.ts) in a child process.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { timeoutMs?: number; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, input: opts.input, maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status === null) throw new Error(`tlbemu ${args.join(' ')} was killed by ${r.signal}\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
