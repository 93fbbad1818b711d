// `tlbemu disasm IMAGE SYMBOL`: prints a function of an image with addresses, like `objdump -d`
// (Capstone, Intel syntax). Also IMAGE ADDRESS (hex) for the function containing it.
import { disassembler } from '../../emulator/reference/capstone.js';
import { UsageError } from '../errors.js';
import { writeFully } from '../output.js';
import { readImage } from './run.js';
import type { Command } from './command.js';

const HELP = `usage: tlbemu disasm IMAGE.elf SYMBOL|0xADDRESS

Disassembles one function of an ELF image (from its file bytes, with its symbol table), in the
layout of objdump -d: address, bytes, instruction (Intel syntax). A local symbol defined several
times (e.g. a static inline kept out of line in several objects) prints every copy.
`;

export const disasmCommand: Command = {
  name: 'disasm',
  summary: 'disassemble a function of an image (objdump -d layout)',
  help: () => HELP,
  async run(argv: readonly string[]): Promise<number> {
    if (argv.includes('--help')) { writeFully(1, Buffer.from(HELP)); return 0; }
    if (argv.length !== 2) throw new UsageError('disasm: IMAGE.elf and SYMBOL (or 0xADDRESS) expected');
    const [path, what] = argv;
    const image = readImage(path);
    const syms = /^0x[0-9a-f]+$/i.test(what)
      ? [image.symbols.lookup(BigInt(what))?.symbol].filter((x) => x !== undefined)
      : image.symbols.symbols.filter((s) => s.name === what && s.size > 0n);
    if (syms.length === 0) throw new UsageError(`disasm: ${path} has no sized symbol ${JSON.stringify(what)}`);
    const dis = await disassembler();
    const out: string[] = [];
    for (const sym of syms) {
      const seg = image.segments.find((s) => sym.value >= s.vaddr && sym.value + sym.size <= s.vaddr + BigInt(s.filesz));
      if (seg === undefined) throw new UsageError(`disasm: ${sym.name} lies outside the file's loaded bytes`);
      const off = Number(sym.value - seg.vaddr);
      const bytes = seg.data.subarray(off, off + Number(sym.size));
      out.push('', `${sym.value.toString(16).padStart(16, '0')} <${sym.name}>:`);
      let at = 0;
      while (at < bytes.length) {
        const i = dis.one(bytes.subarray(at, Math.min(at + 15, bytes.length)), sym.value + BigInt(at));
        const size = i === null ? 1 : i.size;
        const hex = Array.from(bytes.subarray(at, at + size), (b) => b.toString(16).padStart(2, '0')).join(' ');
        const text = i === null ? '(bad)' : `${i.mnemonic}${i.opStr ? ' ' + i.opStr : ''}`;
        out.push(`${(sym.value + BigInt(at)).toString(16)}:\t${hex.padEnd(21)}\t${text}`);
        at += size;
      }
    }
    writeFully(1, Buffer.from(out.join('\n') + '\n'));
    return 0;
  },
};
