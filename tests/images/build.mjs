// Builds the bare-metal test images in this folder with GNU as + ld, into a cache directory keyed by
// a hash of the sources (the image, every .inc file, the linker script, the PVH entry and the tool
// flags); the cache is $TLBEMU_IMAGE_CACHE, else tlbemu-test-images in the temp directory. Every image
// links in boot/pvh/pvh-entry.S, so that qemu-system-x86_64 -kernel boots the same file (tlbemu ignores
// its note and starts at _start).
//   node tests/images/build.mjs NAME      prints the path of NAME.elf (building it if needed)
// An image NAME.s picks its linker script with a first-line comment `# ld: high.ld` (default low.ld).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const IMAGES_DIR = dirname(fileURLToPath(import.meta.url));
const PVH_ENTRY = join(IMAGES_DIR, '..', '..', 'boot', 'pvh', 'pvh-entry.S');
const CACHE_DIR = process.env.TLBEMU_IMAGE_CACHE || join(tmpdir(), 'tlbemu-test-images');

const AS_ARGS = ['--64'];
const LD_ARGS = ['-m', 'elf_x86_64', '-nostdlib', '-static', '-z', 'max-page-size=4096', '--no-warn-rwx-segments'];

/** Runs a tool; throws an Error naming the tool when it is missing or fails. */
function tool(name, args, what) {
  const r = spawnSync(name, args, { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error && r.error.code === 'ENOENT') {
    throw new Error(`building test image ${what}: '${name}' not found on PATH (install GNU binutils: apt-get install binutils)`);
  }
  if (r.error) throw new Error(`building test image ${what}: ${name}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`building test image ${what}: ${name} failed:\n${r.stderr}${r.stdout}`);
}

/** Names of the images available (NAME for each NAME.s). */
export function imageNames() {
  return readdirSync(IMAGES_DIR).filter((f) => f.endsWith('.s')).map((f) => f.slice(0, -2)).sort();
}

/** Builds tests/images/NAME.s (once per content hash) and returns the path of the ELF. */
export function buildImage(name) {
  const src = join(IMAGES_DIR, `${name}.s`);
  if (!existsSync(src)) throw new Error(`no test image source ${src}`);
  const text = readFileSync(src, 'utf8');
  const m = /^#\s*ld:\s*(\S+)/.exec(text);
  const script = join(IMAGES_DIR, m ? m[1] : 'low.ld');
  if (!existsSync(script)) throw new Error(`test image ${name}: linker script ${script} not found`);
  if (!existsSync(PVH_ENTRY)) throw new Error(`test image ${name}: PVH entry ${PVH_ENTRY} not found`);
  const h = createHash('sha256');
  h.update(text).update(readFileSync(script)).update(readFileSync(PVH_ENTRY));
  h.update(AS_ARGS.join(' ')).update(LD_ARGS.join(' '));
  for (const f of readdirSync(IMAGES_DIR).filter((x) => x.endsWith('.inc')).sort()) {
    h.update(f).update(readFileSync(join(IMAGES_DIR, f)));
  }
  const key = h.digest('hex').slice(0, 20);
  const dir = join(CACHE_DIR, key);
  const elf = join(dir, `${name}.elf`);
  if (existsSync(elf)) return elf;
  mkdirSync(dir, { recursive: true });
  // build under a unique name, then rename: parallel test workers may build the same image at once
  const tmp = join(dir, `${name}.${process.pid}.${Date.now()}`);
  tool('as', [...AS_ARGS, '-I', IMAGES_DIR, '-o', `${tmp}.o`, src], name);
  tool('as', [...AS_ARGS, '-o', `${tmp}.pvh.o`, PVH_ENTRY], name);
  tool('ld', [...LD_ARGS, '-T', script, '-o', `${tmp}.elf`, `${tmp}.o`, `${tmp}.pvh.o`], name);
  renameSync(`${tmp}.elf`, elf);
  writeFileSync(join(dir, 'SOURCE'), `${src}\n`);
  return elf;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  if (names.length === 0) {
    process.stderr.write(`usage: node tests/images/build.mjs NAME...\nimages: ${imageNames().join(' ')}\n`);
    process.exit(2);
  }
  try {
    for (const n of names) process.stdout.write(`${buildImage(n)}\n`);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
