// `tlbemu bench`: the benchmarks of bench/ (guest images on tlbemu, Unicorn and QEMU, the native TLB
// floors, the guest kernel, the scaling series). The benchmark modules load only when the command
// runs, so that the other commands never depend on them (or on the Unicorn binding they may load).
import { UsageError } from '../errors.js';
import { writeFully } from '../output.js';
import type { Command } from './command.js';

const HELP = `usage: tlbemu bench [--quick] [--rounds N] [--out DIR] [--only ID[,ID...]]

Runs the benchmark workloads on tlbemu and, in the same rounds, on Unicorn (identity-mapped
single-CPU images) and QEMU (TCG, booting the same images through their PVH entry), with the
native TLB-miss and TLB-hit floors of this host, the guest kernel's boot + hot-add, and the scaling
series; writes results.json, results.md and one SVG plot per series. See bench/README.md.

options:
  --quick        small sizes, 3 rounds, no long guest-kernel runs (a smoke test: about a minute)
  --rounds N     measured rounds after the warm-up round (default 5; 3 with --quick)
  --out DIR      output directory (default bench/results, or bench/results/quick with --quick)
  --only IDS     comma-separated workload id prefixes (e.g. walk-4k,hotplug)
  --help         show this help

A peer that is not installed (libunicorn2, qemu-system-x86, gcc) is skipped with a notice.
`;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks: page walks, guest speed and scaling, beside Unicorn, QEMU and the hardware',
  help: () => HELP,
  async run(argv: readonly string[]): Promise<number> {
    const { parseBenchArgs, runBench } = await import('../../bench/run.js');
    let opts;
    try {
      opts = parseBenchArgs(argv);
    } catch (e) {
      throw new UsageError(`bench: ${(e as Error).message}`);
    }
    if (opts === null) { writeFully(1, Buffer.from(HELP)); return 0; }
    await runBench(opts);
    return 0;
  },
};
