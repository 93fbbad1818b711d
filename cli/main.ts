#!/usr/bin/env node
// Entry point of the `tlbemu` command (package.json "bin"); the logic lives in app.ts.
import { main } from './app.js';

process.exitCode = await main(process.argv.slice(2));
