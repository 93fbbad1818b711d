// Frame-pointer unwinder for guest kernel stacks (the guest is built with -fno-omit-frame-pointer):
// each frame holds [rbp] = caller's rbp and [rbp+8] = return address. Stops at an unmapped or
// non-increasing frame, at a return address outside the symbolized text, or after `maxDepth` frames.
import type { SymbolTable } from '../emulator/loader/elf.js';
import { GuestMemoryReader } from './guest-memory.js';

export interface StackFrame {
  /** Return address (or the starting RIP for frame 0). */
  address: bigint;
  /** Kernel %pB form: name+0xoff/0xsize (looked up at address-1 for return addresses). */
  symbol: string;
  /** The function name alone ('?' when unknown). */
  function: string;
}

/** Formats a return address like the kernel's %pB: look up addr-1 (a call may end a function). */
export function formatReturnAddress(symbols: SymbolTable, addr: bigint): { text: string; fn: string } {
  const h = symbols.lookup(addr - 1n);
  if (h === null) return { text: `0x${addr.toString(16)}`, fn: '?' };
  const off = h.offset + 1n;
  const size = h.symbol.size > 0n ? `/0x${h.symbol.size.toString(16)}` : '';
  return { text: `${h.symbol.name}+0x${off.toString(16)}${size}`, fn: h.symbol.name };
}

/** Formats an instruction address (%pS): the symbol containing it. */
export function formatAddress(symbols: SymbolTable, addr: bigint): { text: string; fn: string } {
  const h = symbols.lookup(addr);
  if (h === null) return { text: `0x${addr.toString(16)}`, fn: '?' };
  const size = h.symbol.size > 0n ? `/0x${h.symbol.size.toString(16)}` : '';
  return { text: `${h.symbol.name}+0x${h.offset.toString(16)}${size}`, fn: h.symbol.name };
}

/**
 * Unwinds from (rip, rbp). Frame 0 is `rip` itself; later frames are return addresses.
 * `inText` decides whether an address is kernel text worth following.
 */
export function unwind(reader: GuestMemoryReader, symbols: SymbolTable, rip: bigint, rbp: bigint,
  inText: (a: bigint) => boolean, maxDepth = 48): StackFrame[] {
  const frames: StackFrame[] = [];
  const first = formatAddress(symbols, rip);
  frames.push({ address: rip, symbol: first.text, function: first.fn });
  let fp = rbp;
  for (let depth = 0; depth < maxDepth; depth++) {
    if (fp === 0n || (fp & 7n) !== 0n) break;
    const ret = reader.u64(fp + 8n);
    const next = reader.u64(fp);
    if (ret === null || next === null) break;
    if (!inText(ret)) break;
    const f = formatReturnAddress(symbols, ret);
    frames.push({ address: ret, symbol: f.text, function: f.fn });
    if (next <= fp) break; // stacks grow down: callers' frames are at higher addresses
    fp = next;
  }
  return frames;
}
