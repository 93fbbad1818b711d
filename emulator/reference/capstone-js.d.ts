// Types for @alexaltea/capstone-js 5.0.9 (Capstone 5 compiled to wasm; the package ships no types).
// Only what tlbemu uses: detail mode returns garbage in this build, so it is not declared.
declare module '@alexaltea/capstone-js' {
  export interface CsInstruction {
    id: number;
    /** Signed 64-bit: mask with BigInt.asUintN(64, ...). */
    address: bigint;
    size: number;
    bytes: number[];
    mnemonic: string;
    op_str: string;
  }
  export class Capstone {
    constructor(arch: number, mode: number);
    /** Decodes up to `max` instructions (0 = all); stops at undecodable bytes, and *throws a string*
     *  when not even the first instruction decodes. */
    disasm(buffer: ArrayLike<number>, address: number | bigint, max?: number): CsInstruction[];
    close(): void;
  }
  export interface CapstoneModule {
    Capstone: typeof Capstone;
    ARCH_X86: number;
    MODE_64: number;
  }
  const MCapstone: () => Promise<CapstoneModule>;
  export default MCapstone;
}
