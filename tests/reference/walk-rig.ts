// The rig of the page-walk differential test: random paging-structure bits × one access, on our CPU and
// on Unicorn. Unicorn accesses memory at physical = linear after its walk, so every leaf maps its
// linear address to the same physical address (identity) and only the bits vary. The random tables
// live under PML4[1]: linear 0x80_0000_0000 + [0, 4 MiB) is also physical RAM there. Code runs from
// fixed 2 MiB pages: a supervisor one (CPL 0) and a user one (CPL 3).
import { Cpu, TripleFaultReport } from '../../emulator/cpu/cpu.js';
import { PhysicalMemory } from '../../emulator/memory/physical.js';
import { E820_RAM } from '../../emulator/memory/e820.js';
import { CR0_PE, CR0_ET, CR0_NE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_SMAP, CR4_SMEP, EFER_LMA, EFER_LME, EFER_NXE, AC } from '../../emulator/cpu/state.js';
import { LockstepSession, Divergence, formatLockstepReport } from '../../emulator/reference/lockstep.js';
import { Unicorn } from '../../emulator/reference/unicorn.js';
import { Disassembler } from '../../emulator/reference/capstone.js';
import { writeGdt } from '../helpers/test-machine.js';

export const HI = 0x80_0000_0000; // 2^39: PML4 index 1
export const HI_SIZE = 4 << 20;
const PML4 = 0x10000, PDPT0 = 0x11000, PD0 = 0x12000, PDPT_R = 0x20000, PD_R = 0x21000, PT_R = 0x22000; // PT_R..+0x1fff
export const CODE0 = 0x100000, CODE3 = 0x300000;
const FLUSH_STUB = 0x7000;
const TABLE_PAGES = [PML4, PDPT_R, PD_R, PT_R, PT_R + 0x1000];

const P = 1n, RW = 2n, US = 4n, PWT = 8n, PCD = 16n, A = 32n, D = 64n, PS = 128n, G = 256n, XD = 1n << 63n;

/** Random bits of one paging-structure entry, as drawn by the test. */
export interface EntryBits {
  p: boolean; rw: boolean; us: boolean; pwt: boolean; pcd: boolean; a: boolean; d: boolean; g: boolean; xd: boolean;
  /** PS where it is meaningful (PDPTE: a 1 GiB page, reserved without CPUID Page1GB; PDE: 2 MiB). */
  ps: boolean;
  /** 0 none; else the index+1 of a reserved bit to set (physical-address bits 40..51, or 13..20 of a 2 MiB leaf). */
  rsvd: number;
}

export type AccessKind = 'read' | 'write' | 'rmw' | 'fetch';

export interface WalkCase {
  pml4e: EntryBits;
  pdpte: EntryBits;
  pde: [EntryBits, EntryBits];
  pte: [EntryBits, EntryBits];
  offset: number;
  kind: AccessKind;
  size: 1 | 2 | 4 | 8;
  cpl: 0 | 3;
  wp: boolean; nxe: boolean; smep: boolean; smap: boolean; pge: boolean; ac: boolean;
  value: bigint;
}

function entry(b: EntryBits, addr: number, leaf: boolean, level: 'pml4' | 'pdpt' | 'pd' | 'pt'): bigint {
  let e = BigInt(addr);
  if (b.p) e |= P;
  if (b.rw) e |= RW;
  if (b.us) e |= US;
  if (b.pwt) e |= PWT;
  if (b.pcd) e |= PCD;
  if (b.a) e |= A;
  if (leaf && b.d) e |= D;
  if (leaf && b.g) e |= G;
  if (b.xd) e |= XD;
  if ((level === 'pdpt' || level === 'pd') && b.ps) e |= PS;
  if (b.rsvd > 0) {
    const k = b.rsvd - 1;
    // physical-address bits at or above MAXPHYADDR (40); for a 2 MiB leaf also bits 20:13
    const bit = leaf && level === 'pd' && k >= 12 ? 13 + (k % 8) : leaf && level === 'pdpt' && k >= 12 ? 13 + (k % 17) : 40 + (k % 12);
    e |= 1n << BigInt(bit);
  }
  return e;
}

export interface WalkResult {
  divergence: Divergence | null;
  text: string;
  /** Our CPU faulted (vector) or -1. */
  vector: number;
}

export class WalkRig {
  readonly mem = new PhysicalMemory();
  readonly cpu: Cpu;
  readonly uc: Unicorn;
  readonly session: LockstepSession;

  constructor(dis: Disassembler) {
    const mem = this.mem;
    mem.addRange(0, 4 << 20, E820_RAM);
    mem.addRange(HI, HI_SIZE, E820_RAM);
    const q = (a: number, v: bigint) => { mem.write32(a, Number(v & 0xffffffffn) | 0); mem.write32(a + 4, Number(v >> 32n) | 0); };
    // fixed part: PML4[0] -> PDPT0 -> PD0: 0-2 MiB supervisor, 2-4 MiB user (A and D preset: no writes)
    q(PML4, BigInt(PDPT0) | P | RW | US | A);
    q(PDPT0, BigInt(PD0) | P | RW | US | A);
    q(PD0, 0n | P | RW | PS | A | D);
    q(PD0 + 8, 0x200000n | P | RW | US | PS | A | D);
    writeGdt(mem, 0x1000);
    const cpu = new Cpu(0, mem);
    // Unicorn 2.0.1's MAXPHYADDR is 40 (the reserved bits must agree); it maps 1 GiB pages whatever
    // its CPUID says, as tlbemu does with gbPages
    cpu.cpuid = { ...cpu.cpuid, gbPages: true, maxPhysAddr: 40 };
    cpu.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    cpu.cr4 = CR4_PAE;
    cpu.efer = EFER_LME | EFER_LMA;
    cpu.cr3Lo = PML4;
    cpu.gdtrBaseLo = 0x1000; cpu.gdtrLimit = 7 * 8 - 1;
    cpu.idtrLimit = 0; // any exception ends the case (triple fault after the first one is recorded)
    cpu.sel[1] = 0x10; cpu.sel[0] = cpu.sel[2] = cpu.sel[3] = 0x18;
    cpu.mmu.modeChanged();
    this.cpu = cpu;
    // code: mov al/ax/eax/rax, [rdi]; mov [rdi], cl/cx/ecx/rcx; add [rdi], cl/...; jmp rdi (then HLT)
    for (const base of [CODE0, CODE3]) {
      const code: number[][] = [
        [0x8a, 0x07], [0x66, 0x8b, 0x07], [0x8b, 0x07], [0x48, 0x8b, 0x07],
        [0x88, 0x0f], [0x66, 0x89, 0x0f], [0x89, 0x0f], [0x48, 0x89, 0x0f],
        [0x00, 0x0f], [0x66, 0x01, 0x0f], [0x01, 0x0f], [0x48, 0x01, 0x0f],
        [0xff, 0xe7],
      ];
      code.forEach((c, k) => mem.writeBytes(base + 16 * k, Uint8Array.from([...c, 0xf4])));
    }
    mem.writeBytes(FLUSH_STUB, LockstepSession.FLUSH_STUB);
    this.uc = Unicorn.open();
    this.session = new LockstepSession(cpu, this.uc, dis);
    // exceptions end a case (IDT limit 0): they write no memory; Unicorn's TLB is flushed by a stub
    this.session.fullResync = false;
    this.session.flushStub = FLUSH_STUB;
    this.session.seed();
  }

  close(): void {
    this.session.close();
    this.uc.close();
  }

  private q(a: number, v: bigint): void {
    this.mem.write32(a, Number(v & 0xffffffffn) | 0);
    this.mem.write32(a + 4, Number((v >> 32n) & 0xffffffffn) | 0);
  }

  run(c: WalkCase): WalkResult {
    const cpu = this.cpu, s = this.session;
    const lin = HI + c.offset;
    const page = Math.floor(lin / 4096) * 4096;
    const pdIndex = Math.floor(c.offset / (2 << 20));
    const ptIndex = Math.floor((c.offset % (2 << 20)) / 4096);
    // tables for the accessed page and the next one (an access may cross)
    this.q(PML4 + 8, entry(c.pml4e, PDPT_R, false, 'pml4'));
    // a PDPTE with PS maps the 1 GiB page at HI (identity); with a reserved bit 29:13 set now and then
    this.q(PDPT_R, entry(c.pdpte, c.pdpte.ps ? HI : PD_R, c.pdpte.ps, 'pdpt'));
    for (let k = 0; k < 2; k++) {
      const pd = (pdIndex + k) % 2;
      const bits = c.pde[k];
      this.q(PD_R + 8 * pd, entry(bits, bits.ps ? HI + pd * (2 << 20) : PT_R + pd * 0x1000, bits.ps, 'pd'));
    }
    for (let k = 0; k < 2; k++) {
      const idx = pdIndex * 512 + ptIndex + k;
      if (idx >= 1024) break;
      this.q(PT_R + 8 * idx, entry(c.pte[k], HI + idx * 4096, true, 'pt'));
    }
    // the bytes at the address: for a fetch, MOV EAX, imm32 (5 bytes: may cross into the next page)
    const bytes = new Uint8Array(16);
    for (let k = 0; k < 16; k++) bytes[k] = (k * 37 + c.offset) & 0xff;
    if (c.kind === 'fetch') bytes.set([0xb8, 1, 2, 3, 4, 0xf4]);
    this.mem.writeBytes(lin, bytes);
    // control state
    let cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    if (c.wp) cr0 |= CR0_WP;
    let cr4 = CR4_PAE;
    if (c.smep) cr4 |= CR4_SMEP;
    if (c.smap) cr4 |= CR4_SMAP;
    if (c.pge) cr4 |= CR4_PGE;
    cpu.cr0 = cr0; cpu.cr4 = cr4;
    cpu.efer = EFER_LME | EFER_LMA | (c.nxe ? EFER_NXE : 0);
    cpu.setCpl(c.cpl);
    cpu.sel[1] = c.cpl === 3 ? 0x33 : 0x10;
    cpu.setFlags(2 | (c.ac ? AC : 0));
    const sizeIndex = c.size === 1 ? 0 : c.size === 2 ? 1 : c.size === 4 ? 2 : 3;
    const slot = c.kind === 'read' ? sizeIndex : c.kind === 'write' ? 4 + sizeIndex : c.kind === 'rmw' ? 8 + sizeIndex : 12;
    const base = c.cpl === 3 ? CODE3 : CODE0;
    cpu.ripLo = base + 16 * slot; cpu.ripHi = 0;
    for (let r = 0; r < 16; r++) { cpu.regs[r << 1] = 0; cpu.regs[(r << 1) | 1] = 0; }
    cpu.regs[7 << 1] = lin % 4294967296; cpu.regs[(7 << 1) | 1] = Math.floor(lin / 4294967296); // rdi
    cpu.regs[1 << 1] = Number(c.value & 0xffffffffn) | 0; cpu.regs[(1 << 1) | 1] = Number(c.value >> 32n) | 0; // rcx
    cpu.regs[4 << 1] = 0x80000; // rsp
    cpu.cr2Lo = 0; cpu.cr2Hi = 0;
    cpu.stopped = false; cpu.halted = false; cpu.tripleFaultReport = null;
    cpu.mmu.modeChanged();
    cpu.mmu.invpcid(2, 0, 0, 0);
    for (const p of TABLE_PAGES) s.syncPhysical(p, 4096, false);
    // the bytes at the address change between cases but a fetch case always writes the same six
    // (MOV EAX, imm32; HLT), so code Unicorn translated there stays valid: no flush needed
    s.syncPhysical(page, 8192, false);
    s.syncRegisters();
    // one instruction for a data access; the JMP and the instruction at the target for a fetch
    let divergence: Divergence | null = null;
    for (let k = 0; k < (c.kind === 'fetch' ? 2 : 1); k++) {
      const r = s.batch(1);
      if (r.divergence !== null) { divergence = r.divergence; break; }
      if (r.stop !== null) break;
    }
    if (divergence === null) divergence = this.compareTables([...TABLE_PAGES, page, page + 4096], c, lin);
    const text = divergence === null ? '' : formatLockstepReport({
      ok: false, report: divergence, instructions: 1, compared: 1, masked: [], stop: 'divergence',
    });
    const report = cpu.tripleFaultReport as TripleFaultReport | null;
    const vector = report === null ? -1 : report.chain[0].startsWith('#PF') ? 14 : report.chain[0].startsWith('#GP') ? 13 : -2;
    return { divergence, text, vector };
  }

  /**
   * Accessed and dirty bits written back (and the data): the pages must match byte for byte, except
   * for two measured Unicorn deviations, each counted as a mask: QEMU sets A in a 1 GiB-page PDPTE
   * before it checks the reserved bits and the rights (so also when the access faults), and it walks
   * the page after an instruction that ends at a page boundary (translating ahead), setting A bits.
   */
  private compareTables(pages: number[], c: WalkCase, lin: number): Divergence | null {
    const aheadPage = c.kind === 'fetch' && (lin + 5) % 4096 === 0 ? lin + 5 : -1;
    const aheadEntries = aheadPage < 0 ? [] : this.entriesFor(aheadPage);
    for (const p of pages) {
      if (p >= HI + HI_SIZE) continue;
      const ours = this.mem.readBytes(p, 4096);
      const theirs = this.uc.view(p, 4096)!;
      if (Buffer.compare(ours, theirs) === 0) continue;
      for (let at = 0; at < 4096; at += 8) {
        let same = true;
        for (let k = 0; k < 8; k++) if (ours[at + k] !== theirs[at + k]) { same = false; break; }
        if (same) continue;
        const onlyA = ours[at] ^ theirs[at];
        const aOnly = onlyA === 0x20 && (theirs[at] & 0x20) !== 0 && ours.subarray(at + 1, at + 8).every((b, k) => b === theirs[at + 1 + k]);
        if (aOnly && p + at === PDPT_R && c.pdpte.ps && this.cpu.tripleFaultReport !== null) {
          this.session.mask('Unicorn deviation: A set in a 1 GiB-page PDPTE although the access faults', 0n);
          this.uc.view(p + at, 8)!.set(ours.subarray(at, at + 8));
          continue;
        }
        if (aOnly && aheadEntries.includes(p + at)) {
          this.session.mask('Unicorn deviation: A bits set by the walk of the page after an instruction ending at the page boundary', 0n);
          this.uc.view(p + at, 8)!.set(ours.subarray(at, at + 8));
          continue;
        }
        const st = { gpr: new Array<bigint>(16).fill(0n), rip: 0n, rflags: 0n, cr0: 0n, cr2: 0n, cr3: 0n, cr4: 0n, efer: 0n, fsBase: 0n, gsBase: 0n };
        return {
          kind: 'memory', instruction: 0, rip: 0n, bytes: new Uint8Array(0), disasm: '', ours: st, unicorn: st, fields: [],
          ourException: null, unicornException: null,
          memory: { address: BigInt(p + at), ours: ours.slice(at, at + 8), unicorn: theirs.slice(at, at + 8) },
          note: TABLE_PAGES.includes(p) ? `paging-structure entry at ${(p + at).toString(16)} differs (accessed/dirty bits written back)`
            : `data at ${(p + at).toString(16)} differs`, history: [],
        };
      }
    }
    return null;
  }

  /** Physical addresses of the random-table entries a walk of `lin` reads. */
  private entriesFor(lin: number): number[] {
    const off = lin - HI;
    const pd = Math.floor(off / (2 << 20));
    return [PML4 + 8, PDPT_R, PD_R + 8 * pd, PT_R + 8 * Math.floor(off / 4096)];
  }
}
