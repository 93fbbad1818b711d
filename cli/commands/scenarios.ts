// `tlbemu scenarios`: lists the scenario catalogue.
import { SCENARIOS } from '../../kernel-model/scenarios/index.js';
import { writeFully } from '../output.js';
import type { Command } from './command.js';

const HELP = `usage: tlbemu scenarios

Lists the scenarios that \`tlbemu boot NAME\` runs: guest variant, machine, command line and the
outcome each one expects.
`;

export const scenariosCommand: Command = {
  name: 'scenarios',
  summary: 'list the guest scenarios',
  help: () => HELP,
  run(argv: readonly string[]): number {
    if (argv.includes('--help')) { writeFully(1, Buffer.from(HELP)); return 0; }
    const lines: string[] = [];
    const w = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS) {
      lines.push(`${s.name.padEnd(w)}  ${s.summary}`);
      lines.push(`${' '.repeat(w)}  variant ${s.variant}, ${s.cpus} CPUs, --mem ${s.mem}${s.pmem.map((p) => ` --pmem ${p}`).join('')}, ` +
        `cmdline "${s.cmdline}"${s.checkTlb ? ', --check tlb' : ''}`);
    }
    writeFully(1, Buffer.from(lines.join('\n') + '\n'));
    return 0;
  },
};
