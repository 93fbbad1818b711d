// The command table of `tlbemu`. Add a command by writing cli/commands/<name>.ts and listing it here.
import type { Command } from './command.js';
import { runCommand } from './run.js';
import { bootCommand } from './boot.js';
import { scenariosCommand } from './scenarios.js';
import { demoCommand } from './demo.js';
import { benchCommand } from './bench.js';
import { ptdiffCommand } from './ptdiff.js';
import { disasmCommand } from './disasm.js';

export const COMMANDS: readonly Command[] = [
  runCommand, bootCommand, scenariosCommand, demoCommand, ptdiffCommand, disasmCommand, benchCommand,
];
