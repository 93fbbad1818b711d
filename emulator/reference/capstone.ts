// Capstone (wasm build @alexaltea/capstone-js 5.0.9) as the reference for instruction lengths and for
// the text of lockstep reports. Edge code.
import MCapstone, { type Capstone } from '@alexaltea/capstone-js';

export interface CsInsn {
  /** Unsigned 64-bit address. */
  address: bigint;
  size: number;
  mnemonic: string;
  opStr: string;
}

/** An x86-64 disassembler. */
export class Disassembler {
  constructor(private readonly cs: Capstone) {}

  /** Decodes `bytes` at `address` linearly, stopping before the first undecodable byte sequence. */
  disassemble(bytes: ArrayLike<number>, address: bigint | number): CsInsn[] {
    let raw;
    try {
      raw = this.cs.disasm(bytes, BigInt.asIntN(64, BigInt(address)));
    } catch (e) {
      if (typeof e === 'string') return []; // capstone-js throws a string when nothing decodes
      throw e;
    }
    return raw.map((i) => ({ address: BigInt.asUintN(64, i.address), size: i.size, mnemonic: i.mnemonic, opStr: i.op_str }));
  }

  /** The first instruction of `bytes`, or null when it does not decode. */
  one(bytes: ArrayLike<number>, address: bigint | number = 0): CsInsn | null {
    let raw;
    try {
      raw = this.cs.disasm(bytes, BigInt.asIntN(64, BigInt(address)), 1);
    } catch (e) {
      if (typeof e === 'string') return null;
      throw e;
    }
    if (raw.length === 0) return null;
    const i = raw[0];
    return { address: BigInt.asUintN(64, i.address), size: i.size, mnemonic: i.mnemonic, opStr: i.op_str };
  }

  /** "mnemonic op_str" of the first instruction, or "(bad)". */
  text(bytes: ArrayLike<number>, address: bigint | number = 0): string {
    const i = this.one(bytes, address);
    return i === null ? '(bad)' : i.opStr ? `${i.mnemonic} ${i.opStr}` : i.mnemonic;
  }

  close(): void {
    this.cs.close();
  }
}

let shared: Promise<Disassembler> | null = null;

/** A process-wide x86-64 disassembler (the wasm module initialises once, ≈ 100 ms). */
export function disassembler(): Promise<Disassembler> {
  if (shared === null) {
    shared = MCapstone().then((m) => new Disassembler(new m.Capstone(m.ARCH_X86, m.MODE_64)));
  }
  return shared;
}

/** Convenience: {mnemonic, opStr, size}[] of `bytes` decoded linearly at `address`. */
export async function disassemble(bytes: ArrayLike<number>, address: bigint | number): Promise<CsInsn[]> {
  return (await disassembler()).disassemble(bytes, address);
}
