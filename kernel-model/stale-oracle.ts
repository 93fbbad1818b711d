// Stale-TLB oracle (--check tlb). On every TLB hit it asks whether the cached translation still
// agrees with the page tables *now* (a side-effect-free walk); a difference that matters — presence,
// frame, page size or rights — is a stale translation use. Page-table writes are tracked by watching
// every frame a walk went through, so a finding can name the write that made the entry stale.
// Per flush call site it counts entries dropped and how many of them were stale at that moment:
// a site that never drops a stale entry never mattered; one whose omission lets a CPU read a freed
// or remapped page was necessary.
import type { Cpu } from '../emulator/cpu/cpu.js';
import type { EmulatorHooks, FlushEvent } from '../emulator/hooks.js';
import { FLUSH_KIND_NAMES } from '../emulator/hooks.js';
import type { TlbEntry } from '../emulator/mmu/tlb.js';
import { WalkResult } from '../emulator/mmu/walker.js';
import { accessName } from '../emulator/mmu/access.js';
import type { PhysicalMemory } from '../emulator/memory/physical.js';

const PAGE = 4096;
const AD_BITS = 0x60;

/** A write to a watched page-table frame. */
export interface PageTableWrite {
  seq: number;
  paddr: number;
  size: number;
  cpu: number;
  ripLo: number;
  ripHi: number;
  /** Low 32 bits of the 8-byte entry before the write (to tell A/D-only updates apart later). */
  oldLo: number;
  oldHi: number;
  /** Return addresses of the writer's stack (raw; symbolized in reports). */
  stack: bigint[];
}

export type StaleKind = 'presence' | 'frame' | 'size' | 'rights';

export interface StaleUse {
  cpu: number;
  address: bigint;
  access: string;
  kinds: StaleKind[];
  /** What the TLB entry says and what the tables say now. */
  cachedPhys: number;
  currentPhys: number; // -1 when not present now
  fillCpuTime: number;
  fillRip: bigint;
  /** The write that made it stale (the latest non-A/D write to an entry on its walk path), if known. */
  culprit: PageTableWrite | null;
  /** RIP of the access. */
  rip: bigint;
}

export interface FlushSiteStats {
  site: bigint;
  kind: string;
  flushes: number;
  dropped: number;
  droppedStale: number;
}

export interface OracleOptions {
  /** Index of the CPU currently executing (the writer of a page-table write). */
  currentCpu: () => number;
  /** Captures raw return addresses of a CPU's stack (cheap; symbolized later). */
  captureStack?: (cpu: Cpu) => bigint[];
  /** Cap on recorded findings (the rest are counted). */
  maxFindings?: number;
  /** Call site a flush is attributed to (e.g. the caller of __flush_tlb_all); default: its RIP. */
  flushSite?: (cpu: Cpu, ev: FlushEvent) => bigint;
}

function big(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export class StaleTlbOracle {
  readonly findings: StaleUse[] = [];
  findingsTotal = 0;
  hitsChecked = 0;
  readonly flushSites = new Map<string, FlushSiteStats>();
  private seq = 0;
  /** Page-table writes by 8-byte entry address. */
  private readonly writes = new Map<number, PageTableWrite[]>();
  /** Last write sequence per watched frame (pfn), to skip the re-walk for untouched paths. */
  private readonly frameWriteSeq = new Map<number, number>();
  /** Walk path (entry physical addresses) and fill sequence of each live TLB entry. */
  private readonly meta = new WeakMap<TlbEntry, { path: number[]; seq: number }>();
  private readonly seen = new Set<string>();
  private readonly wr = new WalkResult();

  constructor(readonly cpus: Cpu[], readonly mem: PhysicalMemory, readonly opts: OracleOptions) {}

  /** Hooks to merge into the machine's hook object. */
  hooks(): EmulatorHooks {
    this.mem.onWatchedWrite = (paddr, size) => this.onWrite(paddr, size);
    return {
      tlbFill: (cpu, e) => this.onFill(cpu, e),
      tlbHit: (cpu, e, lo, hi, access) => this.onHit(cpu, e, lo, hi, access),
      tlbFlush: (ev) => this.onFlush(ev),
      wantDroppedEntries: true,
    };
  }

  private onFill(cpuIndex: number, e: TlbEntry): void {
    const cpu = this.cpus[cpuIndex];
    // the walk path: re-walk without side effects to learn the entries used
    const lin = e.firstVpn4k();
    const { lo, hi } = linearOf(lin);
    cpu.mmu.walker.walk(lo, hi, 0, false, this.wr);
    const depth = cpu.mmu.mode.levels - this.wr.depth + 1;
    const path: number[] = [];
    for (let k = 0; k < depth; k++) {
      const p = this.wr.entryPaddr[k];
      path.push(p);
      const pfn = Math.floor(p / PAGE);
      if (!this.frameWriteSeq.has(pfn)) {
        this.frameWriteSeq.set(pfn, 0);
        this.mem.watchFrame(pfn);
      }
    }
    this.meta.set(e, { path, seq: ++this.seq });
  }

  private onWrite(paddr: number, size: number): void {
    const s = ++this.seq;
    const entry = paddr - (paddr % 8);
    const pfn = Math.floor(paddr / PAGE);
    this.frameWriteSeq.set(pfn, s);
    const cpuIndex = this.opts.currentCpu();
    const cpu = this.cpus[cpuIndex];
    const w: PageTableWrite = {
      seq: s, paddr: entry, size, cpu: cpuIndex, ripLo: cpu?.insnRipLo ?? 0, ripHi: cpu?.insnRipHi ?? 0,
      oldLo: this.mem.read32(entry), oldHi: this.mem.read32(entry + 4),
      stack: cpu !== undefined && this.opts.captureStack ? this.opts.captureStack(cpu) : [],
    };
    let list = this.writes.get(entry);
    if (list === undefined) { list = []; this.writes.set(entry, list); }
    list.push(w);
  }

  /** The value an entry had right after write w (the next write's "old", or memory now). */
  private valueAfter(list: PageTableWrite[], k: number): [number, number] {
    if (k + 1 < list.length) return [list[k + 1].oldLo, list[k + 1].oldHi];
    return [this.mem.read32(list[k].paddr), this.mem.read32(list[k].paddr + 4)];
  }

  /** Latest write after `since` to any entry of the path that changed more than A/D bits. */
  private culprit(path: number[], since: number): PageTableWrite | null {
    let best: PageTableWrite | null = null;
    for (const p of path) {
      const list = this.writes.get(p);
      if (list === undefined) continue;
      for (let k = list.length - 1; k >= 0; k--) {
        const w = list[k];
        if (w.seq <= since) break;
        const [nLo, nHi] = this.valueAfter(list, k);
        if (((nLo ^ w.oldLo) & ~AD_BITS) === 0 && nHi === w.oldHi) continue; // A/D update only
        if (best === null || w.seq > best.seq) best = w;
        break;
      }
    }
    return best;
  }

  /** Differences between a TLB entry and the current tables for a linear address, or [] if none. */
  compare(cpu: Cpu, e: TlbEntry, lo: number, hi: number): { kinds: StaleKind[]; cached: number; current: number } {
    const inner = e.level === 0 ? 0 : e.level === 1 ? (lo & 0x1ff000) >>> 0 : (lo & 0x3ffff000) >>> 0;
    const cached = e.pageBase + inner;
    const r = this.wr;
    cpu.mmu.walker.walk(lo, hi, 0, false, r);
    if (r.fault !== 0) return { kinds: ['presence'], cached, current: -1 };
    const kinds: StaleKind[] = [];
    if (r.paddrPage !== cached) kinds.push('frame');
    if (r.leafLevel !== e.level) kinds.push('size');
    if (r.perm !== e.perm) kinds.push('rights');
    return { kinds, cached, current: r.paddrPage };
  }

  private pathTouchedSince(path: number[], since: number): boolean {
    for (const p of path) {
      const s = this.frameWriteSeq.get(Math.floor(p / PAGE));
      if (s !== undefined && s > since) return true;
    }
    return false;
  }

  private onHit(cpuIndex: number, e: TlbEntry, lo: number, hi: number, access: number): void {
    this.hitsChecked++;
    const m = this.meta.get(e);
    if (m !== undefined && !this.pathTouchedSince(m.path, m.seq)) return;
    const cpu = this.cpus[cpuIndex];
    const d = this.compare(cpu, e, lo, hi);
    if (d.kinds.length === 0) return;
    this.findingsTotal++;
    const key = `${cpuIndex}:${e.vpn}:${e.level}:${d.kinds.join(',')}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.findings.length >= (this.opts.maxFindings ?? 64)) return;
    this.findings.push({
      cpu: cpuIndex, address: big(lo, hi), access: accessName(access), kinds: d.kinds,
      cachedPhys: d.cached + (lo & 0xfff), currentPhys: d.current < 0 ? -1 : d.current + (lo & 0xfff),
      fillCpuTime: e.fillTime, fillRip: big(e.fillRipLo, e.fillRipHi),
      culprit: m === undefined ? null : this.culprit(m.path, m.seq),
      rip: big(cpu.insnRipLo, cpu.insnRipHi),
    });
  }

  private onFlush(ev: FlushEvent): void {
    const cpu = this.cpus[ev.cpu];
    const site = this.opts.flushSite ? this.opts.flushSite(cpu, ev) : big(ev.ripLo, ev.ripHi);
    const kind = FLUSH_KIND_NAMES[ev.kind];
    const key = `${site}:${kind}`;
    let st = this.flushSites.get(key);
    if (st === undefined) {
      st = { site, kind, flushes: 0, dropped: 0, droppedStale: 0 };
      this.flushSites.set(key, st);
    }
    st.flushes++;
    st.dropped += ev.dropped;
    if (ev.entries === null) return;
    for (const e of ev.entries) {
      const m = this.meta.get(e);
      if (m !== undefined && !this.pathTouchedSince(m.path, m.seq)) continue;
      const { lo, hi } = linearOf(e.firstVpn4k());
      if (this.compare(cpu, e, lo, hi).kinds.length > 0) st.droppedStale++;
    }
  }

  /** Formats flush-site stats with a symbolizer. */
  flushSiteLines(symbolize: (a: bigint) => string): string[] {
    return [...this.flushSites.values()]
      .sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : a.kind < b.kind ? -1 : 1))
      .map((s) => `${symbolize(s.site)} [${s.kind}]: ${s.flushes} flushes, ${s.dropped} entries dropped, ` +
        `${s.droppedStale} stale${s.droppedStale === 0 ? ' (this flush never removed a stale entry)' : ''}`);
  }
}

/** Linear address halves of a 45-bit (masked) 4 KiB page number, sign-extended from bit 56 or 47. */
function linearOf(vpn4k: number): { lo: number; hi: number } {
  const lo = ((vpn4k % 1048576) * 4096) | 0;
  let hi = Math.floor(vpn4k / 1048576) | 0; // bits 56:32 of the masked address
  // sign-extend from bit 56 (bit 24 of hi); for 4-level addresses bits 56:48 already copy bit 47
  if ((hi & 0x1000000) !== 0) hi |= ~0x1ffffff;
  return { lo, hi };
}
