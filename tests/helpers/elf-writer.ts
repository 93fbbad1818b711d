// Writes small ELF64 files for loader tests: well-formed by default, with knobs to break each field
// the loader checks. Layout: header, program headers, segment data, .strtab, .symtab, .shstrtab,
// section headers ([0] null, [1] .symtab, [2] .strtab, [3] .shstrtab).

export interface SegmentSpec {
  vaddr: bigint;
  paddr: number;
  /** PF_X 1, PF_W 2, PF_R 4 */
  flags: number;
  data: Uint8Array | number[];
  /** Default: data length. */
  memsz?: number;
  /** Overrides of the written header fields (to build broken files). */
  filesz?: number;
  offset?: number;
  /** p_type (default PT_LOAD = 1). */
  type?: number;
}

export interface SymbolSpec {
  name: string;
  value: bigint;
  size?: bigint;
  /** STT_* (default FUNC = 2) */
  type?: number;
  /** STB_* (default GLOBAL = 1) */
  bind?: number;
  /** Section index (default 1; 0xfff1 = absolute). */
  shndx?: number;
}

export interface ElfSpec {
  entry: bigint;
  segments: SegmentSpec[];
  symbols?: SymbolSpec[];
  cls?: number;
  data?: number;
  machine?: number;
  type?: number;
  /** Omit the section headers (no symbol table). */
  noSections?: boolean;
}

class Buf {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  len = 0;
  ensure(n: number): void {
    if (n <= this.bytes.length) return;
    const b = new Uint8Array(Math.max(n, this.bytes.length * 2));
    b.set(this.bytes);
    this.bytes = b;
    this.view = new DataView(b.buffer);
  }
  align(a: number): void { this.len = Math.ceil(this.len / a) * a; this.ensure(this.len); }
  put(data: Uint8Array | number[]): number {
    const at = this.len;
    this.ensure(at + data.length);
    this.bytes.set(data, at);
    this.len += data.length;
    return at;
  }
  u8(o: number, v: number): void { this.ensure(o + 1); this.view.setUint8(o, v); }
  u16(o: number, v: number): void { this.ensure(o + 2); this.view.setUint16(o, v, true); }
  u32(o: number, v: number): void { this.ensure(o + 4); this.view.setUint32(o, v >>> 0, true); }
  u64(o: number, v: bigint | number): void { this.ensure(o + 8); this.view.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true); }
}

export function writeElf(spec: ElfSpec): Uint8Array {
  const b = new Buf();
  const phnum = spec.segments.length;
  b.len = 64 + 56 * phnum;
  b.ensure(b.len);
  // segment data
  const offsets = spec.segments.map((s) => {
    b.align(16);
    return b.put(s.data);
  });
  // symbol and string tables
  let shoff = 0;
  const shnum = spec.noSections ? 0 : 4;
  if (!spec.noSections) {
    const strtab: number[] = [0];
    const nameOff = (name: string): number => {
      const at = strtab.length;
      for (const c of Buffer.from(name, 'utf8')) strtab.push(c);
      strtab.push(0);
      return at;
    };
    const syms = spec.symbols ?? [];
    const symEntries = syms.map((s) => ({ s, name: nameOff(s.name) }));
    const strOff = b.put(strtab);
    b.align(8);
    const symOff = b.len;
    b.len += 24 * (symEntries.length + 1);
    b.ensure(b.len);
    symEntries.forEach(({ s, name }, k) => {
      const e = symOff + 24 * (k + 1);
      b.u32(e, name);
      b.u8(e + 4, ((s.bind ?? 1) << 4) | (s.type ?? 2));
      b.u8(e + 5, 0);
      b.u16(e + 6, s.shndx ?? 1);
      b.u64(e + 8, s.value);
      b.u64(e + 16, s.size ?? 0n);
    });
    const shstr = [0, ...Buffer.from('.symtab\0.strtab\0.shstrtab\0', 'utf8')];
    const shstrOff = b.put(shstr);
    b.align(8);
    shoff = b.len;
    b.len += 64 * shnum;
    b.ensure(b.len);
    const sh = (k: number, name: number, type: number, off: number, size: number, link: number, entsize: number): void => {
      const o = shoff + 64 * k;
      b.u32(o, name); b.u32(o + 4, type); b.u64(o + 8, 0); b.u64(o + 16, 0); b.u64(o + 24, off); b.u64(o + 32, size);
      b.u32(o + 40, link); b.u32(o + 44, 1); b.u64(o + 48, 8); b.u64(o + 56, entsize);
    };
    sh(1, 1, 2, symOff, 24 * (symEntries.length + 1), 2, 24);
    sh(2, 9, 3, strOff, strtab.length, 0, 0);
    sh(3, 17, 3, shstrOff, shstr.length, 0, 0);
  }
  // file header
  b.put([]);
  b.bytes.set([0x7f, 0x45, 0x4c, 0x46, spec.cls ?? 2, spec.data ?? 1, 1, 0], 0);
  b.u16(16, spec.type ?? 2);
  b.u16(18, spec.machine ?? 62);
  b.u32(20, 1);
  b.u64(24, spec.entry);
  b.u64(32, 64);
  b.u64(40, shoff);
  b.u32(48, 0);
  b.u16(52, 64);
  b.u16(54, 56);
  b.u16(56, phnum);
  b.u16(58, 64);
  b.u16(60, shnum);
  b.u16(62, shnum === 0 ? 0 : 3);
  spec.segments.forEach((s, k) => {
    const o = 64 + 56 * k;
    b.u32(o, s.type ?? 1);
    b.u32(o + 4, s.flags);
    b.u64(o + 8, s.offset ?? offsets[k]);
    b.u64(o + 16, s.vaddr);
    b.u64(o + 24, s.paddr);
    b.u64(o + 32, s.filesz ?? s.data.length);
    b.u64(o + 40, s.memsz ?? s.data.length);
    b.u64(o + 48, 0x1000);
  });
  return b.bytes.slice(0, b.len);
}

/** `jmp $` (EB FE): the smallest image that runs forever. */
export const SPIN = [0xeb, 0xfe];

/** A well-formed image: code at 1 MiB (r-x) and data at 1 MiB + 8 KiB (rw-, with bss). */
export function sampleElf(over: Partial<ElfSpec> = {}): Uint8Array {
  return writeElf({
    entry: 0x100000n,
    segments: [
      { vaddr: 0x100000n, paddr: 0x100000, flags: 5, data: SPIN },
      { vaddr: 0x102000n, paddr: 0x102000, flags: 6, data: [1, 2, 3, 4], memsz: 0x3000 },
    ],
    symbols: [
      { name: '_start', value: 0x100000n, size: 2n },
      { name: 'data_start', value: 0x102000n, size: 0n, type: 0 },
    ],
    ...over,
  });
}
