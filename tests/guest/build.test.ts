// Builds the guest kernel from a clean copy of guest/ (`make -C <copy>/guest`, all four variants) and
// checks the images: sections, symbols, the __bug_table entries (decoded here, including the
// tlbflush.h:460 warning of every variant), where each variant calls __flush_tlb_all(), the absence of
// SSE/x87 code, and the tlbemu_abi block against the ELF symbols (guest/ABI.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VARIANTS = ['v4.19', 'v1', 'v2', 'upstream'] as const;
type Variant = (typeof VARIANTS)[number];
const START_KERNEL_MAP = 0xffffffff80000000n;
const KERNEL_TEXT = 0xffffffff81000000n;

// ---------------------------------------------------------------- a small ELF64 reader

interface Section { name: string; type: number; flags: bigint; addr: bigint; offset: number; size: number; link: number }
interface Segment { type: number; flags: number; offset: number; vaddr: bigint; paddr: bigint; filesz: number; memsz: number }
interface Sym { name: string; value: bigint; size: number; type: number; bind: number; shndx: number }

class Elf {
  readonly sections: Section[] = [];
  readonly segments: Segment[] = [];
  readonly symbols: Sym[] = [];
  readonly entry: bigint;
  readonly machine: number;
  readonly fileType: number;

  constructor(readonly data: Buffer) {
    expect(data.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(data[4]).toBe(2); // ELFCLASS64
    expect(data[5]).toBe(1); // little-endian
    this.fileType = data.readUInt16LE(16);
    this.machine = data.readUInt16LE(18);
    this.entry = data.readBigUInt64LE(24);
    const phoff = Number(data.readBigUInt64LE(32));
    const shoff = Number(data.readBigUInt64LE(40));
    const phentsize = data.readUInt16LE(54), phnum = data.readUInt16LE(56);
    const shentsize = data.readUInt16LE(58), shnum = data.readUInt16LE(60), shstrndx = data.readUInt16LE(62);
    for (let k = 0; k < phnum; k++) {
      const o = phoff + k * phentsize;
      this.segments.push({
        type: data.readUInt32LE(o), flags: data.readUInt32LE(o + 4), offset: Number(data.readBigUInt64LE(o + 8)),
        vaddr: data.readBigUInt64LE(o + 16), paddr: data.readBigUInt64LE(o + 24),
        filesz: Number(data.readBigUInt64LE(o + 32)), memsz: Number(data.readBigUInt64LE(o + 40)),
      });
    }
    const raw: (Section & { nameOff: number })[] = [];
    for (let k = 0; k < shnum; k++) {
      const o = shoff + k * shentsize;
      raw.push({
        nameOff: data.readUInt32LE(o), name: '', type: data.readUInt32LE(o + 4), flags: data.readBigUInt64LE(o + 8),
        addr: data.readBigUInt64LE(o + 16), offset: Number(data.readBigUInt64LE(o + 24)),
        size: Number(data.readBigUInt64LE(o + 32)), link: data.readUInt32LE(o + 40),
      });
    }
    const shstr = raw[shstrndx];
    for (const s of raw) {
      s.name = this.cstring(shstr.offset + s.nameOff);
      this.sections.push(s);
    }
    const symtab = this.section('.symtab');
    const strtab = this.sections[symtab.link];
    for (let o = symtab.offset; o < symtab.offset + symtab.size; o += 24) {
      const info = data[o + 4];
      this.symbols.push({
        name: this.cstring(strtab.offset + data.readUInt32LE(o)), type: info & 0xf, bind: info >> 4,
        shndx: data.readUInt16LE(o + 6), value: data.readBigUInt64LE(o + 8), size: Number(data.readBigUInt64LE(o + 16)),
      });
    }
  }

  private cstring(off: number): string {
    const end = this.data.indexOf(0, off);
    return this.data.subarray(off, end).toString('latin1');
  }

  section(name: string): Section {
    const s = this.sections.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no section ${name}`);
    return s;
  }

  syms(name: string): Sym[] {
    return this.symbols.filter((s) => s.name === name);
  }

  sym(name: string): Sym {
    const all = this.syms(name);
    if (all.length !== 1) throw new Error(`${name}: ${all.length} symbols`);
    return all[0];
  }

  /** Bytes at a virtual address, from a section that has file contents. */
  bytes(va: bigint, n: number): Buffer {
    for (const s of this.sections) {
      if (s.type === 8 /* NOBITS */ || s.addr === 0n) continue;
      if (va >= s.addr && va + BigInt(n) <= s.addr + BigInt(s.size)) {
        const o = s.offset + Number(va - s.addr);
        return this.data.subarray(o, o + n);
      }
    }
    throw new Error(`0x${va.toString(16)}: not in the file`);
  }

  cstringAt(va: bigint): string {
    const b = this.bytes(va, 1);
    return this.cstring(b.byteOffset - this.data.byteOffset);
  }

  /** The function symbol whose [value, value + size) holds va. */
  functionAt(va: bigint): Sym | undefined {
    return this.symbols.find((s) => s.type === 2 && va >= s.value && va < s.value + BigInt(s.size));
  }
}

interface BugEntry { addr: bigint; file: string; line: number; flags: number; fn: string | undefined }

function bugTable(elf: Elf): BugEntry[] {
  const s = elf.section('__bug_table');
  expect(s.size % 12).toBe(0);
  const out: BugEntry[] = [];
  for (let k = 0; k < s.size; k += 12) {
    const entry = s.addr + BigInt(k);
    const b = elf.bytes(entry, 12);
    // both displacements count from the start of the entry (Linux 4.19 relative pointers)
    const addr = entry + BigInt(b.readInt32LE(0));
    const file = elf.cstringAt(entry + BigInt(b.readInt32LE(4)));
    out.push({ addr, file, line: b.readUInt16LE(8), flags: b.readUInt16LE(10), fn: elf.functionAt(addr)?.name });
  }
  return out;
}

/** objdump -d, split per function: name -> instruction lines. */
function disassemble(path: string): Map<string, string[]> {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', path], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const fns = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (head) {
      cur = [];
      const name = head[1];
      fns.set(fns.has(name) ? `${name}#${fns.size}` : name, cur);
      continue;
    }
    if (cur && /^\s*[0-9a-f]+:\t/.test(line)) cur.push(line);
  }
  return fns;
}

function callsTo(lines: string[] | undefined, target: string): number {
  return (lines ?? []).filter((l) => new RegExp(`\\tcall\\s+[0-9a-f]+ <${target.replace(/[.]/g, '\\.')}>$`).test(l)).length;
}

// ---------------------------------------------------------------- the build

let work = '';
let guest = '';
const images = new Map<Variant, Elf>();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tlbemu-guest-'));
  guest = join(work, 'guest');
  const src = join(ROOT, 'guest');
  cpSync(src, guest, { recursive: true, filter: (p) => !relative(src, p).split(/[\\/]/).includes('build') });
  expect(existsSync(join(guest, 'build'))).toBe(false);
  // the PVH entry every image links in (guest/Makefile: ../boot/pvh/pvh-entry.S)
  cpSync(join(ROOT, 'boot', 'pvh'), join(work, 'boot', 'pvh'), { recursive: true });
  execFileSync('make', ['-C', guest, `-j${Math.max(1, cpus().length)}`], { stdio: 'pipe', maxBuffer: 64 << 20 });
  for (const v of VARIANTS) images.set(v, new Elf(readFileSync(join(guest, 'build', `tlbemu-kernel-${v}.elf`))));
}, 1_800_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const CHAIN = [
  'pmem_attach_disk', 'nd_pmem_probe', 'nd_pmem_remove', 'devm_memremap_pages', 'arch_add_memory', 'add_pages',
  'init_memory_mapping', 'split_mem_range', 'probe_page_size_mask', 'kernel_physical_mapping_init', 'phys_p4d_init',
  'phys_pud_init', 'phys_pmd_init', 'phys_pte_init', 'sync_global_pgds', 'alloc_low_pages', 'arch_remove_memory',
  'kernel_physical_mapping_remove', 'remove_pagetable', 'remove_p4d_table', 'remove_pud_table', 'remove_pmd_table',
  'remove_pte_table', 'flush_tlb_all', 'do_flush_tlb_all', 'on_each_cpu', 'early_set_memory_enc_dec',
  'init_mem_mapping', 'startup_64', 'x86_64_start_kernel', 'start_kernel', 'do_trap_entry', 'report_bug',
];

describe('guest kernel build (make -C guest from a clean tree)', () => {
  it('produces one ELF and one link map per variant', () => {
    for (const v of VARIANTS) {
      expect(existsSync(join(guest, 'build', `tlbemu-kernel-${v}.elf`))).toBe(true);
      const map = readFileSync(join(guest, 'build', `tlbemu-kernel-${v}.map`), 'utf8');
      expect(map).toMatch(/\.text\s+0xffffffff81000000/);
      expect(map).toContain('kernel_physical_mapping_init');
    }
  });

  it.each(VARIANTS)('%s: x86-64 executable entered at startup_64, loaded at physical 16 MiB', (v) => {
    const elf = images.get(v)!;
    expect(elf.fileType).toBe(2); // ET_EXEC
    expect(elf.machine).toBe(62); // EM_X86_64
    expect(elf.entry).toBe(KERNEL_TEXT);
    expect(elf.sym('startup_64').value).toBe(KERNEL_TEXT);
    const loads = elf.segments.filter((p) => p.type === 1);
    expect(loads.length).toBe(3);
    expect(loads[0].vaddr).toBe(KERNEL_TEXT);
    expect(loads[0].paddr).toBe(0x1000000n);
    expect(loads[0].flags).toBe(5); // R X
    for (const p of loads) {
      expect(p.paddr).toBe(p.vaddr - START_KERNEL_MAP);
      expect(p.offset % 4096).toBe(Number(p.vaddr % 4096n));
      expect(p.memsz).toBeGreaterThanOrEqual(p.filesz);
    }
    expect(elf.segments.some((p) => p.type === 1 && (p.flags & 1) !== 0 && (p.flags & 2) !== 0)).toBe(false); // no W+X
    // the PVH entry's .note.Xen (XEN_ELFNOTE_PHYS32_ENTRY = physical pvh_start32) in a PT_NOTE inside the rodata PT_LOAD
    const notes = elf.segments.filter((p) => p.type === 4);
    expect(notes.length).toBe(1);
    expect(notes[0].vaddr).toBe(elf.section('.note.Xen').addr);
    expect(notes[0].vaddr >= loads[1].vaddr && notes[0].vaddr + BigInt(notes[0].filesz) <= loads[1].vaddr + BigInt(loads[1].filesz)).toBe(true);
    const desc = elf.bytes(notes[0].vaddr, 24);
    expect([desc.readUInt32LE(0), desc.readUInt32LE(4), desc.readUInt32LE(8)]).toEqual([4, 8, 18]);
    expect(desc.readBigUInt64LE(16)).toBe(elf.sym('pvh_start32').value - START_KERNEL_MAP);
  });

  it.each(VARIANTS)('%s: has __bug_table, __ex_table, .tlbemu_abi and a zero-based NOBITS .data..percpu', (v) => {
    const elf = images.get(v)!;
    const names = elf.sections.map((s) => s.name);
    for (const n of ['.text', '.rodata', '.data', '.bss', '__bug_table', '__ex_table', '.tlbemu_abi', '.kallsyms']) {
      expect(names).toContain(n);
    }
    expect((elf.section('__bug_table').flags & 1n) !== 0n).toBe(true); // SHF_WRITE: BUGFLAG_DONE is set at run time
    const percpu = elf.section('.data..percpu');
    expect(percpu.type).toBe(8); // NOBITS
    expect(percpu.addr).toBe(0n);
    expect(percpu.size).toBeGreaterThan(0);
    expect(percpu.size).toBeLessThanOrEqual(16384);
  });

  it.each(VARIANTS)('%s: every function of the hot-add and teardown chain is a symbol of its own', (v) => {
    const elf = images.get(v)!;
    for (const name of CHAIN) {
      const s = elf.syms(name).filter((x) => x.type === 2);
      expect(s.length, name).toBe(1);
      expect(s[0].size, name).toBeGreaterThan(0);
    }
    // static in Linux -> local symbols here too
    for (const name of ['phys_pud_init', 'phys_pmd_init', 'phys_pte_init', 'phys_p4d_init', 'remove_pagetable']) {
      expect(elf.sym(name).bind, name).toBe(0); // STB_LOCAL
    }
    for (const name of ['kernel_physical_mapping_init', 'init_memory_mapping', 'arch_add_memory', 'flush_tlb_all']) {
      expect(elf.sym(name).bind, name).toBe(1); // STB_GLOBAL
    }
    const flushCopies = elf.syms('__flush_tlb_all').filter((x) => x.type === 2);
    expect(flushCopies.length).toBeGreaterThanOrEqual(3);
    for (const c of flushCopies) expect(c.bind).toBe(0);
    const upstreamOnly = ['kernel_physical_mapping_change', '__kernel_physical_mapping_init'];
    for (const name of upstreamOnly) expect(elf.syms(name).length, name).toBe(v === 'upstream' ? 1 : 0);
    for (const name of ['__preempt_count', 'current_task', 'cpu_number', 'cpu_tlbstate', 'this_cpu_off']) {
      expect(elf.sym(name).shndx, name).toBe(elf.sections.indexOf(elf.section('.data..percpu')));
    }
  });

  it.each(VARIANTS)('%s: __bug_table holds the tlbflush.h:460 warning inside each __flush_tlb_all copy', (v) => {
    const elf = images.get(v)!;
    const bugs = bugTable(elf);
    for (const b of bugs) {
      expect(elf.bytes(b.addr, 2).equals(Buffer.from([0x0f, 0x0b])), `${b.file}:${b.line}`).toBe(true);
      expect(b.fn, `${b.file}:${b.line}`).toBeDefined();
    }
    const at460 = bugs.filter((b) => b.file === './arch/x86/include/asm/tlbflush.h' && b.line === 460);
    const copies = elf.syms('__flush_tlb_all').filter((x) => x.type === 2);
    expect(at460.length).toBe(copies.length);
    for (const b of at460) {
      expect(b.fn).toBe('__flush_tlb_all');
      expect(b.flags & 0x7).toBe(0x3); // BUGFLAG_WARNING | BUGFLAG_ONCE, not yet DONE
      expect(b.flags >> 8).toBe(9); // TAINT_WARN
    }
    // kbuild-style relative file names only
    for (const b of bugs) expect(b.file).toMatch(/^(\.\/)?(arch|include|kernel|mm|lib|drivers|init|tlbemu)\//);
  });

  it.each(VARIANTS)('%s: the safe-store checks exist exactly in the series variants', (v) => {
    const bugs = bugTable(images.get(v)!);
    const pgalloc87 = bugs.filter((b) => b.file === './arch/x86/include/asm/pgalloc.h' && b.line === 87);
    if (v === 'v4.19') {
      expect(bugs.some((b) => b.file.endsWith('asm/pgalloc.h'))).toBe(false);
      expect(bugs.some((b) => b.fn !== undefined && /^phys_p(te|md|ud|4d)_init$/.test(b.fn))).toBe(false);
    } else {
      expect(pgalloc87.length).toBeGreaterThanOrEqual(1);
      for (const b of pgalloc87) expect(b.fn).toBe('phys_pmd_init');
      for (const fn of ['phys_pte_init', 'phys_pmd_init', 'phys_pud_init']) {
        expect(bugs.some((b) => b.fn === fn && (b.flags & 3) === 3), fn).toBe(true);
      }
    }
  });

  it.each(VARIANTS)('%s: __flush_tlb_all() is called from the mapping code exactly where the variant has it', (v) => {
    const fns = disassemble(join(guest, 'build', `tlbemu-kernel-${v}.elf`));
    const calls = (fn: string) => callsTo(fns.get(fn), '__flush_tlb_all');
    const kpmi = v === 'upstream' ? '__kernel_physical_mapping_init' : 'kernel_physical_mapping_init';
    if (v === 'v4.19') {
      // 4.19: in phys_p4d_init and phys_pud_init (after an existing lower table, after the loop) and at
      // the end of kernel_physical_mapping_init; none in phys_pmd_init / phys_pte_init
      expect(calls('phys_pud_init')).toBe(2);
      expect(calls('phys_p4d_init')).toBe(2);
      expect(calls(kpmi)).toBe(1);
    } else {
      expect(calls('phys_pud_init')).toBe(0);
      expect(calls('phys_p4d_init')).toBe(0);
      expect(calls(kpmi)).toBe(0);
    }
    expect(calls('phys_pmd_init')).toBe(0);
    expect(calls('phys_pte_init')).toBe(0);
    // teardown always flushes all CPUs
    expect(fns.get('flush_tlb_all')!.filter((l) => /\t(call|jmp)\s+[0-9a-f]+ <on_each_cpu>$/.test(l)).length).toBe(1);
    // the hot-add chain calls, not tail-jumps, so that every frame is on the stack
    expect(callsTo(fns.get('init_memory_mapping'), 'kernel_physical_mapping_init')).toBe(1);
    expect(callsTo(fns.get('arch_add_memory'), 'init_memory_mapping')).toBe(1);
    expect(callsTo(fns.get('devm_memremap_pages'), 'arch_add_memory')).toBe(1);
    expect(callsTo(fns.get('pmem_attach_disk'), 'devm_memremap_pages')).toBe(1);
    // every __flush_tlb_all copy builds its frame first (the host unwinds from RBP at the ud2)
    for (const [name, lines] of fns) {
      if (!name.startsWith('__flush_tlb_all')) continue;
      expect(lines[0]).toMatch(/\tpush\s+%rbp$/);
      expect(lines[1]).toMatch(/\tmov\s+%rsp,%rbp$/);
    }
  });

  it.each(VARIANTS)('%s: contains no SSE, AVX, MMX or x87 instruction', (v) => {
    const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', join(guest, 'build', `tlbemu-kernel-${v}.elf`)], {
      encoding: 'utf8', maxBuffer: 256 << 20,
    });
    const insns = text.split('\n').filter((l) => /^\s*[0-9a-f]+:\t/.test(l));
    expect(insns.length).toBeGreaterThan(1000);
    const bad = insns.filter((l) => /%[xyz]mm\d|%mm\d|%st\b|%st\(/.test(l) ||
      /:\t(f[a-z0-9]+|emms|movap[sd]|movup[sd]|movdq[au]|pxor|cvt\w+|ldmxcsr|stmxcsr|fxsave\w*|fxrstor\w*|xsave\w*|xrstor\w*)\s/.test(l));
    expect(bad).toEqual([]);
  });

  it.each(VARIANTS)('%s: the tlbemu_abi block agrees with the ELF symbols', (v) => {
    const elf = images.get(v)!;
    const abi = elf.sym('tlbemu_abi');
    expect(elf.sections[abi.shndx].name).toBe('.tlbemu_abi');
    expect(abi.bind).toBe(1);
    expect(abi.size).toBe(776);
    const b = elf.bytes(abi.value, abi.size);
    const u32 = (o: number) => b.readUInt32LE(o);
    const u64 = (o: number) => b.readBigUInt64LE(o);
    const str = (o: number, n: number) => b.subarray(o, o + n).toString('latin1').replace(/\0+$/, '');
    expect(u64(0)).toBe(0x4942414d45424c54n);
    expect(u32(8)).toBe(1);
    expect(u32(12)).toBe(776);
    expect(u32(16)).toBe(64);
    expect(u32(20)).toBe(0); // nr_cpus: runtime
    expect(u32(24)).toBe(0); // state: booting
    expect(u64(32)).toBe(elf.sym('percpu_areas').value);
    expect(u64(40)).toBe(16384n);
    expect(u64(48)).toBe(elf.sym('__per_cpu_offset').value);
    expect(u64(56)).toBe(elf.sym('__preempt_count').value);
    expect(u64(64)).toBe(elf.sym('current_task').value);
    expect(u64(72)).toBe(elf.sym('cpu_number').value);
    expect(u64(80)).toBe(elf.sym('this_cpu_off').value);
    expect(u64(88)).toBe(elf.sym('cpu_tlbstate').value);
    expect(u64(96)).toBe(elf.sym('cpu_tlbstate').value + 16n);
    expect(u64(104)).toBe(elf.sym('tlb_events').value);
    expect(u32(112)).toBe(0x80000000);
    expect(u32(116)).toBe(6);
    expect([u32(120), u32(124), u32(128), u32(132)]).toEqual([16, 20, 16, 36]);
    expect(u64(136)).toBe(elf.sym('page_offset_base').value);
    expect(u64(144)).toBe(elf.sym('__pgtable_l5_enabled').value);
    expect(u64(152)).toBe(elf.sym('init_top_pgt').value);
    expect(u64(160)).toBe(elf.section('__bug_table').addr);
    expect(u64(168)).toBe(elf.section('__bug_table').addr + BigInt(elf.section('__bug_table').size));
    expect(u32(176)).toBe(12);
    const release = { 'v4.19': '4.19.0-tlbemu', v1: '4.19.0-tlbemu-series-v1', v2: '4.19.0-tlbemu-series-v2', upstream: '5.2.0-tlbemu' }[v];
    expect(str(696, 64)).toBe(`${release} #1 SMP`);
    expect(str(760, 16)).toBe(v);
    // page_offset_base starts as the 4-level direct-map base
    expect(elf.bytes(elf.sym('page_offset_base').value, 8).readBigUInt64LE(0)).toBe(0xffff888000000000n);
  });

  it('stops with a one-line error naming a missing tool', () => {
    const bin = join(work, 'bin');
    mkdirSync(bin);
    for (const tool of ['make', 'sh']) {
      const path = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      symlinkSync(path, join(bin, tool));
    }
    const r = spawnSync(join(bin, 'make'), ['-C', guest], { encoding: 'utf8', env: { PATH: bin } });
    expect(r.status).not.toBe(0);
    const errors = r.stderr.split('\n').filter((l) => l.includes('***'));
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/required tool 'gcc' not found/);
  });

  it('make clean removes the build directory', () => {
    execFileSync('make', ['-C', guest, 'clean'], { stdio: 'pipe' });
    expect(existsSync(join(guest, 'build'))).toBe(false);
  });
});
