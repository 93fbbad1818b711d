// The guest's `tlbemu_abi` block (guest/ABI.md): where per-CPU data, task fields, the page-table root
// and the __bug_table live. The host never hard-codes a guest address: it starts from the ELF symbol
// `tlbemu_abi` and reads the block through the guest's page tables.
import type { SymbolTable } from '../emulator/loader/elf.js';
import type { Cpu } from '../emulator/cpu/cpu.js';
import { GuestMemoryReader } from './guest-memory.js';

export const ABI_MAGIC = 0x4942414d45424c54n; // "TLBEMABI"

export interface GuestAbi {
  address: bigint;
  version: number;
  nrCpusMax: number;
  percpuAreaBase: bigint;
  percpuAreaStride: bigint;
  offPreemptCount: bigint;
  offCurrentTask: bigint;
  offCpuNumber: bigint;
  offCpuTlbstateCr4: bigint;
  preemptNeedResched: number;
  taskPidOffset: number;
  taskCommOffset: number;
  taskCommLen: number;
  taskCpuOffset: number;
  pageOffsetBaseAddr: bigint;
  pgtableL5EnabledAddr: bigint;
  initTopPgtAddr: bigint;
  bugTableStart: bigint;
  bugTableStop: bigint;
  bugEntrySize: number;
}

export class AbiError extends Error {}

/** Reads the static part of the ABI block; throws AbiError naming what is wrong. */
export function readGuestAbi(cpu: Cpu, symbols: SymbolTable): GuestAbi {
  const sym = symbols.byName('tlbemu_abi');
  if (sym === undefined) throw new AbiError('the image has no tlbemu_abi symbol (not a tlbemu guest kernel?)');
  const r = new GuestMemoryReader(cpu);
  const a = sym.value;
  const u64 = (off: number): bigint => {
    const v = r.u64(a + BigInt(off));
    if (v === null) throw new AbiError(`tlbemu_abi+${off} is not mapped`);
    return v;
  };
  const u32 = (off: number): number => Number(u64(off) & 0xffffffffn);
  if (u64(0) !== ABI_MAGIC) throw new AbiError(`tlbemu_abi at 0x${a.toString(16)} has a bad magic`);
  return {
    address: a, version: u32(8), nrCpusMax: u32(16),
    percpuAreaBase: u64(32), percpuAreaStride: u64(40),
    offPreemptCount: u64(56), offCurrentTask: u64(64), offCpuNumber: u64(72), offCpuTlbstateCr4: u64(96),
    preemptNeedResched: u32(112), taskPidOffset: u32(120), taskCommOffset: u32(124), taskCommLen: u32(128),
    taskCpuOffset: u32(132), pageOffsetBaseAddr: u64(136), pgtableL5EnabledAddr: u64(144), initTopPgtAddr: u64(152),
    bugTableStart: u64(160), bugTableStop: u64(168), bugEntrySize: u32(176),
  };
}

export interface TaskInfo {
  pid: number;
  comm: string;
}

/** Per-CPU views through a CPU's GS base (valid once the guest has set it). */
export class GuestKernelView {
  constructor(readonly abi: GuestAbi) {}

  private gsBase(cpu: Cpu): bigint {
    return (BigInt(cpu.gsBaseHi >>> 0) << 32n) | BigInt(cpu.gsBaseLo >>> 0);
  }

  /** preempt_count() (PREEMPT_NEED_RESCHED masked off), or -1 before the per-CPU area exists. */
  preemptCount(cpu: Cpu): number {
    const gs = this.gsBase(cpu);
    if (gs === 0n) return -1;
    const v = new GuestMemoryReader(cpu).u32(gs + this.abi.offPreemptCount);
    return v === null ? -1 : v & ~this.abi.preemptNeedResched & 0x7fffffff;
  }

  currentTask(cpu: Cpu): TaskInfo | null {
    const gs = this.gsBase(cpu);
    if (gs === 0n) return null;
    const r = new GuestMemoryReader(cpu);
    const task = r.u64(gs + this.abi.offCurrentTask);
    if (task === null || task === 0n) return null;
    const pid = r.u32(task + BigInt(this.abi.taskPidOffset));
    const comm = r.cstring(task + BigInt(this.abi.taskCommOffset), this.abi.taskCommLen);
    if (pid === null || comm === null) return null;
    return { pid: pid | 0, comm };
  }

  pageOffsetBase(cpu: Cpu): bigint | null {
    return new GuestMemoryReader(cpu).u64(this.abi.pageOffsetBaseAddr);
  }
}
