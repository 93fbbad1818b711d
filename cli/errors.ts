// Errors the CLI reports as `tlbemu: error: <message>` with exit status 2 (usage error or bad input).
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit statuses (DESIGN.md). Odd statuses come from the guest through isa-debug-exit. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 2;
export const EXIT_BUDGET = 4;
export const EXIT_CRASH = 6;
/** Not a guest outcome: tlbemu itself failed (a bug); reported with its stack. */
export const EXIT_INTERNAL = 70;
