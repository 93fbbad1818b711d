// `tlbemu demo` (what `npm start` runs): boots hotplug-4.19, then hotplug-v2, and prints the contrast —
// the warning and its preemptible flushes in 4.19, none in v2, no stale translation in either, and
// identical page tables.
import { findScenario } from '../../kernel-model/scenarios/index.js';
import { writeFully } from '../output.js';
import { BootReport, bootGuest, parseBootArgs, summaryLines } from './boot.js';
import type { Command } from './command.js';

const HELP = `usage: tlbemu demo

Boots the hotplug-4.19 scenario (the Linux 4.19 warning at tlbflush.h:460, in the kernel's format),
then hotplug-v2 (the 2018 series), and prints what changed. Exit status 0 when both matched their
scenario's expectation.
`;

function contrast(a: BootReport, b: BootReport): string[] {
  const row = (what: string, x: string | number, y: string | number) => `${what.padEnd(44)}${String(x).padEnd(16)}${y}`;
  const mappingFlushes = (r: BootReport) => r.flushes.sites
    .filter((s) => s.path.some((f) => /^phys_(p4d|pud|pmd)_init$|^kernel_physical_mapping_init$/.test(f)) && !s.path.includes('init_mem_mapping'))
    .reduce((n, s) => n + s.count, 0);
  return [
    '',
    row('', a.scenario ?? '', b.scenario ?? ''),
    row('warnings at tlbflush.h:460', a.warnings.filter((w) => w.line === 460).length, b.warnings.filter((w) => w.line === 460).length),
    row('local flushes while preemptible', a.flushes.preemptibleDiagnostics.length, b.flushes.preemptibleDiagnostics.length),
    row('__flush_tlb_all from the mapping code', mappingFlushes(a), mappingFlushes(b)),
    row('stale translations used (all CPUs)', a.oracle?.staleUsesTotal ?? '-', b.oracle?.staleUsesTotal ?? '-'),
    row('kernel page tables after hot-add', 'ptdump A', a.ptdump !== null && a.ptdump === b.ptdump ? 'identical to A' : 'DIFFERENT'),
    row('outcome', a.outcome?.matched ? 'as expected' : 'DIFFERS', b.outcome?.matched ? 'as expected' : 'DIFFERS'),
    '',
  ];
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'boot hotplug-4.19 then hotplug-v2 and show the contrast (npm start)',
  help: () => HELP,
  run(argv: readonly string[]): number {
    if (argv.includes('--help')) { writeFully(1, Buffer.from(HELP)); return 0; }
    const out = { write: (b: Uint8Array) => writeFully(1, b) };
    const reports: BootReport[] = [];
    for (const name of ['hotplug-4.19', 'hotplug-v2']) {
      const s = parseBootArgs([name, '--ptdump'])!;
      writeFully(1, Buffer.from(`\n==== tlbemu boot ${name}: ${findScenario(name)!.summary}\n\n`));
      const { report } = bootGuest(s, out);
      writeFully(1, Buffer.from(summaryLines(report).join('\n') + '\n'));
      reports.push(report);
    }
    writeFully(1, Buffer.from(contrast(reports[0], reports[1]).join('\n') + '\n'));
    return reports.every((r) => r.outcome?.matched) ? 0 : 10;
  },
};
