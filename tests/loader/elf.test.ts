import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadError, parseElf, PF_W, PF_X, STT_NOTYPE, STT_OBJECT } from '../../emulator/loader/elf.js';
import { sampleElf, writeElf, SPIN } from '../helpers/elf-writer.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tlbemu-elf-'));
let fileNo = 0;
function file(bytes: Uint8Array): string {
  const p = join(dir, `img${fileNo++}.elf`);
  writeFileSync(p, bytes);
  return p;
}

function loadError(bytes: Uint8Array): string {
  try {
    parseElf(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(LoadError);
    return (e as LoadError).message;
  }
  throw new Error('parseElf accepted a malformed image');
}

/** A malformed image through the real CLI: one `tlbemu: error:` line and status 2. */
function cliRejects(bytes: Uint8Array, pattern: RegExp, extra: string[] = []): void {
  const p = file(bytes);
  const r = runCli(['run', ...extra, p]);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith(`tlbemu: error: ${p}: `)).toBe(true);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('ELF64 parsing', () => {
  it('reads the entry point, PT_LOAD segments and flags', () => {
    const img = parseElf(sampleElf());
    expect(img.entry).toBe(0x100000n);
    expect(img.segments).toHaveLength(2);
    const [text, data] = img.segments;
    expect(text).toMatchObject({ index: 0, vaddr: 0x100000n, paddr: 0x100000, filesz: 2, memsz: 2 });
    expect(text.flags & PF_X).toBe(PF_X);
    expect([...text.data]).toEqual(SPIN);
    expect(data).toMatchObject({ index: 1, paddr: 0x102000, filesz: 4, memsz: 0x3000 });
    expect(data.flags & PF_W).toBe(PF_W);
  });

  it('keeps defined symbols sorted by address and symbolizes addresses', () => {
    const img = parseElf(writeElf({
      entry: 0xffffffff81000000n,
      segments: [{ vaddr: 0xffffffff81000000n, paddr: 0x1000000, flags: 5, data: SPIN }],
      symbols: [
        { name: 'later', value: 0xffffffff81000100n, size: 0x20n },
        { name: '_start', value: 0xffffffff81000000n, size: 0x40n },
        { name: 'label', value: 0xffffffff81000200n, type: STT_NOTYPE, bind: 0 },
        { name: 'table', value: 0xffffffff81001000n, size: 8n, type: STT_OBJECT },
        { name: 'KERNEL_SIZE', value: 0x5000n, shndx: 0xfff1, type: STT_NOTYPE },
      ],
    }));
    const syms = img.symbols;
    expect(syms.symbols.map((s) => s.name)).toEqual(['_start', 'later', 'label', 'table']);
    expect(syms.byName('KERNEL_SIZE')?.value).toBe(0x5000n); // absolute: by name only
    expect(syms.format(0xffffffff81000010n)).toBe('_start+0x10/0x40');
    expect(syms.format(0xffffffff81000100n)).toBe('later+0x0/0x20');
    expect(syms.lookup(0xffffffff81000050n)).toBeNull(); // past _start's size, before `later`
    expect(syms.format(0xffffffff81000234n)).toBe('label+0x34'); // unsized label reaches the next symbol
    expect(syms.lookup(0xffffffff80000000n)).toBeNull();
    expect(syms.lookup(0xffffffff81001007n)?.symbol.name).toBe('table');
    expect(syms.lookup(0xffffffff81001008n)).toBeNull();
  });

  it('accepts an image without section headers (no symbols)', () => {
    const img = parseElf(sampleElf({ noSections: true }));
    expect(img.symbols.size).toBe(0);
    expect(img.symbols.format(0x100000n)).toBeNull();
  });

  it('rejects a file that is not ELF', () => {
    expect(loadError(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toBe('not an ELF file (bad magic)');
    expect(loadError(new Uint8Array(0))).toBe('not an ELF file (bad magic)');
  });

  it('rejects a truncated header', () => {
    expect(loadError(sampleElf().slice(0, 40))).toBe('truncated ELF header (40 bytes, need 64)');
  });

  it('rejects the wrong class, data encoding and machine', () => {
    expect(loadError(sampleElf({ cls: 1 }))).toBe('wrong ELF class ELFCLASS32 (32-bit): need ELFCLASS64');
    expect(loadError(sampleElf({ data: 2 }))).toBe('wrong ELF data encoding ELFDATA2MSB (big-endian): need ELFDATA2LSB');
    expect(loadError(sampleElf({ machine: 183 }))).toBe('wrong machine: e_machine 183 (AArch64), need 62 (x86-64)');
    expect(loadError(sampleElf({ type: 1 }))).toBe('not an executable: e_type 1 (relocatable object)');
  });

  it('rejects images without a PT_LOAD', () => {
    const noLoad = writeElf({ entry: 0x100000n, segments: [{ vaddr: 0n, paddr: 0, flags: 4, data: [0], type: 4 }] });
    expect(loadError(noLoad)).toBe('no PT_LOAD segment');
    expect(loadError(writeElf({ entry: 0x100000n, segments: [] }))).toBe('no PT_LOAD segment (no program headers)');
  });

  it('rejects truncated program headers and segment data past the end of the file', () => {
    const good = sampleElf({ noSections: true });
    expect(loadError(good.slice(0, 64 + 56 + 10))).toMatch(/^program header table \(2 entries\) \(offset 0x40, 112 bytes\) extends past the end of the file \(130 bytes\)$/);
    const far = sampleElf({ segments: [{ vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN, offset: 0x100000 }] });
    expect(loadError(far)).toMatch(/^PT_LOAD segment 0: file data \(offset 0x100000, 2 bytes\) extends past the end of the file/);
  });

  it('rejects filesz > memsz', () => {
    const bad = sampleElf({ segments: [{ vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN, memsz: 1 }] });
    expect(loadError(bad)).toBe('PT_LOAD segment 0: p_filesz 0x2 is larger than p_memsz 0x1');
  });

  it('rejects PT_LOAD segments overlapping in physical memory', () => {
    const bad = sampleElf({
      segments: [
        { vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN, memsz: 0x2000 },
        { vaddr: 0x200000n, paddr: 0x101000, flags: 6, data: [1] },
      ],
    });
    expect(loadError(bad)).toBe('PT_LOAD segments 0 and 1 overlap in physical memory: [0x100000, 0x102000) and [0x101000, 0x101001)');
  });

  it('rejects a truncated symbol table', () => {
    const good = sampleElf();
    // drop the section header table's last bytes
    expect(loadError(good.slice(0, good.length - 8))).toMatch(/^section header table \(4 entries\) .* extends past the end of the file/);
  });
});

describe('malformed images through the CLI (status 2, one line, no stack trace)', () => {
  it('not ELF', () => cliRejects(new TextEncoder().encode('hello'), /not an ELF file \(bad magic\)$/));
  it('truncated', () => cliRejects(sampleElf().slice(0, 50), /truncated ELF header \(50 bytes, need 64\)$/));
  it('wrong class', () => cliRejects(sampleElf({ cls: 1 }), /wrong ELF class ELFCLASS32/));
  it('wrong data', () => cliRejects(sampleElf({ data: 2 }), /wrong ELF data encoding ELFDATA2MSB/));
  it('wrong machine', () => cliRejects(sampleElf({ machine: 40 }), /wrong machine: e_machine 40 \(ARM\), need 62 \(x86-64\)$/));
  it('no PT_LOAD', () => cliRejects(writeElf({ entry: 0n, segments: [{ vaddr: 0n, paddr: 0, flags: 4, data: [0], type: 4 }] }), /no PT_LOAD segment$/));
  it('overlapping segments', () => cliRejects(sampleElf({
    segments: [
      { vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN, memsz: 0x2000 },
      { vaddr: 0x200000n, paddr: 0x100800, flags: 6, data: [1] },
    ],
  }), /PT_LOAD segments 0 and 1 overlap in physical memory/));
  it('filesz > memsz', () => cliRejects(sampleElf({
    segments: [{ vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN, memsz: 1 }],
  }), /p_filesz 0x2 is larger than p_memsz 0x1$/));
  it('offset past the end of the file', () => cliRejects(sampleElf({
    segments: [{ vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN, offset: 0x7fff0 }],
  }), /PT_LOAD segment 0: file data \(offset 0x7fff0, 2 bytes\) extends past the end of the file/));
  it('segment outside RAM', () => cliRejects(sampleElf({
    entry: 0x20000000n,
    segments: [{ vaddr: 0x20000000n, paddr: 0x20000000, flags: 5, data: SPIN }],
  }), /PT_LOAD segment 0 \[0x20000000, 0x20000002\) is outside RAM$/, ['--mem', '256M']));
  it('segment in the loader area', () => cliRejects(sampleElf({
    entry: 0x8000n,
    segments: [{ vaddr: 0x8000n, paddr: 0x8000, flags: 5, data: SPIN }],
  }), /PT_LOAD segment 0 \[0x8000, 0x8002\) is outside RAM: it touches reserved memory$/));
  it('segment in persistent memory', () => cliRejects(sampleElf({
    entry: 0x200000000n,
    segments: [{ vaddr: 0x200000000n, paddr: 0x200000000, flags: 5, data: SPIN }],
  }), /is outside RAM: it touches persistent \(type 7\) memory$/, ['--pmem', '1G@8G']));
  it('a missing file', () => {
    const r = runCli(['run', join(dir, 'does-not-exist.elf')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tlbemu: error: .*does-not-exist\.elf: cannot read \(ENOENT\)\n$/);
  });
});
