// `tlbemu ptdiff A B`: boots two scenarios (or variants) and prints a structural diff of the kernel
// page tables each leaves behind (debugfs page_tables/kernel format). Status 0 identical, 1 different.
import { diffDumps } from '../../kernel-model/ptdump.js';
import { UsageError } from '../errors.js';
import { writeFully } from '../output.js';
import { bootGuest, parseBootArgs } from './boot.js';
import type { Command } from './command.js';

const HELP = `usage: tlbemu ptdiff [boot options] A B

Boots A and B (scenario names, variants or images; options as for \`tlbemu boot\`, applied to both)
and prints the lines of the final kernel page-table dump that only one of them has ('-' only in A,
'+' only in B). Exit status 0 when the page tables are identical, 1 when they differ.
`;

export const ptdiffCommand: Command = {
  name: 'ptdiff',
  summary: 'diff the kernel page tables two scenarios leave behind',
  help: () => HELP,
  run(argv: readonly string[]): number {
    if (argv.includes('--help')) { writeFully(1, Buffer.from(HELP)); return 0; }
    const targets = argv.filter((a, k) => !a.startsWith('--') && (k === 0 || !argv[k - 1].startsWith('--') || isFlag(argv[k - 1])));
    if (targets.length !== 2) throw new UsageError('ptdiff: two scenarios, variants or images expected');
    const options = argv.filter((a) => !targets.includes(a));
    const dumps: string[] = [];
    const sink = { write: () => {} }; // the consoles are not shown
    for (const t of targets) {
      const s = parseBootArgs([t, ...options, '--ptdump'])!;
      const { report } = bootGuest(s, sink);
      if (report.ptdump === null) throw new UsageError(`ptdiff: ${t} left no kernel page tables to dump (${report.exit.message})`);
      dumps.push(report.ptdump);
    }
    const d = diffDumps(dumps[0], dumps[1]);
    writeFully(1, Buffer.from(d === '' ? `identical kernel page tables (${dumps[0].split('\n').length - 1} lines)\n` : d));
    return d === '' ? 0 : 1;
  },
};

/** Boot options that take no value. */
function isFlag(opt: string): boolean {
  return opt === '--ptdump' || opt === '--verbose';
}
