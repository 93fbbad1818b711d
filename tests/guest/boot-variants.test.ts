// Issue "guest kernel" acceptance, booted in tlbemu: every variant boots on 1 and 4 CPUs, plugs and
// unplugs 1, 4 and 64 GiB of persistent memory, and all four build the same page tables for the same
// workload (compared with the host's ptdump of init_top_pgt after the hot-add).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { VARIANTS } from '../../kernel-model/scenario.js';
import type { BootReport } from '../../cli/commands/boot.js';

const dir = mkdtempSync(join(tmpdir(), 'tlbemu-variants-'));
let n = 0;
function boot(variant: string, cpus: number, pmem: string, cmdline: string): { status: number; stdout: string; report: BootReport } {
  const json = join(dir, `r${n++}.json`);
  const r = runCli(['boot', variant, '--cpus', String(cpus), '--pmem', pmem, '--cmdline', cmdline, '--check', 'none',
    '--ptdump', '--json', json], { timeoutMs: 240_000 });
  return { status: r.status, stdout: r.stdout, report: JSON.parse(readFileSync(json, 'utf8')) as BootReport };
}

const SIZES = [{ pmem: '1G@8G', gib: 1 }, { pmem: '4G@8G', gib: 4 }, { pmem: '64G@64G', gib: 64 }];

describe('all four variants, 1 and 4 CPUs, 1/4/64 GiB', () => {
  for (const size of SIZES) {
    for (const cpus of [1, 4]) {
      it(`plug and unplug ${size.gib} GiB on ${cpus} CPU(s): every variant passes its self-checks`, () => {
        for (const v of VARIANTS) {
          const r = boot(v, cpus, size.pmem, `pmem=${size.pmem} hotplug=add,remove`);
          expect(r.report.exit.reason, `${v}: ${r.report.exit.message}`).toBe('debug-exit');
          expect(r.status, v).toBe(1); // debug-exit 0: the guest's checks passed
          expect(r.stdout).toMatch(new RegExp(`mapped at ffff88[0-9a-f]+ \\(${size.gib * 1024} MiB\\)`));
          expect(r.stdout).toMatch(/pmem0: released \[mem /);
          expect(r.stdout).toMatch(/tlbemu: direct map digest [0-9a-f]{16}/);
        }
      }, 600_000);
    }
    it(`the same ${size.gib} GiB hot-add gives identical kernel page tables in every variant`, () => {
      const dumps = VARIANTS.map((v) => boot(v, 2, size.pmem, `pmem=${size.pmem} hotplug=add`).report.ptdump);
      expect(dumps[0]).not.toBeNull();
      expect(dumps[0]).toMatch(/---\[ Low Kernel Mapping \]---/);
      for (const d of dumps.slice(1)) expect(d).toBe(dumps[0]);
    }, 600_000);
  }
});
