// MOVS STOS LODS CMPS SCAS with REP/REPE/REPNE: results, DF, 67h, FS/GS source overrides, bulk
// execution (few dispatches per page), exact state after a fault in the middle, restart, unbacked and
// untouched memory, self-modifying copies and per-element reporting of writes to watched frames.
import { describe, expect, it } from 'vitest';
import { reg, setReg, lastException, runToHalt } from '../helpers/test-machine.js';
import { RAX, RCX, RSI, RDI, RSP } from '../../emulator/cpu/state.js';
import { PT_P, PT_RW } from '../../emulator/loader/page-table-builder.js';
import { run, flags, expectFault, expectNoFault, read64, write64, DATA, CF, PF, AF, ZF, SF } from './int-util.js';

function fill(m: { mem: { writeBytes(a: number, b: Uint8Array): void } }, at: number, n: number, f: (k: number) => number): void {
  const b = new Uint8Array(n);
  for (let k = 0; k < n; k++) b[k] = f(k);
  m.mem.writeBytes(at, b);
}

describe('STOS', () => {
  it('rep stosq zeroes pages in a few dispatches', () => {
    const m = run(`mov rdi, ${DATA}\nmov ecx, 2048\nxor eax, eax\nrep stosq`, (m) => fill(m, DATA, 0x5000, () => 0xaa));
    const b = m.mem.readBytes(DATA, 0x5000);
    expect(b.subarray(0, 0x4000).every((x) => x === 0)).toBe(true);
    expect(b.subarray(0x4000).every((x) => x === 0xaa)).toBe(true);
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x4000));
    expect(reg(m, RCX)).toBe(0n);
    // 3 setup instructions + 4 page-sized chunks + hlt
    expect(m.cpu.instructions).toBe(8);
  });
  it('rep stosb with a non-zero byte across a page boundary', () => {
    const m = run(`mov rdi, ${DATA + 0xff0}\nmov ecx, 0x30\nmov al, 0x5a\nrep stosb`);
    const b = m.mem.readBytes(DATA + 0xfe0, 0x60);
    for (let k = 0; k < 0x60; k++) expect(b[k]).toBe(k >= 0x10 && k < 0x40 ? 0x5a : 0);
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x1020));
  });
  it('rep stosd backwards (DF = 1) and rep stosw with a non-uniform value at an odd address', () => {
    const m = run(`std\nmov rdi, ${DATA + 0x100}\nmov ecx, 4\nmov eax, 0x11223344\nrep stosd\ncld
      mov rdi, ${DATA + 0x1001}\nmov ecx, 3\nmov ax, 0xbeef\nrep stosw`);
    for (const off of [0x100, 0xfc, 0xf8, 0xf4]) expect(m.mem.read32(DATA + off)).toBe(0x11223344);
    expect(m.mem.read32(DATA + 0xf0)).toBe(0);
    expect(m.mem.read32(DATA + 0x104)).toBe(0);
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x1001 + 6));
    expect(Array.from(m.mem.readBytes(DATA + 0x1000, 8))).toEqual([0, 0xef, 0xbe, 0xef, 0xbe, 0xef, 0xbe, 0]);
  });
  it('stos without REP stores one element; with RCX = 0 nothing happens', () => {
    const m = run(`mov rdi, ${DATA}\nmov rax, 0x0102030405060708\nstosq\nmov rdi, ${DATA + 0x10}\nxor ecx, ecx\nrep stosq`);
    expect(read64(m, DATA)).toBe(0x0102030405060708n);
    expect(read64(m, DATA + 0x10)).toBe(0n);
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x10));
  });
  it('67h uses EDI and ECX and writes them zero-extended', () => {
    const m = run('.byte 0x67, 0xf3, 0xaa', (m) => {
      setReg(m, RDI, 0x1_00000000n + BigInt(DATA)); setReg(m, RCX, 0xffffffff_00000004n); setReg(m, RAX, 0x77n);
    });
    expectNoFault(m);
    expect(m.mem.read32(DATA) >>> 0).toBe(0x77777777);
    expect(reg(m, RDI)).toBe(BigInt(DATA + 4));
    expect(reg(m, RCX)).toBe(0n);
  });
});

describe('MOVS', () => {
  it('rep movsb across pages with different source and destination offsets', () => {
    const n = 0x1800;
    const m = run(`mov rsi, ${DATA + 0x10}\nmov rdi, ${DATA + 0x2ff8}\nmov ecx, ${n}\nrep movsb`,
      (m) => fill(m, DATA + 0x10, n, (k) => (k * 7 + 3) & 0xff));
    const b = m.mem.readBytes(DATA + 0x2ff8, n);
    for (let k = 0; k < n; k++) if (b[k] !== ((k * 7 + 3) & 0xff)) throw new Error(`byte ${k}`);
    expect(reg(m, RSI)).toBe(BigInt(DATA + 0x10 + n));
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x2ff8 + n));
    expect(reg(m, RCX)).toBe(0n);
    // chunks end where either side reaches a page end: 8, 0xfe8, 0x18 and 0x7f8 bytes
    expect(m.cpu.instructions).toBe(3 + 4 + 1);
  });
  it('rep movsq and rep movsd', () => {
    const m = run(`mov rsi, ${DATA}\nmov rdi, ${DATA + 0x4000}\nmov ecx, 512\nrep movsq
      mov rsi, ${DATA}\nmov rdi, ${DATA + 0x6002}\nmov ecx, 5\nrep movsd`, (m) => fill(m, DATA, 0x1000, (k) => k ^ (k >> 8)));
    expect(Array.from(m.mem.readBytes(DATA + 0x4000, 0x1000))).toEqual(Array.from(m.mem.readBytes(DATA, 0x1000)));
    expect(Array.from(m.mem.readBytes(DATA + 0x6002, 20))).toEqual(Array.from(m.mem.readBytes(DATA, 20)));
    expect(m.mem.read32(DATA + 0x6016)).toBe(0);
  });
  it('overlapping forward copy replicates the first byte (element order is kept)', () => {
    const m = run(`mov rsi, ${DATA}\nmov rdi, ${DATA + 1}\nmov ecx, 8\nrep movsb`, (m) => fill(m, DATA, 9, (k) => 0x41 + k));
    expect(Array.from(m.mem.readBytes(DATA, 10))).toEqual([0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0]);
  });
  it('overlapping backward copy (std: memmove) shifts the bytes up', () => {
    const m = run(`std\nmov rsi, ${DATA + 7}\nmov rdi, ${DATA + 8}\nmov ecx, 8\nrep movsb\ncld`, (m) => fill(m, DATA, 9, (k) => 0x41 + k));
    expect(Array.from(m.mem.readBytes(DATA, 9))).toEqual([0x41, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]);
    expect(reg(m, RSI)).toBe(BigInt(DATA - 1));
    expect(reg(m, RDI)).toBe(BigInt(DATA));
  });
  it('overlapping qwords within one element distance', () => {
    // dst = src + 4 with 8-byte elements: each element is read in full before it is written
    const m = run(`mov rsi, ${DATA}\nmov rdi, ${DATA + 4}\nmov ecx, 2\nrep movsq`, (m) => fill(m, DATA, 16, (k) => k + 1));
    // element 0: [1..8] -> DATA+4; element 1 reads DATA+8..15 = [5,6,7,8,13,14,15,16]... after the
    // first write DATA+8..11 holds 5,6,7,8 -> element 1 = [5,6,7,8,13,14,15,16] written at DATA+12
    expect(Array.from(m.mem.readBytes(DATA, 20))).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 13, 14, 15, 16]);
  });
  it('an FS/GS override applies to the source, never to the destination', () => {
    const m = run(`mov rsi, 0x10\nmov rdi, ${DATA + 0x200}\nmov ecx, 4\n.byte 0x64, 0xf3, 0xa4
      mov rsi, 0x20\n.byte 0x65, 0x48, 0xa5`, (m) => {
      m.cpu.fsBaseLo = DATA; m.cpu.gsBaseLo = DATA;
      m.mem.write32(DATA + 0x10, 0x44332211); write64(m, DATA + 0x20, 0x8877665544332211n);
    });
    expect(m.mem.read32(DATA + 0x200)).toBe(0x44332211);
    expect(read64(m, DATA + 0x204)).toBe(0x8877665544332211n);
    expect(reg(m, RSI)).toBe(0x28n);
  });
  it('single movsw / movsq advance by the element size', () => {
    const m = run(`mov rsi, ${DATA}\nmov rdi, ${DATA + 0x10}\nmovsw\nmovsq`, (m) => fill(m, DATA, 10, (k) => k + 1));
    expect(Array.from(m.mem.readBytes(DATA + 0x10, 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(reg(m, RSI)).toBe(BigInt(DATA + 10));
  });
  it('unbacked memory reads all-ones and drops writes; untouched RAM reads zero', () => {
    // the test machine maps 1 GiB but has 64 MiB of RAM: 0x8000000 is unbacked
    const m = run(`mov rsi, 0x8000000\nmov rdi, ${DATA}\nmov ecx, 16\nrep movsb
      mov rsi, 0x2000000\nmov ecx, 8\nrep movsb
      mov rdi, 0x8001000\nmov ecx, 4\nmov al, 0x12\nrep stosb
      mov rsi, 0x8001000\nlodsb`);
    expect(Array.from(m.mem.readBytes(DATA, 24))).toEqual([...Array(16).fill(0xff), ...Array(8).fill(0)]);
    expect(reg(m, RAX) & 0xffn).toBe(0xffn);
  });
  it('a copy over the code that follows it executes the new instruction', () => {
    const m = run(`
      lea rsi, [rip + src]
      lea rdi, [rip + target]
      mov ecx, 5
      rep movsb
    target:
      mov eax, 0
      hlt
    src:
      mov eax, 1
    `);
    expect(reg(m, RAX)).toBe(1n);
  });
});

describe('LODS / SCAS / CMPS', () => {
  it('lods sizes and rep lods keeps the last element', () => {
    const m = run(`mov rsi, ${DATA}\nmov rax, -1\nlodsb\nmov rdx, rax\nlodsd\nmov rbx, rax\nmov ecx, 3\nrep lodsw`,
      (m) => fill(m, DATA, 16, (k) => 0x10 + k));
    expect(reg(m, 2)).toBe(0xffffffffffffff10n); // lodsb writes AL only
    expect(reg(m, 3)).toBe(0x14131211n); // lodsd zero-extends
    expect(reg(m, RAX) & 0xffffn).toBe(0x1a19n);
    expect(reg(m, RSI)).toBe(BigInt(DATA + 11));
  });
  it('repne scasb finds a NUL (strlen)', () => {
    const m = run(`mov rdi, ${DATA + 0xff8}\nxor eax, eax\nmov rcx, -1\nrepne scasb`,
      (m) => fill(m, DATA + 0xff8, 20, (k) => (k === 13 ? 0 : 0x61)));
    // 14 iterations (13 letters and the NUL): RCX = -1 - 14, RDI past the NUL
    expect(reg(m, RCX)).toBe(BigInt.asUintN(64, -15n));
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0xff8 + 14));
    expect(flags(m, ZF)).toBe(ZF);
  });
  it('repe cmpsb stops at the first difference with the flags of that comparison', () => {
    const m = run(`mov rsi, ${DATA}\nmov rdi, ${DATA + 0x1ffd}\nmov ecx, 10\nrepe cmpsb`, (m) => {
      fill(m, DATA, 10, (k) => 0x61 + k);
      fill(m, DATA + 0x1ffd, 10, (k) => (k === 5 ? 0x70 : 0x61 + k));
    });
    // 6 comparisons; the last is 'f' (0x66) - 'p' (0x70) = 0xf6: borrow, negative, nibble 6-0 no
    // borrow, 0xf6 has 6 bits (PF)
    expect(reg(m, RCX)).toBe(4n);
    expect(reg(m, RSI)).toBe(BigInt(DATA + 6));
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x1ffd + 6));
    expect(flags(m)).toBe(CF | SF | PF);
  });
  it('repe cmpsq over equal buffers runs to RCX = 0 with ZF = 1', () => {
    const m = run(`mov rsi, ${DATA}\nmov rdi, ${DATA + 0x3000}\nmov ecx, 600\nrepe cmpsq`, (m) => {
      fill(m, DATA, 4800, (k) => k & 0xff); fill(m, DATA + 0x3000, 4800, (k) => k & 0xff);
    });
    expect(reg(m, RCX)).toBe(0n);
    expect(flags(m)).toBe(ZF | PF);
  });
  it('scas/cmps without REP compare once; REP with RCX = 0 leaves the flags', () => {
    const m = run(`mov rdi, ${DATA}\nmov eax, 0x100\nscasd`, (m) => m.mem.write32(DATA, 0x101));
    // 0x100 - 0x101 = -1
    expect(flags(m)).toBe(CF | SF | AF | PF);
    expect(reg(m, RDI)).toBe(BigInt(DATA + 4));
    const z = run(`mov eax, 1\ncmp eax, 1\nmov rdi, ${DATA}\nxor ecx, ecx\nmov eax, 5\nrepne scasb`);
    expect(flags(z)).toBe(ZF | PF);
    expect(reg(z, RDI)).toBe(BigInt(DATA));
  });
  it('repne scasq backwards', () => {
    const m = run(`std\nmov rdi, ${DATA + 0x38}\nmov rax, 0x42\nmov ecx, 8\nrepne scasq\ncld`, (m) => write64(m, DATA + 0x10, 0x42n));
    // elements at 0x38, 0x30, ..., 0x10: 6 iterations
    expect(reg(m, RCX)).toBe(2n);
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x08));
  });
});

describe('faults in the middle of a REP string instruction', () => {
  const VA = 0x40000000;
  it('rep stosq: registers reflect the completed iterations, RIP the instruction', () => {
    const m = run(`mov rdi, ${VA + 0xff0}\nmov ecx, 8\nmov rax, -1\nrep stosq`, (m) => {
      m.pt.map(BigInt(VA), DATA, 1, PT_P | PT_RW); // the next page stays unmapped
    });
    // two qwords fit before 0x40001000; the third faults (not present, write)
    expectFault(m, 14, `mov rdi, ${VA + 0xff0}\nmov ecx, 8\nmov rax, -1`, 2n);
    expect(lastException(m).cr2).toBe(BigInt(VA + 0x1000));
    expect(reg(m, RCX)).toBe(6n);
    expect(reg(m, RDI)).toBe(BigInt(VA + 0x1000));
    expect(read64(m, DATA + 0xff0)).toBe(0xffffffffffffffffn);
    expect(read64(m, DATA + 0xff8)).toBe(0xffffffffffffffffn);
  });
  it('rep movsb with a faulting source page, then restarts once the page is mapped', () => {
    const m = run(`mov rsi, ${VA + 0xffc}\nmov rdi, ${DATA + 0x800}\nmov ecx, 10\nrep movsb\nmov ebx, 1`, (m) => {
      m.pt.map(BigInt(VA), DATA, 1, PT_P | PT_RW);
      fill(m, DATA + 0xffc, 4, (k) => 0xa0 + k);
      fill(m, DATA + 0x1000, 6, (k) => 0xb0 + k);
      setReg(m, 3, 0n);
    });
    const prefix = `mov rsi, ${VA + 0xffc}\nmov rdi, ${DATA + 0x800}\nmov ecx, 10`;
    expectFault(m, 14, prefix, 0n); // not present, read
    expect(reg(m, RCX)).toBe(6n);
    expect(reg(m, RSI)).toBe(BigInt(VA + 0x1000));
    expect(reg(m, RDI)).toBe(BigInt(DATA + 0x804));
    // map the missing page and resume at the faulting RIP, as a page-fault handler would
    m.pt.map(BigInt(VA + 0x1000), DATA + 0x1000, 1, PT_P | PT_RW);
    const e = lastException(m);
    m.cpu.ripLo = Number(e.rip); m.cpu.ripHi = 0;
    setReg(m, RSP, e.rsp);
    m.cpu.halted = false;
    runToHalt(m);
    expect(reg(m, RCX)).toBe(0n);
    expect(reg(m, 3)).toBe(1n);
    expect(Array.from(m.mem.readBytes(DATA + 0x800, 10))).toEqual([0xa0, 0xa1, 0xa2, 0xa3, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5]);
  });
  it('a non-canonical destination is #GP(0) before any iteration', () => {
    const m = run('mov rdi, 0x0000800000000000\nmov ecx, 4\nrep stosb');
    expectFault(m, 13, 'mov rdi, 0x0000800000000000\nmov ecx, 4', 0n);
    expect(reg(m, RCX)).toBe(4n);
  });
});

describe('writes to watched frames', () => {
  it('are reported element by element', () => {
    const seen: string[] = [];
    const m = run(`mov rdi, ${DATA + 0x10}\nmov ecx, 3\nmov rax, 7\nrep stosq\nmov rsi, ${DATA + 0x10}\nmov rdi, ${DATA + 0x40}\nmov ecx, 2\nrep movsd`, (m) => {
      m.mem.watchFrame(DATA >>> 12);
      m.mem.onWatchedWrite = (p, size) => seen.push(`${(p - DATA).toString(16)}/${size}`);
    });
    expect(seen).toEqual(['10/8', '18/8', '20/8', '40/4', '44/4']);
    expect(read64(m, DATA + 0x20)).toBe(7n);
    expect(m.mem.read32(DATA + 0x44)).toBe(0);
  });
});
