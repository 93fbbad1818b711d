// Guest instructions per second with 1, 4 and 16 CPUs (issue "SMP"): every CPU spins on `inc rax;
// jmp` (tests/images/spin.s) and the machine runs a fixed total budget in the deterministic scheduler.
// Usage: npm run build && node dist/bench/smp-ips.js [--quick]. Median of 5 runs after a warm-up.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../emulator/loader/elf.js';
import { Machine } from '../emulator/machine/machine.js';
import { MemorySink } from '../emulator/machine/serial.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const build = (await import(join(root, 'tests', 'images', 'build.mjs'))) as { buildImage(name: string): string };
  const image = parseElf(readFileSync(build.buildImage('spin')));
  const budget = quick ? 2_000_000 : 20_000_000;
  const rows: { cpus: number; medianMips: number; min: number; max: number }[] = [];
  for (const cpus of [1, 4, 16]) {
    const runs: number[] = [];
    for (let k = 0; k < 6; k++) {
      const m = new Machine({ cpus, serial: new MemorySink() });
      m.boot(image, { memBytes: 256 << 20, pmem: [], pagingLevels: 4, cmdline: '' });
      const t0 = performance.now();
      const r = m.run({ maxInsns: budget });
      const s = (performance.now() - t0) / 1000;
      if (k > 0) runs.push(r.instructions / s / 1e6); // the first run warms the JIT up
    }
    runs.sort((a, b) => a - b);
    rows.push({ cpus, medianMips: runs[2], min: runs[0], max: runs[runs.length - 1] });
  }
  console.log(JSON.stringify({ workload: 'spin (inc rax; jmp) on every CPU', budget, rows }, null, 2));
  for (const r of rows) console.log(`${String(r.cpus).padStart(2)} CPUs: ${r.medianMips.toFixed(1)} M insns/s (${r.min.toFixed(1)}–${r.max.toFixed(1)})`);
}

void main();
