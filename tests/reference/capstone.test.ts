// Capstone as the reference for instruction lengths: our decoder (emulator/cpu/decoder.ts) must give
// every instruction Capstone's length, over a generated corpus of the integer set and over every
// executable section of every guest image in guest/build (built by `make -C guest`), walked linearly.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../emulator/cpu/decoder.js';
import '../../emulator/cpu/ops/index.js'; // fills the opcode table the decoder reads
import { CpuFault } from '../../emulator/cpu/faults.js';
import { disassembler, disassemble, Disassembler } from '../../emulator/reference/capstone.js';
import { generateCorpus } from './corpus.js';
import { assembleBatch } from './asm-batch.js';

let cs: Disassembler;
beforeAll(async () => { cs = await disassembler(); });

/** Our decoder's length for the instruction at bytes[off], or a reason it has none. */
function ourLength(bytes: Uint8Array, off: number): number | string {
  try {
    return decode((k) => {
      if (off + k >= bytes.length) throw new RangeError('past the end');
      return bytes[off + k];
    }).len;
  } catch (e) {
    if (e instanceof CpuFault) return e.toString();
    if (e instanceof RangeError) return 'runs past the end';
    throw e;
  }
}

interface Mismatch { at: string; bytes: string; capstone: string; ours: number | string; capstoneLen: number }

/** Walks `bytes` linearly by Capstone's lengths, comparing ours; returns mismatches and the count. */
function crossCheck(bytes: Uint8Array, base: bigint, label: string, out: Mismatch[]): number {
  let off = 0, n = 0;
  while (off < bytes.length) {
    const insn = cs.one(bytes.subarray(off, off + 15), base + BigInt(off));
    if (insn === null) {
      out.push({ at: `${label}+0x${off.toString(16)}`, bytes: hex(bytes.subarray(off, off + 8)), capstone: '(undecodable)', ours: ourLength(bytes, off), capstoneLen: 0 });
      off++;
      continue;
    }
    const ours = ourLength(bytes, off);
    if (ours !== insn.size) {
      out.push({ at: `${label}+0x${off.toString(16)}`, bytes: hex(bytes.subarray(off, off + insn.size)), capstone: `${insn.mnemonic} ${insn.opStr}`, ours, capstoneLen: insn.size });
    }
    off += insn.size;
    n++;
  }
  return n;
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Executable sections of an ELF64 file (SHF_EXECINSTR), with their addresses. */
function executableSections(file: Uint8Array): { name: string; addr: bigint; bytes: Uint8Array }[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (v.getUint32(0, false) !== 0x7f454c46 || file[4] !== 2) throw new Error('not an ELF64 file');
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true), shnum = v.getUint16(0x3c, true), shstrndx = v.getUint16(0x3e, true);
  const sh = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      name: v.getUint32(o, true), type: v.getUint32(o + 4, true), flags: v.getBigUint64(o + 8, true),
      addr: v.getBigUint64(o + 0x10, true), offset: Number(v.getBigUint64(o + 0x18, true)), size: Number(v.getBigUint64(o + 0x20, true)),
    };
  };
  const strtab = sh(shstrndx);
  const name = (off: number) => {
    let e = strtab.offset + off;
    while (file[e] !== 0) e++;
    return new TextDecoder().decode(file.subarray(strtab.offset + off, e));
  };
  const out = [];
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    const SHT_PROGBITS = 1, SHF_EXECINSTR = 4n;
    if (s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0n && s.size > 0) {
      out.push({ name: name(s.name), addr: s.addr, bytes: file.subarray(s.offset, s.offset + s.size) });
    }
  }
  return out;
}

describe('capstone.ts', () => {
  it('disassembles with addresses as unsigned values', async () => {
    const r = await disassemble([0x48, 0x89, 0xe5, 0xc3], 0xffffffff81000000n);
    expect(r.map((i) => [i.mnemonic, i.opStr, i.size])).toEqual([['mov', 'rbp, rsp', 3], ['ret', '', 1]]);
    expect(r[1].address).toBe(0xffffffff81000003n);
  });

  it('undecodable bytes give no instruction (capstone-js throws a string; we do not)', () => {
    expect(cs.disassemble([0x0f, 0x38, 0xff, 0xc3], 0)).toEqual([]);
    expect(cs.one([0x0f, 0x38, 0xff])).toBeNull();
    expect(cs.text([0x0f, 0x38, 0xff])).toBe('(bad)');
  });
});

describe('instruction lengths: tlbemu decoder vs Capstone', () => {
  it('every instruction of a generated corpus of the integer set (12 000 snippets)', () => {
    const mismatches: Mismatch[] = [];
    let n = 0;
    for (const seed of [1, 2, 3, 4]) {
      const texts = generateCorpus(seed, 3000);
      const bytes = assembleBatch(texts);
      bytes.forEach((b, k) => { n += crossCheck(b, 0x100000n, `seed ${seed} snippet ${k} (${texts[k].split('\n')[0]})`, mismatches); });
    }
    console.log(`[capstone] corpus: ${n} instructions cross-checked, ${mismatches.length} mismatches`);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(n).toBeGreaterThan(15_000);
  });

  // The guest images exist once `make -C guest` has run (CI builds them); the test is registered for
  // each image found.
  const build = join(process.cwd(), 'guest', 'build');
  const images = existsSync(build) ? readdirSync(build).filter((f) => f.endsWith('.elf')) : [];
  for (const img of images) {
    it(`every instruction of ${img}'s executable sections, walked linearly`, () => {
      const mismatches: Mismatch[] = [];
      let n = 0;
      const file = new Uint8Array(readFileSync(join(build, img)));
      const sections = executableSections(file);
      expect(sections.length).toBeGreaterThan(0);
      for (const s of sections) n += crossCheck(s.bytes, s.addr, `${img} ${s.name}`, mismatches);
      console.log(`[capstone] ${img}: ${n} instructions in ${sections.map((s) => s.name).join(', ')} cross-checked, ${mismatches.length} mismatches`);
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(n).toBeGreaterThan(1000);
    });
  }
});
