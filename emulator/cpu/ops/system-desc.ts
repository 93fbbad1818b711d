// Field access for 8-byte segment descriptors, given as their low and high dwords (SDM 3.4.5, 3.5).
// No opcodes here: shared by the segment, far-transfer and interrupt code.

/** Type field (bits 11:8 of the high dword). */
export function descType(hi: number): number { return (hi >>> 8) & 0xf; }
/** S: 1 for code/data, 0 for system descriptors. */
export function descIsCodeData(hi: number): boolean { return (hi & (1 << 12)) !== 0; }
export function descDpl(hi: number): number { return (hi >>> 13) & 3; }
export function descPresent(hi: number): boolean { return (hi & (1 << 15)) !== 0; }
/** L: 64-bit code segment. */
export function descLong(hi: number): boolean { return (hi & (1 << 21)) !== 0; }
export function descIsCode(hi: number): boolean { return (hi & (1 << 12)) !== 0 && (hi & (1 << 11)) !== 0; }
export function descConforming(hi: number): boolean { return (hi & (1 << 10)) !== 0; }
/** A code segment that can be read (type bit 1) or a data segment (always readable). */
export function descReadable(hi: number): boolean {
  return descIsCodeData(hi) && ((hi & (1 << 11)) === 0 || (hi & (1 << 9)) !== 0);
}
/** A writable data segment. */
export function descWritableData(hi: number): boolean {
  return descIsCodeData(hi) && (hi & (1 << 11)) === 0 && (hi & (1 << 9)) !== 0;
}
/** Base bits 31:0 (as int32). */
export function descBase(lo: number, hi: number): number {
  return (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
}
/** Limit in bytes - 1, scaled by the granularity bit. */
export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & (1 << 23)) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}
/** Accessed bit of a code/data descriptor and busy bit of a TSS descriptor, in the high dword. */
export const DESC_ACCESSED = 1 << 8;
export const DESC_TSS_BUSY = 1 << 9;
/** System descriptor types in IA-32e mode (SDM table 3-2). */
export const SYS_LDT = 0x2, SYS_TSS_AVAIL = 0x9, SYS_TSS_BUSY = 0xb, SYS_CALL_GATE = 0xc, SYS_INT_GATE = 0xe,
  SYS_TRAP_GATE = 0xf;

/** Raised for architectural paths tlbemu does not model (compatibility mode, call gates). */
export class UnsupportedByEmulator extends Error {}
