// What the host knows about a Linux-shaped guest, attached to a Machine through the emulator's hook
// interface: the WARN/BUG trap (ud2 listed in __bug_table, reported in the kernel's own format), the
// flush trap (every TLB flush with its call chain and preemption state), the optional stale-TLB oracle,
// and traces. The emulator itself stays guest-agnostic.
import type { Machine } from '../emulator/machine/machine.js';
import type { Cpu } from '../emulator/cpu/cpu.js';
import type { ElfImage } from '../emulator/loader/elf.js';
import type { EmulatorHooks } from '../emulator/hooks.js';
import { FLUSH_KIND_NAMES } from '../emulator/hooks.js';
import { vectorName } from '../emulator/cpu/faults.js';
import { GuestMemoryReader } from './guest-memory.js';
import { GuestAbi, GuestKernelView, readGuestAbi } from './guest-abi.js';
import { BUGFLAG_DONE, BUGFLAG_ONCE, BUGFLAG_WARNING, BugEntry, BugTable, parseBugTable } from './bug-table.js';
import { formatWarning } from './warn-report.js';
import { formatAddress, formatReturnAddress, unwind } from './unwind.js';
import { FlushTrap, RecordedFlush } from './flush-trap.js';
import { StaleTlbOracle } from './stale-oracle.js';
import { ModuleMap } from './modules.js';

export interface KernelModelOptions {
  /** Write text where the guest's console goes (keeps host reports in order with printk output). */
  emit: (text: string) => void;
  /** Diagnostics and traces (stderr). */
  diag: (text: string) => void;
  checkTlb: boolean;
  trace: Set<string>;
  verbose: boolean;
  modules: ModuleMap;
  hardwareName?: string;
  /** With --verbose: disassembles the Code: bytes (Capstone) under the report. */
  disassemble?: (bytes: Uint8Array, address: bigint) => string[];
}

export interface WarningRecord {
  kind: 'WARNING' | 'BUG';
  cpu: number;
  pid: number;
  comm: string;
  file: string;
  line: number;
  function: string;
  rip: string;
  /** Call Trace lines (outermost last), and their bare function names. */
  callTrace: string[];
  callChain: string[];
  report: string[];
}

const TWO32 = 4294967296;
const big = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export class KernelModel {
  readonly warnings: WarningRecord[] = [];
  /** WARN sites hit again after their ONCE entry was marked DONE (silent, as in the kernel). */
  suppressedWarnings = 0;
  readonly flushTrap: FlushTrap;
  readonly oracle: StaleTlbOracle | null;
  private abi: GuestAbi | null = null;
  private view: GuestKernelView | null = null;
  private bugs: BugTable | null = null;
  private tainted = false;
  private readonly textStart: bigint;
  private readonly textEnd: bigint;

  constructor(readonly m: Machine, readonly image: ElfImage, readonly opts: KernelModelOptions) {
    const text = image.segments.filter((s) => (s.flags & 1) !== 0);
    this.textStart = text.reduce((a, s) => (s.vaddr < a ? s.vaddr : a), (1n << 64n) - 1n);
    this.textEnd = text.reduce((a, s) => (s.vaddr + BigInt(s.memsz) > a ? s.vaddr + BigInt(s.memsz) : a), 0n);
    this.flushTrap = new FlushTrap({
      cpus: m.cpus,
      preemptState: (cpu) => ({ preemptCount: this.kernelView(cpu)?.preemptCount(cpu) ?? -1, irqsEnabled: false }),
      stack: (cpu) => this.frames(cpu).map((f) => ({ text: this.withModule(f.text, f.address), fn: f.fn })),
    });
    this.oracle = opts.checkTlb ? new StaleTlbOracle(m.cpus, m.mem, {
      currentCpu: () => (m.currentCpu >= 0 ? m.currentCpu : 0),
      captureStack: (cpu) => this.rawStack(cpu),
      flushSite: (cpu) => this.flushSiteOf(cpu),
    }) : null;
  }

  // ------------------------------------------------------------------ guest views

  private kernelView(cpu: Cpu): GuestKernelView | null {
    if (this.view !== null) return this.view;
    try {
      this.abi = readGuestAbi(cpu, this.image.symbols);
      this.view = new GuestKernelView(this.abi);
    } catch {
      return null;
    }
    return this.view;
  }

  private bugTable(cpu: Cpu): BugTable | null {
    if (this.bugs !== null) return this.bugs;
    const v = this.kernelView(cpu);
    if (v === null) return null;
    const a = v.abi;
    const len = Number(a.bugTableStop - a.bugTableStart);
    const bytes = new GuestMemoryReader(cpu).bytes(a.bugTableStart, len);
    if (bytes === null) return null;
    this.bugs = new BugTable(parseBugTable(bytes, a.bugTableStart));
    return this.bugs;
  }

  inText(a: bigint): boolean {
    return a >= this.textStart && a < this.textEnd;
  }

  private withModule(text: string, addr: bigint): string {
    const mod = this.opts.modules.moduleOf(addr - 1n);
    return mod === null ? text : `${text} [${mod}]`;
  }

  /** Symbolized frames of a CPU's stack: frame 0 is the current instruction. */
  frames(cpu: Cpu): { text: string; fn: string; address: bigint }[] {
    const rip = big(cpu.insnRipLo, cpu.insnRipHi);
    const rbp = big(cpu.regs[10], cpu.regs[11]);
    return unwind(new GuestMemoryReader(cpu), this.image.symbols, rip, rbp, (a) => this.inText(a))
      .map((f) => ({ text: f.symbol, fn: f.function, address: f.address }));
  }

  private rawStack(cpu: Cpu): bigint[] {
    const r = new GuestMemoryReader(cpu);
    const out: bigint[] = [big(cpu.insnRipLo, cpu.insnRipHi)];
    let fp = big(cpu.regs[10], cpu.regs[11]);
    for (let d = 0; d < 32 && fp !== 0n && (fp & 7n) === 0n; d++) {
      const ret = r.u64(fp + 8n), next = r.u64(fp);
      if (ret === null || next === null || !this.inText(ret)) break;
      out.push(ret);
      if (next <= fp) break;
      fp = next;
    }
    return out;
  }

  /** The call site a flush is attributed to: the first frame outside the TLB-flush helpers. */
  private flushSiteOf(cpu: Cpu): bigint {
    const frames = this.rawStack(cpu);
    for (let k = 1; k < frames.length; k++) {
      const h = this.image.symbols.lookup(frames[k] - 1n);
      const name = h?.symbol.name ?? '';
      if (!isFlushHelper(name)) return frames[k];
    }
    return frames[0];
  }

  symbolize(addr: bigint): string {
    return formatAddress(this.image.symbols, addr).text;
  }

  symbolizeReturn(addr: bigint): string {
    return this.withModule(formatReturnAddress(this.image.symbols, addr).text, addr);
  }

  // ------------------------------------------------------------------ hooks

  hooks(): EmulatorHooks {
    const h: EmulatorHooks = {
      invalidOpcode: (cpu) => this.onInvalidOpcode(cpu),
    };
    const flushListeners: ((ev: Parameters<NonNullable<EmulatorHooks['tlbFlush']>>[0]) => void)[] = [];
    const trap = this.flushTrap.hooks();
    flushListeners.push(trap.tlbFlush!);
    if (this.oracle !== null) {
      const o = this.oracle.hooks();
      h.tlbFill = o.tlbFill;
      h.tlbHit = o.tlbHit;
      h.wantDroppedEntries = true;
      flushListeners.push(o.tlbFlush!);
    }
    if (this.opts.trace.has('flush')) {
      flushListeners.push((ev) => {
        const rec = this.flushTrap.records[this.flushTrap.records.length - 1];
        if (rec !== undefined) this.opts.diag(flushTraceLine(rec) + '\n');
        void ev;
      });
    }
    h.tlbFlush = (ev) => { for (const l of flushListeners) l(ev); };
    if (this.opts.trace.has('fault')) {
      h.fault = (ev) => {
        const addr = ev.vector === 14 ? ` addr 0x${big(ev.addrLo, ev.addrHi).toString(16)}` : '';
        this.opts.diag(`fault: cpu ${ev.cpu} ${vectorName(ev.vector)}${ev.errorCode >= 0 ? ` error 0x${ev.errorCode.toString(16)}` : ''}` +
          `${addr} at ${this.symbolize(big(ev.ripLo, ev.ripHi))}\n`);
      };
    }
    if (this.opts.trace.has('ipi')) {
      h.ipi = (from, to, vector) => this.opts.diag(`ipi: cpu ${from} -> cpu ${to} vector 0x${vector.toString(16)}\n`);
    }
    return h;
  }

  /** The host's #UD trap: a ud2 listed in __bug_table is a WARN or BUG (lib/bug.c report_bug). */
  private onInvalidOpcode(cpuIndex: number): boolean {
    const cpu = this.m.cpus[cpuIndex];
    const rip = big(cpu.insnRipLo, cpu.insnRipHi);
    const table = this.bugTable(cpu);
    if (table === null) return false;
    const entry = table.find(rip);
    if (entry === undefined) return false;
    const r = new GuestMemoryReader(cpu);
    const flagsNow = r.u32(entry.entryAddr + 8n);
    if (flagsNow === null) return false;
    const flags = (flagsNow >>> 16) & 0xffff;
    const warning = (flags & BUGFLAG_WARNING) !== 0;
    if (warning && (flags & BUGFLAG_ONCE) !== 0) {
      if ((flags & BUGFLAG_DONE) !== 0) {
        this.suppressedWarnings++;
        this.skipUd2(cpu);
        return true;
      }
      this.setDone(cpu, entry, flags);
    }
    const rec = this.buildReport(cpu, entry, warning);
    this.warnings.push(rec);
    this.opts.emit(rec.report.join('\n') + '\n');
    if (warning) {
      this.tainted = true;
      this.skipUd2(cpu);
    } else {
      this.m.requestStop({ reason: 'stopped', status: 6, message: `kernel BUG at ${rec.file}:${rec.line} on CPU ${cpuIndex}`, cpu: cpuIndex });
      this.skipUd2(cpu);
    }
    return true;
  }

  private skipUd2(cpu: Cpu): void {
    const s = (cpu.insnRipLo >>> 0) + 2;
    cpu.ripLo = s | 0;
    cpu.ripHi = s >= TWO32 ? (cpu.insnRipHi + 1) | 0 : cpu.insnRipHi;
  }

  private setDone(cpu: Cpu, e: BugEntry, flags: number): void {
    const p = new GuestMemoryReader(cpu).translate(e.entryAddr + 10n);
    if (p < 0) return;
    const v = flags | BUGFLAG_DONE;
    cpu.mem.write8(p, v & 0xff);
    cpu.mem.write8(p + 1, (v >>> 8) & 0xff);
  }

  private buildReport(cpu: Cpu, e: BugEntry, warning: boolean): WarningRecord {
    const r = new GuestMemoryReader(cpu);
    const file = r.cstring(e.fileAddr, 200) ?? '?';
    const view = this.kernelView(cpu);
    const task = view?.currentTask(cpu) ?? { pid: 0, comm: 'swapper' };
    const rip = big(cpu.insnRipLo, cpu.insnRipHi);
    const ripSym = formatAddress(this.image.symbols, rip);
    const frames = this.frames(cpu).slice(1);
    const callTrace = frames.map((f) => this.withModule(f.text, f.address));
    const codeBefore: (number | null)[] = [];
    for (let k = 42; k >= 1; k--) codeBefore.push(r.u8(rip - BigInt(k)));
    const codeAt: (number | null)[] = [];
    for (let k = 0; k < 22; k++) codeAt.push(r.u8(rip + BigInt(k)));
    const lines = ['------------[ cut here ]------------', ...formatWarning({
      cpu, pid: task.pid, comm: task.comm,
      kernelRelease: view !== null ? this.kernelRelease(cpu, view) : '4.19.0',
      taint: this.tainted ? 'Tainted: G        W        ' : 'Not tainted',
      hardwareName: this.opts.hardwareName ?? 'tlbemu virtual machine, BIOS none',
      modules: this.opts.modules.names(),
      ripSymbol: ripSym.text, codeBefore, codeAt, callTrace,
      disassembly: this.opts.verbose && this.opts.disassemble !== undefined && codeAt.every((b) => b !== null)
        ? ['Code starting with the faulting instruction', '===========================================',
          ...this.opts.disassemble(Uint8Array.from(codeAt as number[]), rip)]
        : undefined,
    }, file, e.line, !warning)];
    return {
      kind: warning ? 'WARNING' : 'BUG', cpu: cpu.index, pid: task.pid, comm: task.comm, file, line: e.line,
      function: ripSym.fn, rip: ripSym.text, callTrace, callChain: frames.map((f) => f.fn), report: lines,
    };
  }

  private kernelRelease(cpu: Cpu, view: GuestKernelView): string {
    const s = new GuestMemoryReader(cpu).cstring(view.abi.address + 696n, 64) ?? '4.19.0';
    return s.replace(/ #\d+.*$/, '');
  }

  // ------------------------------------------------------------------ summaries

  flushSummary(): FlushSiteSummary[] {
    const sites = new Map<string, FlushSiteSummary>();
    for (const rec of this.flushTrap.records) {
      const site = rec.chain.slice(1).find((_, k) => !isFlushHelper(rec.functions[k + 1])) ?? rec.chain[0] ?? '?';
      const path = rec.functions.slice(0, 5);
      const key = `${site}|${rec.kind}|${rec.preemptible}|${path.join('<')}`;
      let s = sites.get(key);
      if (s === undefined) {
        s = { site: site.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/, ''), kind: rec.kind, preemptible: rec.preemptible, count: 0, cpus: [], dropped: 0, path };
        sites.set(key, s);
      }
      s.count++;
      s.dropped += rec.dropped;
      if (!s.cpus.includes(rec.cpu)) s.cpus.push(rec.cpu);
    }
    return [...sites.values()].map((s) => ({ ...s, cpus: s.cpus.sort((a, b) => a - b) }));
  }
}

export interface FlushSiteSummary {
  site: string;
  kind: string;
  preemptible: boolean;
  count: number;
  cpus: number[];
  dropped: number;
  /** The innermost functions of the chain (flushing function first). */
  path: string[];
}

/** The flush helpers between a caller and the flushing instruction. */
export function isFlushHelper(name: string): boolean {
  return /^(__flush_tlb_all|__flush_tlb_global|__native_flush_tlb_global|native_flush_tlb_global|__native_flush_tlb|__flush_tlb|native_flush_tlb|invpcid_flush_all|invpcid_flush_all_nonglobals|__invpcid|invpcid_flush_one|invpcid_flush_single_context|native_write_cr4|native_write_cr3|write_cr3|__write_cr4|cr4_toggle_bits_irqsoff|__flush_tlb_one_kernel|__flush_tlb_one_user|__native_flush_tlb_one_user|flush_tlb_one_kernel)$/.test(name);
}

function flushTraceLine(r: RecordedFlush): string {
  return `flush: cpu ${r.cpu} ${r.kind} dropped ${r.dropped} (${r.droppedGlobal} global) preempt_count ${r.preemptCount}` +
    ` IF ${r.irqsEnabled ? 1 : 0}${r.preemptible ? ' PREEMPTIBLE' : ''} at ${r.chain.join(' <- ')}`;
}

export { FLUSH_KIND_NAMES };
