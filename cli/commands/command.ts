// A `tlbemu` subcommand. Commands return the process exit status; they throw UsageError for bad
// arguments or input (reported as `tlbemu: error: ...`, status 2).
export interface Command {
  name: string;
  /** One line for `tlbemu --help`. */
  summary: string;
  help(): string;
  run(argv: readonly string[]): number | Promise<number>;
}
