// Smoke test of `tlbemu bench --quick`: it runs and writes well-formed JSON, Markdown and SVG. Nothing
// here asserts a speed (speed is measured in bench/, never asserted in tests).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliResult, runCli } from '../helpers/cli.js';

/** Tags of an SVG document open and close in order (a small well-formedness check). */
function tagsBalanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self === '/') continue;
    if (close === '/') {
      if (stack.pop() !== name) return false;
    } else {
      stack.push(name);
    }
  }
  return stack.length === 0;
}

describe('tlbemu bench --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'tlbemu-bench-test-'));
  let run: CliResult;
  beforeAll(() => {
    run = runCli(['bench', '--quick', '--out', out], { timeoutMs: 400_000 });
  }, 420_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('exits 0 and reports where it wrote', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/bench: wrote .*results\.json/);
  });

  it('writes results.json with figures for every workload on tlbemu and a reason for every peer skipped', () => {
    const j = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(j.tool).toBe('tlbemu bench');
    expect(j.mode).toBe('quick');
    expect(j.rounds).toBe(3);
    const ids = j.workloads.map((w: { id: string }) => w.id);
    for (const id of ['walk-4k', 'walk-4k-5level', 'walk-2m', 'walk-1g', 'hit-load', 'hit-store', 'alu', 'las', 'shootdown-1']) {
      expect(ids).toContain(id);
    }
    for (const w of j.workloads) {
      expect(w.errors, w.id).toEqual([]);
      const t = w.engines.tlbemu;
      expect(t.rate.samples).toHaveLength(3);
      expect(t.rate.median).toBeGreaterThan(0);
      expect(t.rate.min).toBeLessThanOrEqual(t.rate.median);
      expect(t.rate.max).toBeGreaterThanOrEqual(t.rate.median);
      for (const peer of ['unicorn', 'qemu']) {
        // each peer either ran (and then has a ratio taken round by round) or says why not
        if (w.engines[peer] !== undefined) {
          expect(w.ratios[peer].samples.length, `${w.id} ${peer}`).toBe(3);
        } else {
          expect(typeof w.skipped[peer], `${w.id} ${peer}`).toBe('string');
        }
      }
    }
    // the walk image walks once per touched page (and once per pass for its code page)
    const walk = j.workloads.find((w: { id: string }) => w.id === 'walk-4k');
    expect(walk.tlbemu.walks.median).toBeGreaterThanOrEqual(walk.ops);
    expect(walk.tlbemu.walks.median).toBeLessThan(walk.ops * 1.01);
    // every kernel run passed its own self-checks
    expect(j.kernel.length).toBeGreaterThan(0);
    for (const k of j.kernel) {
      expect(k.errors, k.id).toEqual([]);
      expect(k.instructions.median).toBeGreaterThan(0);
      // the hot-add phase (between the guest's workload lines) was found and lies inside the warm run
      if (k.id.startsWith('hotplug-')) {
        expect(k.warmHotAddMs, k.id).not.toBeNull();
        expect(k.warmHotAddMs.min, k.id).toBeGreaterThan(0);
        expect(k.warmHotAddMs.max, k.id).toBeLessThan(k.warmRunMs.max);
      }
    }
    const hotplug = j.series.find((s: { id: string }) => s.id === 'hotplug');
    expect(hotplug.lines[0].name).toMatch(/^hot-add phase/);
    expect(hotplug.lines[0].fitOn).toBe('min');
    expect(j.targets).toHaveLength(7);
    expect(j.series.map((s: { id: string }) => s.id).sort()).toEqual(['hotplug', 'hotplug-memory', 'shootdown', 'tlb-capacity']);
  });

  it('writes results.md with the targets and the workload table', () => {
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/^# tlbemu benchmark results \(quick\)/);
    expect(md).toContain('| target | measured | met |');
    expect(md).toMatch(/\| page walks, 4 KiB leaves, 4-level \(`walk-4k`\) \| walks \| [0-9.]+ [kMG]?\/s/);
    expect(md).toContain('![All-CPU TLB shootdown by IPI, tlbemu](shootdown.svg)');
  });

  it('writes one well-formed SVG line plot per series', () => {
    const svgs = readdirSync(out).filter((f) => f.endsWith('.svg')).sort();
    expect(svgs).toEqual(['hotplug-memory.svg', 'hotplug.svg', 'shootdown.svg', 'tlb-capacity.svg']);
    for (const f of svgs) {
      const svg = readFileSync(join(out, f), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), f).toBe(true);
      expect(tagsBalanced(svg), f).toBe(true);
      expect(svg).toMatch(/<polyline points="[0-9., -]+"/);
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    }
  });
});

describe('tlbemu bench arguments', () => {
  it('rejects an unknown option with a usage error', () => {
    const r = runCli(['bench', '--fast']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/tlbemu: error: bench: unknown option --fast/);
  });

  it('prints its help', () => {
    const r = runCli(['bench', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: tlbemu bench/);
  });
});
