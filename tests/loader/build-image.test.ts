import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';
import { buildImage, imageNames } from '../helpers/build-image.js';
import { parseElf } from '../../emulator/loader/elf.js';

const builder = join(REPO_ROOT, 'tests', 'images', 'build.mjs');

describe('test image builder', () => {
  it('builds every image into an ELF64 the loader accepts, once per content hash', () => {
    const names = imageNames();
    expect(names).toEqual(expect.arrayContaining(['arith', 'strings', 'exception', 'hello', 'exitcode', 'triple', 'spin']));
    for (const n of names) {
      const p = buildImage(n);
      expect(buildImage(n)).toBe(p);
      const img = parseElf(readFileSync(p));
      expect(img.symbols.byName('_start')?.value).toBe(img.entry);
    }
    // the kernel-style images load at physical 16 MiB from the top 2 GiB of the address space
    const hello = parseElf(readFileSync(buildImage('hello')));
    expect(hello.entry).toBe(0xffffffff81000000n);
    expect(hello.segments[0]).toMatchObject({ vaddr: 0xffffffff81000000n, paddr: 0x1000000 });
  });

  it('names the missing tool when GNU as is not on PATH', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tlbemu-nopath-'));
    const r = spawnSync(process.execPath, [builder, 'halt'], {
      encoding: 'utf8', env: { PATH: empty, TLBEMU_IMAGE_CACHE: join(empty, 'cache') },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("building test image halt: 'as' not found on PATH (install GNU binutils: apt-get install binutils)\n");
  });

  it('refuses an image that has no source', () => {
    expect(() => buildImage('no-such-image')).toThrow(/no test image source .*no-such-image\.s/);
  });
});
