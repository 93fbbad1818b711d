// One typed hook interface through which the host observes the emulator. Every field is optional;
// the emulator checks `hooks !== null` (and the field) before building an event, so nobody listening
// costs nothing. Listeners must not throw.
import type { TlbEntry } from './mmu/tlb.js';

// Flush kinds (SDM 4.10.4.1). Numbers on the hot side, names for reports.
export const FLUSH_MOV_CR3 = 0;
export const FLUSH_MOV_CR4 = 1;
export const FLUSH_MOV_CR0 = 2;
export const FLUSH_INVLPG = 3;
export const FLUSH_INVPCID_ADDR = 4;
export const FLUSH_INVPCID_CONTEXT = 5;
export const FLUSH_INVPCID_ALL = 6;
export const FLUSH_INVPCID_NONGLOBAL = 7;
/** A page fault invalidates the faulting address's TLB and paging-structure-cache entries (4.10.4.1):
 *  counted per CPU (MmuCounters), never reported to tlbFlush (not a flush software asked for). */
export const FLUSH_PAGE_FAULT = 8;
export const FLUSH_KIND_NAMES = [
  'mov-cr3', 'mov-cr4', 'mov-cr0', 'invlpg', 'invpcid-address', 'invpcid-context', 'invpcid-all',
  'invpcid-nonglobal', 'page-fault',
];
export const FLUSH_KINDS = FLUSH_KIND_NAMES.length;

export interface FlushEvent {
  cpu: number;
  kind: number;
  /** RIP of the instruction that caused it (halves). */
  ripLo: number;
  ripHi: number;
  /** Retired instructions of that CPU when it happened. */
  time: number;
  dropped: number;
  droppedGlobal: number;
  /** Paging-structure-cache entries dropped (mmu/psc.ts). */
  pscDropped?: number;
  /** The entries dropped (only collected when a listener asks for them with wantDroppedEntries). */
  entries: TlbEntry[] | null;
}

export interface FaultEvent {
  cpu: number;
  vector: number;
  errorCode: number;
  /** For #PF: linear address halves; else 0. */
  addrLo: number;
  addrHi: number;
  ripLo: number;
  ripHi: number;
}

export interface EmulatorHooks {
  /** A TLB fill after a successful walk. */
  tlbFill?(cpu: number, e: TlbEntry, access: number): void;
  /** A TLB hit; asking for these turns the front-end fast path off (the oracle uses it). */
  tlbHit?(cpu: number, e: TlbEntry, lo: number, hi: number, access: number): void;
  tlbFlush?(ev: FlushEvent): void;
  /** Set to collect the dropped entries in FlushEvent.entries. */
  wantDroppedEntries?: boolean;
  /** An exception raised by an instruction (before delivery). */
  fault?(ev: FaultEvent): void;
  /** An interrupt or exception delivered through the IDT. */
  interrupt?(cpu: number, vector: number, external: boolean): void;
  /** A #UD about to be delivered; return true when the host handled it (the host WARN/BUG trap). */
  invalidOpcode?(cpu: number): boolean;
  /** Port I/O (reads report the value returned). */
  io?(cpu: number, port: number, size: number, write: boolean, value: number): void;
  /** An IPI sent through the local APIC. */
  ipi?(from: number, to: number, vector: number): void;
}
