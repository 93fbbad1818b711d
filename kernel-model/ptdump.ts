// Kernel page-table dump in the format of Linux's /sys/kernel/debug/page_tables/kernel (4.19,
// arch/x86/mm/dump_pagetables.c): one line per run of equal protections at one level, address
// markers between regions, sizes in the largest exact unit. Read from the host with no side effects
// (no A/D writes, no TLB). Plus a structural diff of two dumps.
import { PhysicalMemory } from '../emulator/memory/physical.js';

export interface AddressMarker {
  start: bigint;
  name: string;
}

/** Default x86-64 markers (4-level, no KASLR); page_offset_base comes from the guest. */
export function defaultMarkers(pageOffsetBase: bigint, levels: 4 | 5): AddressMarker[] {
  const kernelSpace = levels === 5 ? 0xff00000000000000n : 0xffff800000000000n;
  const m: AddressMarker[] = [
    { start: 0n, name: 'User Space' },
    { start: kernelSpace, name: 'Kernel Space' },
    { start: pageOffsetBase, name: 'Low Kernel Mapping' },
    { start: levels === 5 ? 0xffa0000000000000n : 0xffffc90000000000n, name: 'vmalloc() Area' },
    { start: levels === 5 ? 0xffd4000000000000n : 0xffffea0000000000n, name: 'Vmemmap' },
    { start: 0xffffffff80000000n, name: 'High Kernel Mapping' },
    { start: 0xffffffffa0000000n, name: 'Modules' },
    { start: 0xffffffffff000000n, name: 'End Modules' },
  ];
  return m.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

const P = 1n, RW = 2n, USR = 4n, PWT = 8n, PCD = 16n, PSE = 128n, GLB = 256n, PAT_LARGE = 1n << 12n, NX = 1n << 63n;
const PROT_MASK = P | RW | USR | PWT | PCD | PSE | GLB | PAT_LARGE | NX;
const ADDR_MASK = 0x000ffffffffff000n;
/** Linux's level numbering in the dump: 1 pgd, 2 p4d, 3 pud, 4 pmd, 5 pte. */
const LEVEL_NAMES = ['cr3', 'pgd', 'p4d', 'pud', 'pmd', 'pte'];

function readEntry(mem: PhysicalMemory, paddr: number): bigint {
  return (BigInt(mem.read32(paddr + 4) >>> 0) << 32n) | BigInt(mem.read32(paddr) >>> 0);
}

function signExtend(va: bigint, bits: number): bigint {
  const sign = 1n << BigInt(bits - 1);
  return BigInt.asUintN(64, (va & (sign - 1n)) - (va & sign));
}

function formatSize(bytes: bigint): string {
  const units = ['K', 'M', 'G', 'T', 'P', 'E'];
  let size = bytes >> 10n;
  let u = 0;
  while ((size & 1023n) === 0n && size !== 0n && u < units.length - 1) { size >>= 10n; u++; }
  return `${size.toString().padStart(9)}${units[u]}`;
}

function formatProt(prot: bigint, level: number): string {
  if ((prot & P) === 0n) return ' '.repeat(30);
  let s = '';
  s += (prot & USR) ? 'USR ' : '    ';
  s += (prot & RW) ? 'RW ' : 'ro ';
  s += (prot & PWT) ? 'PWT ' : '    ';
  s += (prot & PCD) ? 'PCD ' : '    ';
  s += level <= 4 && (prot & PSE) ? 'PSE ' : '    ';
  const pat = (level === 5 && (prot & PSE)) || ((level === 4 || level === 3) && (prot & PAT_LARGE));
  s += pat ? 'PAT ' : '    ';
  s += (prot & GLB) ? 'GLB ' : '    ';
  s += (prot & NX) ? 'NX ' : 'x  ';
  return s;
}

export interface PtdumpRange {
  start: bigint;
  end: bigint;
  prot: bigint;
  level: number;
}

/**
 * Walks the tables rooted at `root` (physical) and returns the dump text and its ranges.
 * With 4-level paging the p4d level is folded into the pgd, as in Linux.
 */
export function dumpPageTables(mem: PhysicalMemory, root: number, levels: 4 | 5, markers: AddressMarker[]): { text: string; ranges: PtdumpRange[] } {
  const lines: string[] = [];
  const ranges: PtdumpRange[] = [];
  const vaBits = levels === 5 ? 57 : 48;
  let curStart = 0n, curProt = -1n, curLevel = -1;
  let markerIdx = 0;
  lines.push(`---[ ${markers[0].name} ]---`);
  markerIdx = 1;

  const flush = (addr: bigint) => {
    if (curProt < 0n) return;
    const size = (addr === 0n ? 1n << 64n : addr) - curStart; // the last range wraps to 0
    const endText = addr === 0n ? '0x0000000000000000' : `0x${addr.toString(16).padStart(16, '0')}`;
    lines.push(`0x${curStart.toString(16).padStart(16, '0')}-${endText}   ${formatSize(size)} ${formatProt(curProt, curLevel)}${LEVEL_NAMES[curLevel]}`);
    ranges.push({ start: curStart, end: addr, prot: curProt, level: curLevel });
  };

  const note = (addr: bigint, prot: bigint, level: number) => {
    const newMarker = markerIdx < markers.length && addr >= markers[markerIdx].start;
    if (prot !== curProt || level !== curLevel || newMarker) {
      flush(addr);
      while (markerIdx < markers.length && addr >= markers[markerIdx].start) {
        lines.push(`---[ ${markers[markerIdx].name} ]---`);
        markerIdx++;
      }
      curStart = addr;
      curProt = prot;
      curLevel = level;
    }
  };

  // dump level (Linux numbering) for a hardware depth: 5-level: PML5=pgd(1), PML4=p4d(2), PDPT=pud(3),
  // PD=pmd(4), PT=pte(5); 4-level: PML4=pgd(1), PDPT=pud(3), PD=pmd(4), PT=pte(5).
  const dumpLevel = (hwLevel: number) => (hwLevel === 5 ? 1 : hwLevel === 4 ? (levels === 5 ? 2 : 1) : 6 - hwLevel);

  const walk = (table: number, hwLevel: number, base: bigint) => {
    const shift = BigInt(12 + 9 * (hwLevel - 1));
    for (let i = 0; i < 512; i++) {
      const va = hwLevel === levels ? signExtend(BigInt(i) << shift, vaBits) : base + (BigInt(i) << shift);
      const e = readEntry(mem, table + i * 8);
      const lvl = dumpLevel(hwLevel);
      if ((e & P) === 0n) { note(va, 0n, lvl); continue; }
      const leaf = hwLevel === 1 || ((hwLevel === 2 || hwLevel === 3) && (e & PSE) !== 0n);
      // bit 12 is PAT in a large leaf but an address bit in a PTE
      if (leaf) note(va, e & (hwLevel === 1 ? PROT_MASK & ~PAT_LARGE : PROT_MASK), lvl);
      else walk(Number(e & ADDR_MASK), hwLevel - 1, va);
    }
  };
  walk(root, levels, 0n);
  flush(0n); // the last range ends at the top of the address space (wraps to 0)
  return { text: lines.join('\n') + '\n', ranges };
}

/** Structural diff of two dumps: lines only in `a` prefixed '-', only in `b' '+', in order. */
export function diffDumps(a: string, b: string): string {
  const la = a.split('\n').filter((l) => l.length > 0);
  const lb = b.split('\n').filter((l) => l.length > 0);
  // longest common subsequence on lines (dumps are at most a few thousand lines)
  const n = la.length, m = lb.length;
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = la[i] === lb[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (la[i] === lb[j]) { i++; j++; }
    else if (dp[i + 1][j] >= dp[i][j + 1]) out.push(`-${la[i++]}`);
    else out.push(`+${lb[j++]}`);
  }
  while (i < n) out.push(`-${la[i++]}`);
  while (j < m) out.push(`+${lb[j++]}`);
  return out.length === 0 ? '' : out.join('\n') + '\n';
}
