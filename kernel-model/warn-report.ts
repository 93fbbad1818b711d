// Kernel-format WARNING / BUG reports (Linux 4.19 __warn, __show_regs, show_opcodes, show_trace_log_lvl),
// written from the host's view of the guest: symbolized RIP, Code: line, register dump, Call Trace and
// the closing "---[ end trace ... ]---" line with a deterministic id.
import type { Cpu } from '../emulator/cpu/cpu.js';
import { getFlags } from '../emulator/cpu/flags.js';
import { createHash } from 'node:crypto';

export interface ReportContext {
  cpu: Cpu;
  pid: number;
  comm: string;
  /** e.g. "4.19.0-tlbemu-v4.19" */
  kernelRelease: string;
  /** Taint string: "Not tainted" or "Tainted: G        W". */
  taint: string;
  hardwareName: string;
  modules: string[];
  /** RIP symbolized (%pS). */
  ripSymbol: string;
  /** Code bytes around RIP: 42 before, the faulting byte, 21 after (null entries are unreadable). */
  codeBefore: (number | null)[];
  codeAt: (number | null)[];
  /** Call Trace lines (already in "name+0xoff/0xsize [module]" form), outermost last. */
  callTrace: string[];
  /** Optional disassembly lines (--verbose). */
  disassembly?: string[];
}

const hex16 = (lo: number, hi: number) => (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
const REG_ORDER: [string, number][] = [
  ['RAX', 0], ['RBX', 3], ['RCX', 1], ['RDX', 2], ['RSI', 6], ['RDI', 7], ['RBP', 5], ['R08', 8], ['R09', 9],
  ['R10', 10], ['R11', 11], ['R12', 12], ['R13', 13], ['R14', 14], ['R15', 15],
];

function codeLine(before: (number | null)[], at: (number | null)[]): string {
  const b = (v: number | null) => (v === null ? '??' : v.toString(16).padStart(2, '0'));
  if (before.some((v) => v === null) && at.every((v) => v === null)) return 'Code: Bad RIP value.';
  const parts = before.map(b);
  if (at.length > 0) parts.push(`<${b(at[0])}>`, ...at.slice(1).map(b));
  return `Code: ${parts.join(' ')}`;
}

/** The register dump lines of __show_regs. */
export function registerDump(cpu: Cpu): string[] {
  const r = cpu.regs;
  const lines: string[] = [];
  lines.push(`RSP: ${cpu.sel[2].toString(16).padStart(4, '0')}:${hex16(r[8], r[9])} EFLAGS: ${(getFlags(cpu) >>> 0).toString(16).padStart(8, '0')}`);
  for (let k = 0; k < REG_ORDER.length; k += 3) {
    lines.push(REG_ORDER.slice(k, k + 3).map(([n, i]) => `${n}: ${hex16(r[2 * i], r[2 * i + 1])}`).join(' '));
  }
  lines.push(`FS:  ${hex16(cpu.fsBaseLo, cpu.fsBaseHi)}(${cpu.sel[4].toString(16).padStart(4, '0')}) ` +
    `GS:${hex16(cpu.gsBaseLo, cpu.gsBaseHi)}(${cpu.sel[5].toString(16).padStart(4, '0')}) knlGS:${hex16(cpu.kernelGsBaseLo, cpu.kernelGsBaseHi)}`);
  lines.push(`CS:  ${cpu.sel[1].toString(16).padStart(4, '0')} DS: ${cpu.sel[3].toString(16).padStart(4, '0')} ` +
    `ES: ${cpu.sel[0].toString(16).padStart(4, '0')} CR0: ${hex16(cpu.cr0, 0)}`);
  lines.push(`CR2: ${hex16(cpu.cr2Lo, cpu.cr2Hi)} CR3: ${hex16(cpu.cr3Lo, cpu.cr3Hi)} CR4: ${hex16(cpu.cr4, 0)}`);
  return lines;
}

/** A deterministic 64-bit trace id (Linux uses a random oops_id; determinism matters more here). */
export function traceId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

export function formatWarning(ctx: ReportContext, file: string, line: number, bug: boolean): string[] {
  const cpu = ctx.cpu;
  const out: string[] = [];
  if (bug) out.push(`kernel BUG at ${file}:${line}!`);
  else out.push(`WARNING: CPU: ${cpu.index} PID: ${ctx.pid} at ${file}:${line} ${ctx.ripSymbol}`);
  if (bug) out.push(`invalid opcode: 0000 [#1] SMP`);
  out.push(`Modules linked in:${ctx.modules.length ? ' ' + ctx.modules.join(' ') : ''}`);
  out.push(`CPU: ${cpu.index} PID: ${ctx.pid} Comm: ${ctx.comm} ${ctx.taint} ${ctx.kernelRelease} #1`);
  out.push(`Hardware name: ${ctx.hardwareName}`);
  out.push(`RIP: ${cpu.sel[1].toString(16).padStart(4, '0')}:${ctx.ripSymbol}`);
  out.push(codeLine(ctx.codeBefore, ctx.codeAt));
  if (ctx.disassembly) out.push(...ctx.disassembly.map((l) => `  ${l}`));
  out.push(...registerDump(cpu));
  out.push('Call Trace:');
  out.push(...ctx.callTrace.map((l) => ` ${l}`));
  out.push(`---[ end trace ${traceId(out.join('\n'))} ]---`);
  return out;
}
