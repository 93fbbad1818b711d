// Assembles x86-64 snippets with GNU as (Intel syntax) for tests; results are cached on disk by hash.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cacheDir = join(tmpdir(), 'tlbemu-asm-cache');

/** Assembles `src` (Intel syntax, no prefixes) at origin `org` and returns the .text bytes. */
export function assemble(src: string, org = 0): Uint8Array {
  const text = `.intel_syntax noprefix\n.code64\n.text\n${src}\n`;
  const key = createHash('sha256').update(text).update(String(org)).digest('hex').slice(0, 24);
  mkdirSync(cacheDir, { recursive: true });
  const bin = join(cacheDir, `${key}.bin`);
  if (existsSync(bin)) return new Uint8Array(readFileSync(bin));
  const s = join(cacheDir, `${key}.s`), o = join(cacheDir, `${key}.o`), elf = join(cacheDir, `${key}.elf`);
  writeFileSync(s, text);
  execFileSync('as', ['--64', '-o', o, s], { stdio: ['ignore', 'pipe', 'pipe'] });
  execFileSync('ld', ['-m', 'elf_x86_64', '-Ttext', `0x${org.toString(16)}`, '-e', '0', '--no-warn-rwx-segments', '-o', elf, o],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  execFileSync('objcopy', ['-O', 'binary', '-j', '.text', elf, bin], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Uint8Array(readFileSync(bin));
}
