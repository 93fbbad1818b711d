// The guest's __bug_table: 12-byte entries {int32 bug_addr_disp, int32 file_disp, u16 line, u16 flags}
// with relative pointers (CONFIG_GENERIC_BUG_RELATIVE_POINTERS, x86-64), as Linux 4.19 lays them out.
export const BUGFLAG_WARNING = 1;
export const BUGFLAG_ONCE = 2;
export const BUGFLAG_DONE = 4;
export const BUG_ENTRY_SIZE = 12;

export interface BugEntry {
  /** Virtual address of the entry itself (its flags live at +10). */
  entryAddr: bigint;
  /** Address of the ud2. */
  bugAddr: bigint;
  /** Address of the file-name string. */
  fileAddr: bigint;
  line: number;
  flags: number;
}

/** Decodes a __bug_table section's bytes located at virtual address `base`. */
export function parseBugTable(bytes: Uint8Array, base: bigint): BugEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: BugEntry[] = [];
  for (let off = 0; off + BUG_ENTRY_SIZE <= bytes.length; off += BUG_ENTRY_SIZE) {
    const entryAddr = base + BigInt(off);
    const bugDisp = view.getInt32(off, true);
    const fileDisp = view.getInt32(off + 4, true);
    out.push({
      entryAddr,
      bugAddr: BigInt.asUintN(64, entryAddr + BigInt(bugDisp)),
      fileAddr: BigInt.asUintN(64, entryAddr + BigInt(fileDisp)), // both displacements are from the entry start
      line: view.getUint16(off + 8, true),
      flags: view.getUint16(off + 10, true),
    });
  }
  return out;
}

export class BugTable {
  private readonly byAddr = new Map<bigint, BugEntry>();
  constructor(readonly entries: BugEntry[]) {
    for (const e of entries) this.byAddr.set(e.bugAddr, e);
  }
  find(ud2Addr: bigint): BugEntry | undefined {
    return this.byAddr.get(ud2Addr);
  }
}
