// Assembles many snippets in one GNU as run and returns each snippet's bytes (labels mark where each
// one starts; nm gives their offsets). Cached on disk by content hash, like tests/helpers/asm.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cacheDir = join(tmpdir(), 'tlbemu-asm-cache');

/** Assembles each snippet (Intel syntax, may hold several lines and local numeric labels). */
export function assembleBatch(snippets: readonly string[]): Uint8Array[] {
  let text = '.intel_syntax noprefix\n.code64\n.text\n';
  snippets.forEach((s, k) => { text += `snip_${k}:\n${s}\n`; });
  text += `snip_${snippets.length}:\n`;
  const key = createHash('sha256').update(text).digest('hex').slice(0, 24);
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, `batch-${key}.json`);
  if (existsSync(out)) {
    const cached = JSON.parse(readFileSync(out, 'utf8')) as string[];
    return cached.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
  }
  const s = join(cacheDir, `batch-${key}.s`), o = join(cacheDir, `batch-${key}.o`), bin = join(cacheDir, `batch-${key}.bin`);
  writeFileSync(s, text);
  execFileSync('as', ['--64', '-o', o, s], { stdio: ['ignore', 'pipe', 'pipe'] });
  execFileSync('objcopy', ['-O', 'binary', '-j', '.text', o, bin], { stdio: ['ignore', 'pipe', 'pipe'] });
  const code = new Uint8Array(readFileSync(bin));
  const nm = execFileSync('nm', ['--defined-only', o], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const offsets = new Array<number>(snippets.length + 1).fill(-1);
  for (const line of nm.split('\n')) {
    const m = /^([0-9a-f]+) [tT] snip_(\d+)$/.exec(line.trim());
    if (m) offsets[Number(m[2])] = parseInt(m[1], 16);
  }
  offsets[snippets.length] = code.length;
  const result: Uint8Array[] = [];
  for (let k = 0; k < snippets.length; k++) {
    if (offsets[k] < 0) throw new Error(`assembleBatch: no label for snippet ${k}`);
    result.push(code.slice(offsets[k], offsets[k + 1]));
  }
  writeFileSync(out, JSON.stringify(result.map((b) => Buffer.from(b).toString('hex'))));
  return result;
}
