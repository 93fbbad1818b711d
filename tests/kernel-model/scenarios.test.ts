// End-to-end: every scenario booted through the real CLI (`tlbemu boot NAME`) on its CPU counts,
// seeds and paging depths, with assertions on the report itself.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { SCENARIOS, findScenario } from '../../kernel-model/scenarios/index.js';
import type { BootReport } from '../../cli/commands/boot.js';

const dir = mkdtempSync(join(tmpdir(), 'tlbemu-scn-'));
let n = 0;
function boot(args: string[]): { status: number; stdout: string; report: BootReport } {
  const json = join(dir, `r${n++}.json`);
  const r = runCli(['boot', ...args, '--json', json], { timeoutMs: 240_000 });
  let report: BootReport;
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as BootReport;
  } catch {
    throw new Error(`tlbemu boot ${args.join(' ')} wrote no report (status ${r.status}): ${r.stderr}`);
  }
  return { status: r.status, stdout: r.stdout, report };
}

const SEED_CHAIN = ['phys_pud_init', 'kernel_physical_mapping_init', 'init_memory_mapping', 'arch_add_memory',
  'devm_memremap_pages', 'pmem_attach_disk'];

describe('every scenario matches its expectation on each CPU count and seed of its matrix', () => {
  for (const s of SCENARIOS) {
    for (const m of s.matrix) {
      const args = [s.name, '--cpus', String(m.cpus), '--seed', String(m.seed), ...(m.paging ? ['--paging', String(m.paging)] : [])];
      it(`${s.name} on ${m.cpus} CPU(s), seed ${m.seed}${m.paging ? `, ${m.paging}-level` : ''}`, () => {
        const r = boot(args);
        expect(r.report.outcome?.differences ?? ['no outcome'], r.stdout.slice(-3000)).toEqual([]);
        expect(r.status).toBe(0);
      }, 240_000);
    }
  }
});

describe('the reports themselves', () => {
  it('hotplug-4.19 reads like the seed: file, line, function, exact call chain, kernel format', () => {
    const r = boot(['hotplug-4.19']);
    expect(r.report.warnings).toHaveLength(1);
    const w = r.report.warnings[0];
    expect(w.file).toBe('./arch/x86/include/asm/tlbflush.h');
    expect(w.line).toBe(460);
    expect(w.function).toBe('__flush_tlb_all');
    expect(w.pid).toBe(911);
    expect(w.comm).toBe('ndctl');
    expect(w.callChain.slice(0, SEED_CHAIN.length)).toEqual(SEED_CHAIN);
    const out = r.stdout;
    expect(out).toMatch(/------------\[ cut here \]------------\nWARNING: CPU: 0 PID: 911 at \.\/arch\/x86\/include\/asm\/tlbflush\.h:460 __flush_tlb_all\+0x[0-9a-f]+\/0x[0-9a-f]+\n/);
    expect(out).toMatch(/\nCPU: 0 PID: 911 Comm: ndctl Not tainted 4\.19\.0-tlbemu #1\n/);
    expect(out).toMatch(/\nRIP: 0010:__flush_tlb_all\+0x[0-9a-f]+\/0x[0-9a-f]+\nCode: ([0-9a-f]{2} ){42}<0f> 0b /);
    expect(out).toMatch(/\nRSP: 0018:[0-9a-f]{16} EFLAGS: [0-9a-f]{8}\nRAX: [0-9a-f]{16} RBX: [0-9a-f]{16} RCX: [0-9a-f]{16}\n/);
    expect(out).toMatch(/\nCall Trace:\n phys_pud_init\+0x[0-9a-f]+\/0x[0-9a-f]+\n kernel_physical_mapping_init\+0x[0-9a-f]+\/0x[0-9a-f]+\n init_memory_mapping\+0x[0-9a-f]+\/0x[0-9a-f]+\n arch_add_memory\+0x[0-9a-f]+\/0x[0-9a-f]+\n devm_memremap_pages\+0x[0-9a-f]+\/0x[0-9a-f]+\n pmem_attach_disk\+0x[0-9a-f]+\/0x[0-9a-f]+ \[nd_pmem\]\n/);
    expect(out).toMatch(/\n---\[ end trace [0-9a-f]{16} \]---\n/);
    // the flush trap names the preemptible local flushes independently of the guest's check
    expect(r.report.flushes.preemptibleDiagnostics.length).toBeGreaterThan(0);
    expect(r.report.flushes.preemptibleDiagnostics[0]).toMatch(/while preemptible on CPU 0 at __flush_tlb_all\+.* called from phys_pud_init\+/);
    // and the oracle shows those flushes never removed a stale entry
    const pud = r.report.oracle!.flushSites.filter((l) => l.startsWith('phys_pud_init+'));
    expect(pud.length).toBeGreaterThan(0);
    for (const l of pud) expect(l).toMatch(/ 0 stale \(this flush never removed a stale entry\)$/);
  }, 240_000);

  it('v2 and upstream never warn and build the same page tables as 4.19', () => {
    const base = boot(['hotplug-4.19', '--ptdump']).report;
    for (const name of ['hotplug-v2', 'hotplug-upstream']) {
      const r = boot([name, '--ptdump']).report;
      expect(r.warnings).toEqual([]);
      expect(r.flushes.preemptibleDiagnostics).toEqual([]);
      expect(r.ptdump).not.toBeNull();
      expect(r.ptdump).toBe(base.ptdump);
      expect(findScenario(name)!.expect.ptdumpSameAs).toBe('hotplug-4.19');
    }
    expect(base.ptdump).toMatch(/---\[ Low Kernel Mapping \]---/);
    expect(base.ptdump).toMatch(/0xffff888200000000-0xffff888300000000 +4G +RW +PSE +GLB NX pud/);
  }, 240_000);

  it('v1 warns on an identical rewrite (false positive) where v2 does not', () => {
    const v1 = boot(['hotplug-v1']).report;
    expect(v1.warnings.length).toBeGreaterThan(0);
    expect(v1.warnings[0].file).toBe('arch/x86/mm/init_64.c');
    const v2 = boot(['hotplug-v1', '--variant', 'v2']).report;
    expect(v2.warnings).toEqual([]);
  }, 240_000);

  it('the teardown flush is not optional: without it the oracle names a stale use on another CPU and the writer', () => {
    const ok = boot(['hotremove']).report;
    expect(ok.oracle!.staleUsesTotal).toBe(0);
    // flush_tlb_all reached every CPU
    // flush_tlb_all() = on_each_cpu(do_flush_tlb_all): the local call and the IPI handler on the others
    const cpusFlushedFromTeardown = new Set(ok.flushes.sites
      .filter((s) => s.path[0] === '__flush_tlb_all' && (s.path.includes('on_each_cpu') || s.path.includes('generic_smp_call_function_single_interrupt')))
      .flatMap((s) => s.cpus));
    expect(cpusFlushedFromTeardown.size).toBe(4);
    const bad = boot(['hotremove-noflush']).report;
    const uses = bad.oracle!.staleUses;
    expect(uses.length).toBeGreaterThan(0);
    const u = uses.find((x) => x.culprit !== null && x.culprit.cpu !== x.cpu)!;
    expect(u).toBeDefined();
    expect(u.kinds).toContain('presence');
    expect(u.currentPhys).toBe('not present');
    expect(u.culprit!.rip).toMatch(/^remove_(pte|pmd|pud)_table\+/);
    expect(u.culprit!.stack.join(' ')).toMatch(/arch_remove_memory/);
    expect(bad.exit.status).toBe(7); // the guest's own probes saw it too
  }, 240_000);

  it('the same scenario and seed give byte-identical output', () => {
    const a = runCli(['boot', 'hotremove', '--seed', '4'], { timeoutMs: 240_000 });
    const b = runCli(['boot', 'hotremove', '--seed', '4'], { timeoutMs: 240_000 });
    expect(a.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  }, 240_000);

  it('ptdiff shows a structural diff: none between 4.19 and v2, the split range after a change', () => {
    const same = runCli(['ptdiff', 'hotplug-4.19', 'hotplug-v2'], { timeoutMs: 240_000 });
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/^identical kernel page tables/);
    const diff = runCli(['ptdiff', 'hotplug-v2', 'change-noflush', '--cpus', '2'], { timeoutMs: 240_000 });
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain('-0xffff888200000000-0xffff888300000000           4G     RW         PSE     GLB NX pud');
    expect(diff.stdout).toMatch(/^\+0xffff888200200000-0xffff888200400000 +2M +RW +GLB NX pte$/m);
  }, 240_000);

  it('a BUG stops the run with a kernel-format report and the crash status', () => {
    const r = boot(['v2', '--cmdline', 'bug']);
    expect(r.status).toBe(6);
    expect(r.report.warnings).toHaveLength(1);
    expect(r.report.warnings[0].kind).toBe('BUG');
    expect(r.report.exit.reason).toBe('stopped');
    expect(r.stdout).toMatch(/------------\[ cut here \]------------\nkernel BUG at tlbemu\/workload\.c:\d+!\ninvalid opcode: 0000 \[#1\] SMP\n/);
    expect(r.stdout).toMatch(/\nRIP: 0010:tlbemu_workload\+0x[0-9a-f]+\/0x[0-9a-f]+\n/);
  }, 240_000);

  it('lists the scenarios and rejects unknown ones with a usage error', () => {
    const l = runCli(['scenarios']);
    expect(l.status).toBe(0);
    for (const s of SCENARIOS) expect(l.stdout).toContain(s.name);
    const bad = runCli(['boot', 'no-such-scenario']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tlbemu: error: boot: no scenario or file named "no-such-scenario"/);
  });
});
