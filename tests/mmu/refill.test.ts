// The usual TLB miss takes a short path (Mmu.refillFromPdeCache): the PDE cache covers the address
// and the PTE needs no A/D write. That path must decide exactly as the full walk does: the same #PF
// error code, or the same physical address and TLB entry, for every combination of the PTE's and
// the PDE's rights bits, A/D state, access kind, CPL and the modes that decide rights (CR0.WP,
// CR4.SMEP/SMAP, RFLAGS.AC, EFER.NXE). Each case runs twice on one machine: once after a supervisor
// read of a sibling page has filled the PDE cache (short path), once with the paging-structure caches
// off (every level read from memory).
import { describe, expect, it } from 'vitest';
import { createTestMachine } from '../helpers/test-machine.js';
import { PT_A, PT_D, PT_P, PT_RW, PT_US } from '../../emulator/loader/page-table-builder.js';
import { AC, CR0_WP, CR4_SMAP, CR4_SMEP, EFER_NXE } from '../../emulator/cpu/state.js';
import { CpuFault } from '../../emulator/cpu/faults.js';
import { ACC_FETCH, ACC_IMPLICIT, ACC_USER, ACC_WRITE } from '../../emulator/mmu/access.js';

const PT_NX = 1n << 63n;
const VA = 0x40000000; // 1 GiB: a PDE of its own, 4 KiB pages below it
const SIBLING = VA + 0x1000;
const FRAME = 0x800000;

interface Outcome { fault: number; paddr: number; perm: number; dirty: boolean }

describe('the short refill from the PDE cache decides as the full walk does', () => {
  it('every combination of PTE/PDE rights, A/D, access, CPL and rights modes', () => {
    const m = createTestMachine();
    const { cpu, pt } = m;
    const mmu = cpu.mmu;
    const kinds = [0, ACC_WRITE, ACC_FETCH, ACC_IMPLICIT];
    let cases = 0, shortPath = 0;
    // the PDPTE and PDE above VA, made with every right (the PDE is rewritten for each case)
    pt.map(BigInt(VA), FRAME, 1, PT_P, PT_P | PT_RW | PT_US);
    const pdeAt = pt.entryAddress(BigInt(VA), 2);
    const pteTable = BigInt(pt.entryAddress(BigInt(VA), 1) & ~0xfff);
    const run = (access: number, psc: boolean): Outcome => {
      mmu.setPscEnabled(psc);
      mmu.onMovCr3(false);
      if (psc) {
        // a supervisor read of a sibling page fills the PDE cache and its table's words (unless the PDE
        // itself faults: then neither path gets past it)
        try { mmu.translate(SIBLING, 0, 0); } catch (err) { if (!(err instanceof CpuFault)) throw err; }
      }
      const walks = mmu.counters.walks, hits = mmu.counters.pscHits[0];
      try {
        const paddr = mmu.translate(VA + 0x123, 0, access);
        if (psc && mmu.counters.walks === walks + 1 && mmu.counters.pscHits[0] === hits + 1) shortPath++;
        const e = mmu.entries().find((x) => x.vpn === VA / 4096);
        return { fault: -1, paddr, perm: e!.perm, dirty: e!.dirty };
      } catch (err) {
        if (!(err instanceof CpuFault)) throw err;
        return { fault: err.errorCode, paddr: -1, perm: -1, dirty: false };
      }
    };
    for (let pde = 0; pde < 8; pde++) {
      const upper = PT_P | (pde & 1 ? PT_RW : 0n) | (pde & 2 ? PT_US : 0n) | (pde & 4 ? PT_NX : 0n);
      for (let pte = 0; pte < 32; pte++) {
        const leaf = PT_P | (pte & 1 ? PT_RW : 0n) | (pte & 2 ? PT_US : 0n) | (pte & 4 ? PT_NX : 0n) |
          (pte & 8 ? PT_A : 0n) | (pte & 16 ? PT_D : 0n);
        for (let mode = 0; mode < 64; mode++) {
          const cpl = mode & 1 ? 3 : 0;
          for (const kind of kinds) {
            if (kind === ACC_IMPLICIT && cpl === 0) continue; // implicit accesses are supervisor ones anyway
            const access = kind | (cpl === 3 && kind !== ACC_IMPLICIT ? ACC_USER : 0);
            const outcomes: Outcome[] = [];
            for (const psc of [true, false]) {
              // the tables afresh for each run: a successful walk sets A/D in them
              pt.writeEntry(pdeAt, pteTable | upper);
              pt.map(BigInt(VA), FRAME, 1, leaf);
              pt.map(BigInt(SIBLING), FRAME + 0x1000, 1, PT_P | PT_RW | PT_A | PT_D);
              cpu.cpl = cpl;
              cpu.cr0 = mode & 2 ? cpu.cr0 | CR0_WP : cpu.cr0 & ~CR0_WP;
              cpu.cr4 = (cpu.cr4 & ~(CR4_SMEP | CR4_SMAP)) | (mode & 4 ? CR4_SMEP : 0) | (mode & 8 ? CR4_SMAP : 0);
              cpu.flags = mode & 16 ? cpu.flags | AC : cpu.flags & ~AC;
              cpu.efer = mode & 32 ? cpu.efer | EFER_NXE : cpu.efer & ~EFER_NXE;
              mmu.modeChanged();
              outcomes.push(run(access, psc));
            }
            cases++;
            expect(outcomes[0], `PDE ${pde} PTE ${pte} mode ${mode} access ${access}`).toEqual(outcomes[1]);
          }
        }
      }
    }
    expect(cases).toBe(8 * 32 * 64 * 3.5);
    // the short path did take the cases it is for (and the rest fell back to the walk)
    expect(shortPath).toBeGreaterThan(cases / 8);
  });

  it('reads and writes the right bytes through the frame it found (by host page), allocated or not', () => {
    const m = createTestMachine();
    const { cpu, pt, mem } = m;
    const mmu = cpu.mmu;
    const PAGES = 8;
    for (let k = 0; k < PAGES; k++) pt.map(BigInt(VA + k * 0x1000), FRAME + k * 0x1000, 1, PT_P | PT_RW | PT_A | PT_D);
    // frames written in reverse: host pages run the other way from physical ones
    for (let k = PAGES - 2; k >= 0; k--) mem.write8(FRAME + k * 0x1000 + 0x77, 0xa0 + k);
    mmu.onMovCr3(false);
    mmu.translate(VA, 0, 0); // fills the PDE cache
    const quick = (): number => mmu.counters.pscHits[0];
    for (let k = 0; k < PAGES - 1; k++) {
      mmu.onMovCr3(false);
      mmu.translate(VA + ((k + 1) % PAGES) * 0x1000, 0, 0); // the PDE cache again after the flush
      const before = quick();
      expect(mmu.read8(VA + k * 0x1000 + 0x77, 0), `page ${k}`).toBe(0xa0 + k);
      expect(mmu.read8(VA + k * 0x1000 + 0x78, 0)).toBe(0);
      expect(quick()).toBe(before + 1);
    }
    // the last page was never written: reads as zero without a frame, and a write allocates one
    const last = FRAME + (PAGES - 1) * 0x1000;
    expect(mmu.read8(VA + (PAGES - 1) * 0x1000 + 0x77, 0)).toBe(0);
    expect(mem.hostPage(last / 4096)).toBe(-1);
    mmu.onMovCr3(false);
    mmu.translate(VA, 0, 0);
    mmu.write8(VA + (PAGES - 1) * 0x1000 + 0x77, 0, 0x5c);
    expect(mem.hostPage(last / 4096)).toBeGreaterThanOrEqual(0);
    expect(mem.read8(last + 0x77)).toBe(0x5c);
    expect(mmu.read8(VA + (PAGES - 1) * 0x1000 + 0x77, 0)).toBe(0x5c);
  });
  it('a walked entry for a page with no frame yet does not inherit the frame of its slot\'s last entry', () => {
    const m = createTestMachine();
    const { cpu, pt, mem } = m;
    const mmu = cpu.mmu;
    const written = VA, untouched = VA + 0x1000;
    pt.map(BigInt(written), FRAME, 1, PT_P | PT_RW | PT_A | PT_D);
    pt.map(BigInt(untouched), FRAME + 0x1000, 1, PT_P | PT_RW | PT_A | PT_D);
    mem.write8(FRAME + 0x10, 0x11);
    for (const psc of [false, true]) {
      // with the PDE cache on, the first access after MOV CR3 still walks (the flush emptied it)
      mmu.setPscEnabled(psc);
      mmu.onMovCr3(false);
      expect(mmu.read8(written + 0x10, 0)).toBe(0x11);
      mmu.onMovCr3(false); // every slot free again: the next fill reuses the one just used
      const walks = mmu.counters.walks;
      expect(mmu.read8(untouched + 0x10, 0)).toBe(0);
      expect(mmu.counters.walks).toBe(walks + 1);
      // a TLB hit this time (and the front-end's first fill for the page): still no frame, still zero
      expect(mmu.read8(untouched + 0x10, 0)).toBe(0);
      expect(mmu.read8(untouched + 0x10, 0)).toBe(0);
      expect(mmu.counters.walks).toBe(walks + 1);
      expect(mem.hostPage(FRAME / 4096 + 1)).toBe(-1);
    }
  });
});
