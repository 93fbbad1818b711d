// Command-line parsing: `--name value`, `--name=value`, boolean flags, repeatable options, `--` ends
// options. Value parsers for counts, sizes (256M, 4G, 0x1000000) and SIZE@ADDR ranges. Every problem is
// a UsageError with a one-line message.
import { UsageError } from './errors.js';

export interface OptionSpec {
  name: string;
  /** Placeholder shown in help; absent for boolean flags. */
  metavar?: string;
  repeatable?: boolean;
  help: string;
}

export interface ParsedArgs {
  /** Values per option name (booleans hold ['']); for non-repeatable options the last one given. */
  values: Map<string, string[]>;
  positionals: string[];
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--') { positionals.push(...argv.slice(k + 1)); break; }
    if (!a.startsWith('--') || a === '--') {
      if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a} (see tlbemu ${command} --help)`);
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(`unknown option --${name} (see tlbemu ${command} --help)`);
    let value: string;
    if (spec.metavar === undefined) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      value = '';
    } else if (eq >= 0) {
      value = a.slice(eq + 1);
    } else {
      if (k + 1 >= argv.length) throw new UsageError(`--${name} needs a value (${spec.metavar})`);
      value = argv[++k];
    }
    if (spec.repeatable) values.set(name, [...(values.get(name) ?? []), value]);
    else values.set(name, [value]);
  }
  return { values, positionals };
}

/** Help text for options, aligned. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const left = specs.map((s) => `  --${s.name}${s.metavar ? ` ${s.metavar}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs.map((s, k) => {
    const lines = s.help.split('\n');
    return left[k].padEnd(width) + lines.join('\n' + ' '.repeat(width));
  }).join('\n');
}

/** A non-negative integer (decimal with optional _ separators, or 0x hex) in [min, max]. */
export function parseInteger(name: string, s: string, min: number, max: number): number {
  const t = s.replace(/_/g, '');
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^[0-9]+$/.test(t)) v = Number(t);
  else throw new UsageError(`--${name} ${JSON.stringify(s)}: not an integer`);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} ${s}: out of range (${min}..${max})`);
  }
  return v;
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A byte size or address: 4096, 0x1000, 512K, 256M, 4G, 1T (binary units; optional "B"/"iB"). */
export function parseSize(what: string, s: string): number {
  const m = /^(0x[0-9a-f]+|[0-9]+)([kmgt]?)(i?b)?$/i.exec(s.replace(/_/g, ''));
  if (m === null || (m[1].toLowerCase().startsWith('0x') && m[2] !== '')) {
    throw new UsageError(`${what} ${JSON.stringify(s)}: not a size (use e.g. 4096, 0x1000, 512K, 256M, 4G)`);
  }
  const n = m[1].toLowerCase().startsWith('0x') ? parseInt(m[1].slice(2), 16) : Number(m[1]);
  const v = n * UNITS[m[2].toLowerCase()];
  if (!Number.isSafeInteger(v)) throw new UsageError(`${what} ${s}: too large`);
  return v;
}

/** SIZE@ADDR, e.g. 1G@8G or 0x10000000@0x200000000. */
export function parseRange(what: string, s: string): { size: number; base: number } {
  const at = s.indexOf('@');
  if (at < 0) throw new UsageError(`${what} ${JSON.stringify(s)}: expected SIZE@ADDR (e.g. 1G@8G)`);
  return { size: parseSize(what, s.slice(0, at)), base: parseSize(what, s.slice(at + 1)) };
}

/** A positive number of seconds (fractions allowed). */
export function parseSeconds(name: string, s: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(s) || !(Number(s) > 0)) {
    throw new UsageError(`--${name} ${JSON.stringify(s)}: not a positive number of seconds`);
  }
  return Number(s);
}

/** A comma-separated subset of `allowed`. */
export function parseList<T extends string>(name: string, s: string, allowed: readonly T[]): Set<T> {
  const out = new Set<T>();
  for (const part of s.split(',')) {
    const p = part.trim();
    if (!(allowed as readonly string[]).includes(p)) {
      throw new UsageError(`--${name} ${JSON.stringify(s)}: unknown item ${JSON.stringify(p)} (choose from ${allowed.join(', ')})`);
    }
    out.add(p as T);
  }
  return out;
}
