// `tlbemu run IMAGE --lockstep unicorn` through the real CLI.
import { describe, expect, it } from 'vitest';
import { buildImage } from '../helpers/build-image.js';
import { runCli } from '../helpers/cli.js';

describe('tlbemu run --lockstep unicorn', () => {
  it('runs a test image in lockstep with Unicorn to its debug-exit without a divergence', () => {
    const r = runCli(['run', '--lockstep', 'unicorn', buildImage('arith')], { timeoutMs: 120_000 });
    expect(r.stdout).toContain('ALL PASS');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^lockstep with Unicorn: no divergence in \d+ instructions \(\d+ comparisons, stopped: machine-stop\)$/m);
    expect(r.stderr).toMatch(/masked \(known, documented differences\):/);
  });

  it('compares every N instructions with --lockstep-every', () => {
    const r = runCli(['run', '--lockstep', 'unicorn', '--lockstep-every', '16', buildImage('arith')], { timeoutMs: 120_000 });
    expect(r.status).toBe(1);
    const m = /no divergence in (\d+) instructions \((\d+) comparisons/.exec(r.stderr);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeLessThan(Number(m![1]));
  });

  it('rejects an unknown engine and more than one CPU with a usage error', () => {
    const a = runCli(['run', '--lockstep', 'bochs', buildImage('arith')]);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/^tlbemu: error: --lockstep "bochs": the only reference engine is unicorn/);
    const b = runCli(['run', '--lockstep', 'unicorn', '--cpus', '2', buildImage('arith')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--cpus 1/);
  });
});
