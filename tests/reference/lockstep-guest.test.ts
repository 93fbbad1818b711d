// The guest kernel images (guest/build/*.elf, built by `make -C guest`; CI builds them) boot to their
// debug-exit in lockstep with Unicorn, every instruction compared: the path `tlbemu run IMAGE
// --lockstep unicorn` takes. The higher-half kernel runs through Unicorn's aliased linear pages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../emulator/loader/elf.js';
import { MiB } from '../../emulator/loader/boot.js';
import { Machine } from '../../emulator/machine/machine.js';
import { MemorySink } from '../../emulator/machine/serial.js';
import { runLockstep, formatLockstepReport } from '../../emulator/reference/lockstep.js';
import { Unicorn } from '../../emulator/reference/unicorn.js';

const build = join(process.cwd(), 'guest', 'build');
const all = existsSync(build) ? readdirSync(build).filter((f) => f.endsWith('.elf')).sort() : [];
// the variants share most code: the one with the 2018 series and the 4.19 one with the warning path
// cover them (about 10 s each); any other set of images is run whole
const picked = all.filter((f) => /upstream|v4\.19/.test(f));
const images = picked.length > 0 ? picked : all;

describe('guest images in lockstep with Unicorn', () => {
  for (const img of images) {
    it(`${img} boots to its debug-exit without a divergence`, async () => {
      const serial = new MemorySink();
      const m = new Machine({ cpus: 1, serial });
      m.boot(parseElf(readFileSync(join(build, img))), { memBytes: 256 * MiB, pmem: [], pagingLevels: 4, cmdline: '' });
      const u = Unicorn.open();
      try {
        const t0 = performance.now();
        const r = await runLockstep(m, u, { every: 1, maxInsns: 20_000_000 });
        console.log(`[lockstep] ${img}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n${formatLockstepReport(r)}`);
        expect(r.report).toBeNull();
        expect(r.stop).toBe('machine-stop');
        expect(r.instructions).toBeGreaterThan(100_000);
        expect(r.compared).toBeGreaterThan(r.instructions * 0.9);
      } finally {
        u.close();
      }
    }, 300_000);
  }
});
