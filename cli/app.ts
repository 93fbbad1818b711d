// The `tlbemu` command: dispatches to a subcommand from the command table and turns errors into exit
// statuses: UsageError -> `tlbemu: error: <message>` and 2; anything else is a tlbemu bug, reported with
// its stack and status 70.
import { COMMANDS } from './commands/index.js';
import { EXIT_INTERNAL, EXIT_USAGE, UsageError } from './errors.js';
import { writeStderr, writeStdout } from './output.js';
import { packageVersion } from './version.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `usage: tlbemu <command> [options]
       tlbemu --help | --version

tlbemu is an instruction-level x86-64 system emulator with an exact MMU and TLB.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Run \`tlbemu <command> --help\` for a command's options.
`;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      writeStderr(usage());
      return EXIT_USAGE;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      if (first === 'help' && rest.length > 0) {
        const c = COMMANDS.find((x) => x.name === rest[0]);
        if (c === undefined) throw new UsageError(`unknown command ${JSON.stringify(rest[0])} (see tlbemu --help)`);
        writeStdout(c.help());
        return 0;
      }
      writeStdout(usage());
      return 0;
    }
    if (first === '--version' || first === '-V') {
      writeStdout(`tlbemu ${packageVersion()}\n`);
      return 0;
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option ${first} (see tlbemu --help)`);
    const cmd = COMMANDS.find((c) => c.name === first);
    if (cmd === undefined) throw new UsageError(`unknown command ${JSON.stringify(first)} (see tlbemu --help)`);
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      writeStderr(`tlbemu: error: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    writeStderr(`tlbemu: internal error: ${err.message}\n${err.stack ?? ''}\n`);
    return EXIT_INTERNAL;
  }
}
