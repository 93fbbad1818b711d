import { it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseElf } from '../../emulator/loader/elf.js';
import { MiB } from '../../emulator/loader/boot.js';
import { Machine } from '../../emulator/machine/machine.js';
import { MemorySink } from '../../emulator/machine/serial.js';
import { runLockstep, formatLockstepReport } from '../../emulator/reference/lockstep.js';
import { Unicorn } from '../../emulator/reference/unicorn.js';
it('guest lockstep', async () => {
  for (const img of ['tlbemu-kernel-upstream.elf']) {
    const serial = new MemorySink();
    const m = new Machine({ cpus: 1, serial });
    m.boot(parseElf(readFileSync(`guest/build/${img}`)), { memBytes: 64 * MiB, pmem: [], pagingLevels: 4, cmdline: '' });
    const u = Unicorn.open();
    const t0 = performance.now();
    const r = await runLockstep(m, u, { every: Number(process.env.EVERY ?? 1), maxInsns: Number(process.env.MAX ?? 300000) });
    console.log(img, ((performance.now() - t0) / 1000).toFixed(1), 's\n', formatLockstepReport(r));
    u.close();
  }
  expect(1).toBe(1);
}, 600000);
