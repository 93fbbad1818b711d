// Tracing for `tlbemu run --trace insn,io`: one line per instruction (CPU, RIP, symbol, raw bytes), one
// per exception or interrupt, one per port access, and a per-port summary at the end. Only installed
// when asked for, so an untraced run pays nothing.
import type { Cpu } from '../cpu/cpu.js';
import { vectorName } from '../cpu/faults.js';
import type { Insn } from '../cpu/insn.js';
import type { EmulatorHooks, FaultEvent } from '../hooks.js';
import type { SymbolTable } from '../loader/elf.js';
import type { Machine } from './machine.js';

/** Where trace lines go (each call gets whole lines ending in "\n"). */
export interface TextSink {
  write(text: string): void;
}

export interface TraceOptions {
  insn: boolean;
  io: boolean;
  symbols?: SymbolTable;
  /** Text of the instruction in `bytes` at linear address (lo, hi) (the CLI passes Capstone). */
  disassemble?: (bytes: ArrayLike<number>, lo: number, hi: number) => string;
}

const MAX_INSN_BYTES = 15;

function addr(lo: number, hi: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/**
 * Physical address of a linear address through the CPU's current page tables, or -1 when no page maps
 * it. No side effects (no A/D bits, no TLB or cache fills, no rights check).
 */
export function linearToPhysical(cpu: Cpu, lo: number, hi: number): number {
  return cpu.mmu.debugTranslate(lo, hi);
}

/** Up to `len` bytes of code at a linear address, read without side effects (stops at an unmapped page). */
export function codeBytes(cpu: Cpu, lo: number, hi: number, len: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < len; k++) {
    const s = (lo >>> 0) + k;
    const p = linearToPhysical(cpu, s | 0, s > 0xffffffff ? (hi + 1) | 0 : hi);
    if (p < 0) break;
    out.push(cpu.mem.read8(p));
  }
  return out;
}

function hexBytes(b: number[]): string {
  return b.map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Installs the tracers on a machine; returns the hooks it added (merged into `base`). */
export function installTrace(m: Machine, sink: TextSink, opts: TraceOptions, base: EmulatorHooks = {}): EmulatorHooks {
  const syms = opts.symbols;
  const where = (lo: number, hi: number): string => {
    const a = addr(lo, hi);
    if (syms === undefined || syms.size === 0) return a;
    const s = syms.format((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
    return s === null ? a : `${a} <${s}>`;
  };
  const hooks: EmulatorHooks = { ...base };
  if (opts.insn) {
    const tracer = (cpu: Cpu, i: Insn): void => {
      const bytes = codeBytes(cpu, cpu.insnRipLo, cpu.insnRipHi, i.len);
      const text = opts.disassemble === undefined ? '' : `  ${opts.disassemble(bytes, cpu.insnRipLo, cpu.insnRipHi)}`;
      sink.write(`cpu${cpu.index} ${where(cpu.insnRipLo, cpu.insnRipHi)}: ${hexBytes(bytes)}${text}\n`);
    };
    for (const cpu of m.cpus) cpu.tracer = tracer;
    const prevFault = base.fault;
    hooks.fault = (ev: FaultEvent): void => {
      prevFault?.(ev);
      const cpu = m.cpus[ev.cpu];
      const err = ev.errorCode >= 0 ? `(0x${ev.errorCode.toString(16)})` : '';
      if (ev.vector === 14) {
        sink.write(`cpu${ev.cpu} exception ${vectorName(ev.vector)}${err} at address ${addr(ev.addrLo, ev.addrHi)}\n`);
      } else if (ev.vector === 6) {
        // an undefined or unimplemented opcode: name the bytes (the decoder may not have got a length)
        const bytes = codeBytes(cpu, ev.ripLo, ev.ripHi, MAX_INSN_BYTES);
        sink.write(`cpu${ev.cpu} ${where(ev.ripLo, ev.ripHi)}: exception #UD, bytes ${hexBytes(bytes)}\n`);
      } else {
        sink.write(`cpu${ev.cpu} ${where(ev.ripLo, ev.ripHi)}: exception ${vectorName(ev.vector)}${err}\n`);
      }
    };
    const prevInt = base.interrupt;
    hooks.interrupt = (cpu: number, vector: number, external: boolean): void => {
      prevInt?.(cpu, vector, external);
      if (external) sink.write(`cpu${cpu} interrupt 0x${vector.toString(16)}\n`);
    };
  }
  if (opts.io) {
    const prevIo = base.io;
    hooks.io = (cpu: number, port: number, size: number, write: boolean, value: number): void => {
      prevIo?.(cpu, port, size, write, value);
      const dev = m.ports.deviceName(port) ?? 'unclaimed';
      const v = (value >>> 0).toString(16).padStart(size * 2, '0');
      sink.write(`cpu${cpu} io ${write ? 'out' : 'in '} port 0x${port.toString(16).padStart(4, '0')} ` +
        `size ${size} value 0x${v} (${dev})\n`);
    };
  }
  m.setHooks(hooks);
  return hooks;
}

/** The per-port access summary printed at the end of a run with --trace io. */
export function ioSummary(m: Machine): string {
  let s = 'io summary (port: reads writes device):\n';
  for (const c of m.ports.counts()) {
    s += `  0x${c.port.toString(16).padStart(4, '0')}: ${c.reads} ${c.writes} ${c.device ?? 'unclaimed (reads all-ones)'}\n`;
  }
  return s;
}
