#!/usr/bin/env node
// Entry point of the `tlbemu` command (package.json "bin"); the logic lives in app.ts. It is imported
// dynamically so that even a failure to load tlbemu's own modules exits with the internal-error status
// (70) rather than Node's 1, which would read as the guest's debug-exit status.
try {
  const { main } = await import('./app.js');
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`tlbemu: internal error: ${err.message}\n${err.stack ?? ''}\n`);
  process.exitCode = 70;
}
