// ELF64 reader for boot images (System V gABI and the x86-64 psABI): file header, program headers
// (PT_LOAD), and the symbol table (.symtab + its string table) kept for the host's symbolization.
// Edge code: runs once before the guest starts, so 64-bit fields are BigInt; every offset and size is
// checked against the file before it is used, and every problem is a one-line LoadError.

/** A malformed or unusable image. The message names the problem in one line (the CLI prints it). */
export class LoadError extends Error {
  override readonly name = 'LoadError';
}

export const PT_LOAD = 1;
export const PF_X = 1, PF_W = 2, PF_R = 4;
export const EM_X86_64 = 62;
export const ET_EXEC = 2, ET_DYN = 3;
export const SHT_SYMTAB = 2, SHT_STRTAB = 3;
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
export const SHN_UNDEF = 0, SHN_ABS = 0xfff1;

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

/** One PT_LOAD program header. Physical addresses and sizes are exact JS numbers (checked < 2^53). */
export interface ElfSegment {
  /** Index among the program headers. */
  index: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: number;
  filesz: number;
  memsz: number;
  /** The file bytes of the segment (a view into the image, filesz long). */
  data: Uint8Array;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* */
  type: number;
  /** STB_* (0 local, 1 global, 2 weak) */
  bind: number;
  shndx: number;
}

/** Result of SymbolTable.lookup: the symbol containing an address and the offset into it. */
export interface SymbolHit {
  symbol: ElfSymbol;
  offset: bigint;
}

/**
 * Defined symbols (functions, objects, untyped labels) sorted by address, with lookup by address for
 * symbolization ("name+0x1c/0x80") and by name.
 */
export class SymbolTable {
  /** Symbols with an address inside the image (not absolute, not undefined), sorted by value then name. */
  readonly symbols: readonly ElfSymbol[];
  private readonly byNameMap = new Map<string, ElfSymbol>();

  constructor(all: ElfSymbol[]) {
    for (const s of all) {
      // a global definition wins over a local one of the same name
      const old = this.byNameMap.get(s.name);
      if (old === undefined || (old.bind === 0 && s.bind !== 0)) this.byNameMap.set(s.name, s);
    }
    this.symbols = all
      .filter((s) => s.shndx !== SHN_ABS)
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get size(): number { return this.symbols.length; }

  byName(name: string): ElfSymbol | undefined {
    return this.byNameMap.get(name);
  }

  /**
   * The symbol containing `addr` (unsigned 64-bit): the last symbol at or below it, preferring a sized
   * symbol at the same address; a sized symbol only covers [value, value+size), an unsized label
   * covers everything up to the next symbol. Null when nothing covers the address.
   */
  lookup(addr: bigint): SymbolHit | null {
    const syms = this.symbols;
    let lo = 0, hi = syms.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (syms[mid].value <= addr) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return null;
    // among symbols at the same address, take a sized one whose range covers addr
    const value = syms[found].value;
    let best: ElfSymbol | null = null;
    for (let k = found; k >= 0 && syms[k].value === value; k--) {
      const s = syms[k];
      if (s.size > 0n) {
        if (addr < s.value + s.size && (best === null || best.size === 0n)) best = s;
      } else if (best === null) best = s;
    }
    if (best === null) return null;
    return { symbol: best, offset: addr - best.value };
  }

  /** "name+0x1c/0x80" (size shown when known), or null when no symbol covers the address. */
  format(addr: bigint): string | null {
    const h = this.lookup(addr);
    if (h === null) return null;
    const size = h.symbol.size > 0n ? `/0x${h.symbol.size.toString(16)}` : '';
    return `${h.symbol.name}+0x${h.offset.toString(16)}${size}`;
  }
}

export interface ElfImage {
  /** e_type (ET_EXEC or ET_DYN). */
  type: number;
  entry: bigint;
  /** PT_LOAD segments with memsz > 0, in program-header order. */
  segments: ElfSegment[];
  symbols: SymbolTable;
}

function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

/** Bounds-checked little-endian reads over the image. */
class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number { return this.bytes.length; }
  u8(off: number): number { return this.view.getUint8(off); }
  u16(off: number): number { return this.view.getUint16(off, true); }
  u32(off: number): number { return this.view.getUint32(off, true); }
  u64(off: number): bigint { return this.view.getBigUint64(off, true); }
  /** A u64 that must fit exactly in a JS number (file offsets, sizes, physical addresses). */
  num(off: number, what: string): number {
    const v = this.u64(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LoadError(`${what} ${hex(v)} is too large`);
    return Number(v);
  }
  /** Checks that [off, off+len) lies inside the file. */
  need(off: number, len: number, what: string): void {
    if (off < 0 || len < 0 || off + len > this.length) {
      throw new LoadError(`${what} (offset ${hex(off)}, ${len} bytes) extends past the end of the file (${this.length} bytes)`);
    }
  }
}

const MACHINE_NAMES: Record<number, string> = {
  3: 'i386', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 40: 'ARM', 43: 'SPARC V9', 50: 'IA-64', 62: 'x86-64',
  183: 'AArch64', 243: 'RISC-V',
};

/** Parses an ELF64 x86-64 image. Throws LoadError naming the first problem found. */
export function parseElf(bytes: Uint8Array): ElfImage {
  const r = new Reader(bytes);
  if (r.length < 4 || r.u8(0) !== 0x7f || r.u8(1) !== 0x45 || r.u8(2) !== 0x4c || r.u8(3) !== 0x46) {
    throw new LoadError('not an ELF file (bad magic)');
  }
  if (r.length < 16) throw new LoadError(`truncated ELF header (${r.length} bytes, need ${EHDR_SIZE})`);
  const cls = r.u8(4);
  if (cls !== 2) {
    throw new LoadError(`wrong ELF class ${cls === 1 ? 'ELFCLASS32 (32-bit)' : cls}: need ELFCLASS64`);
  }
  const data = r.u8(5);
  if (data !== 1) {
    throw new LoadError(`wrong ELF data encoding ${data === 2 ? 'ELFDATA2MSB (big-endian)' : data}: need ELFDATA2LSB`);
  }
  if (r.length < EHDR_SIZE) throw new LoadError(`truncated ELF header (${r.length} bytes, need ${EHDR_SIZE})`);
  const machine = r.u16(18);
  if (machine !== EM_X86_64) {
    const name = MACHINE_NAMES[machine];
    throw new LoadError(`wrong machine: e_machine ${machine}${name ? ` (${name})` : ''}, need ${EM_X86_64} (x86-64)`);
  }
  const type = r.u16(16);
  if (type !== ET_EXEC && type !== ET_DYN) {
    throw new LoadError(`not an executable: e_type ${type}${type === 1 ? ' (relocatable object)' : type === 4 ? ' (core file)' : ''}`);
  }
  const entry = r.u64(24);
  const phoff = r.num(32, 'e_phoff');
  const shoff = r.num(40, 'e_shoff');
  const phentsize = r.u16(54), phnum = r.u16(56);
  const shentsize = r.u16(58), shnum = r.u16(60);

  // program headers
  if (phnum === 0) throw new LoadError('no PT_LOAD segment (no program headers)');
  if (phentsize < PHDR_SIZE) throw new LoadError(`bad e_phentsize ${phentsize} (need at least ${PHDR_SIZE})`);
  r.need(phoff, phentsize * phnum, `program header table (${phnum} entries)`);
  const segments: ElfSegment[] = [];
  let loads = 0;
  for (let k = 0; k < phnum; k++) {
    const p = phoff + k * phentsize;
    if (r.u32(p) !== PT_LOAD) continue;
    loads++;
    const flags = r.u32(p + 4);
    const offset = r.num(p + 8, `PT_LOAD segment ${k}: p_offset`);
    const vaddr = r.u64(p + 16);
    const paddr = r.num(p + 24, `PT_LOAD segment ${k}: p_paddr`);
    const filesz = r.num(p + 32, `PT_LOAD segment ${k}: p_filesz`);
    const memsz = r.num(p + 40, `PT_LOAD segment ${k}: p_memsz`);
    if (filesz > memsz) {
      throw new LoadError(`PT_LOAD segment ${k}: p_filesz ${hex(filesz)} is larger than p_memsz ${hex(memsz)}`);
    }
    if (offset + filesz > r.length) {
      throw new LoadError(`PT_LOAD segment ${k}: file data (offset ${hex(offset)}, ${filesz} bytes) extends past the end of the file (${r.length} bytes)`);
    }
    if (vaddr + BigInt(memsz) > 1n << 64n) throw new LoadError(`PT_LOAD segment ${k}: virtual range wraps around the address space`);
    if (memsz === 0) continue;
    segments.push({ index: k, flags, offset, vaddr, paddr, filesz, memsz, data: bytes.subarray(offset, offset + filesz) });
  }
  if (loads === 0) throw new LoadError('no PT_LOAD segment');
  if (segments.length === 0) throw new LoadError('every PT_LOAD segment is empty (p_memsz 0)');
  // physical ranges must be disjoint (each byte of RAM gets one owner)
  const byPaddr = [...segments].sort((a, b) => a.paddr - b.paddr);
  for (let k = 1; k < byPaddr.length; k++) {
    const a = byPaddr[k - 1], b = byPaddr[k];
    if (b.paddr < a.paddr + a.memsz) {
      const [x, y] = a.index < b.index ? [a, b] : [b, a];
      throw new LoadError(`PT_LOAD segments ${x.index} and ${y.index} overlap in physical memory: ` +
        `[${hex(x.paddr)}, ${hex(x.paddr + x.memsz)}) and [${hex(y.paddr)}, ${hex(y.paddr + y.memsz)})`);
    }
  }

  // section headers: only the symbol table is used
  const symbols: ElfSymbol[] = [];
  if (shoff !== 0 && shnum !== 0) {
    if (shentsize < SHDR_SIZE) throw new LoadError(`bad e_shentsize ${shentsize} (need at least ${SHDR_SIZE})`);
    r.need(shoff, shentsize * shnum, `section header table (${shnum} entries)`);
    for (let k = 0; k < shnum; k++) {
      const s = shoff + k * shentsize;
      if (r.u32(s + 4) !== SHT_SYMTAB) continue;
      readSymbols(r, shoff, shentsize, shnum, k, symbols);
    }
  }
  return { type, entry, segments, symbols: new SymbolTable(symbols) };
}

function readSymbols(r: Reader, shoff: number, shentsize: number, shnum: number, k: number, out: ElfSymbol[]): void {
  const s = shoff + k * shentsize;
  const off = r.num(s + 24, `symbol table (section ${k}): sh_offset`);
  const size = r.num(s + 32, `symbol table (section ${k}): sh_size`);
  const link = r.u32(s + 40);
  r.need(off, size, `symbol table (section ${k})`);
  if (link === 0 || link >= shnum) throw new LoadError(`symbol table (section ${k}): sh_link ${link} is not a section`);
  const t = shoff + link * shentsize;
  if (r.u32(t + 4) !== SHT_STRTAB) throw new LoadError(`symbol table (section ${k}): sh_link ${link} is not a string table`);
  const strOff = r.num(t + 24, `string table (section ${link}): sh_offset`);
  const strSize = r.num(t + 32, `string table (section ${link}): sh_size`);
  r.need(strOff, strSize, `string table (section ${link})`);
  const decoder = new TextDecoder();
  const count = Math.floor(size / SYM_SIZE);
  for (let i = 1; i < count; i++) { // entry 0 is the undefined symbol
    const e = off + i * SYM_SIZE;
    const nameOff = r.u32(e);
    const info = r.u8(e + 4);
    const shndx = r.u16(e + 6);
    const symType = info & 0xf;
    if (shndx === SHN_UNDEF || symType === STT_SECTION || symType === STT_FILE || nameOff === 0) continue;
    if (symType !== STT_NOTYPE && symType !== STT_OBJECT && symType !== STT_FUNC) continue;
    if (nameOff >= strSize) throw new LoadError(`symbol ${i}: name offset ${hex(nameOff)} is past the end of its string table`);
    let end = strOff + nameOff;
    const limit = strOff + strSize;
    while (end < limit && r.bytes[end] !== 0) end++;
    if (end === limit) throw new LoadError(`symbol ${i}: name is not NUL-terminated inside its string table`);
    const name = decoder.decode(r.bytes.subarray(strOff + nameOff, end));
    out.push({ name, value: r.u64(e + 8), size: r.u64(e + 16), type: symType, bind: info >> 4, shndx });
  }
}
