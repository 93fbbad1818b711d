// Which instructions may sit inside a compiled block. A block runs without returning to the run loop,
// so it may only hold instructions that change nothing the loop watches between instructions: no
// RFLAGS.IF/TF/AC change, no interrupt shadow, no HLT/PAUSE, no port or MSR access (the interrupt
// controller could raise the CPU's interrupt line), no control-register, descriptor-table or TLB
// operation (rights and translations the block relies on), no read of the retired-instruction count
// (RDTSC), no far transfer, no REP string (it retires per page chunk). Everything else is either
// generated inline (emit.ts) or executed by calling its interpreter handler from the block.
import type { Insn } from '../insn.js';

/** The instruction ends the block before it: the interpreter executes it. */
export const BLOCK_STOP = 0;
/** The instruction can sit anywhere in a block. */
export const BLOCK_BODY = 1;
/** A near control transfer: it may sit in a block, and ends it. */
export const BLOCK_END = 2;

const ONE_BYTE = new Uint8Array(256);
const TWO_BYTE = new Uint8Array(256);

function mark(table: Uint8Array, from: number, to: number, kind: number): void {
  for (let op = from; op <= to; op++) table[op] = kind;
}

// one-byte opcodes (invalid ones never decode)
mark(ONE_BYTE, 0x00, 0x3f, BLOCK_BODY); // ALU; prefixes and invalid opcodes in this range never decode
mark(ONE_BYTE, 0x50, 0x5f, BLOCK_BODY); // PUSH/POP r
mark(ONE_BYTE, 0x63, 0x63, BLOCK_BODY); // MOVSXD
mark(ONE_BYTE, 0x68, 0x6b, BLOCK_BODY); // PUSH imm, IMUL imm
mark(ONE_BYTE, 0x70, 0x7f, BLOCK_END); // Jcc rel8
mark(ONE_BYTE, 0x80, 0x8b, BLOCK_BODY); // ALU imm, TEST, XCHG, MOV
mark(ONE_BYTE, 0x8d, 0x8d, BLOCK_BODY); // LEA
mark(ONE_BYTE, 0x8f, 0x8f, BLOCK_BODY); // POP r/m
mark(ONE_BYTE, 0x90, 0x99, BLOCK_BODY); // NOP, XCHG rAX, CBW, CWD (F3 90 = PAUSE: see below)
mark(ONE_BYTE, 0x9c, 0x9c, BLOCK_BODY); // PUSHF reads RFLAGS only
mark(ONE_BYTE, 0x9e, 0x9f, BLOCK_BODY); // SAHF, LAHF
mark(ONE_BYTE, 0xa0, 0xaf, BLOCK_BODY); // MOV moffs, string (REP forms: see below), TEST
mark(ONE_BYTE, 0xb0, 0xbf, BLOCK_BODY); // MOV r, imm
mark(ONE_BYTE, 0xc0, 0xc1, BLOCK_BODY); // shifts by imm8
mark(ONE_BYTE, 0xc2, 0xc3, BLOCK_END); // RET
mark(ONE_BYTE, 0xc6, 0xc9, BLOCK_BODY); // MOV r/m imm, ENTER, LEAVE
mark(ONE_BYTE, 0xd0, 0xd3, BLOCK_BODY); // shifts by 1 / CL
mark(ONE_BYTE, 0xd7, 0xd7, BLOCK_BODY); // XLAT
mark(ONE_BYTE, 0xe0, 0xe3, BLOCK_END); // LOOPcc, JrCXZ
mark(ONE_BYTE, 0xe8, 0xe9, BLOCK_END); // CALL, JMP rel32
mark(ONE_BYTE, 0xeb, 0xeb, BLOCK_END); // JMP rel8
mark(ONE_BYTE, 0xf5, 0xf5, BLOCK_BODY); // CMC
mark(ONE_BYTE, 0xf6, 0xf7, BLOCK_BODY); // TEST NOT NEG MUL IMUL DIV IDIV
mark(ONE_BYTE, 0xf8, 0xf9, BLOCK_BODY); // CLC, STC
mark(ONE_BYTE, 0xfc, 0xfe, BLOCK_BODY); // CLD, STD, INC/DEC r/m8
// 0x0F xx
mark(TWO_BYTE, 0x0d, 0x0d, BLOCK_BODY); // PREFETCHW (a NOP here)
mark(TWO_BYTE, 0x18, 0x1f, BLOCK_BODY); // hint NOPs
mark(TWO_BYTE, 0x40, 0x4f, BLOCK_BODY); // CMOVcc
mark(TWO_BYTE, 0x80, 0x8f, BLOCK_END); // Jcc rel32
mark(TWO_BYTE, 0x90, 0x9f, BLOCK_BODY); // SETcc
mark(TWO_BYTE, 0xa3, 0xa5, BLOCK_BODY); // BT, SHLD
mark(TWO_BYTE, 0xab, 0xad, BLOCK_BODY); // BTS, SHRD
mark(TWO_BYTE, 0xaf, 0xb1, BLOCK_BODY); // IMUL, CMPXCHG
mark(TWO_BYTE, 0xb3, 0xb3, BLOCK_BODY); // BTR
mark(TWO_BYTE, 0xb6, 0xb8, BLOCK_BODY); // MOVZX, POPCNT
mark(TWO_BYTE, 0xba, 0xbf, BLOCK_BODY); // BT group, BTC, BSF/BSR (TZCNT/LZCNT), MOVSX
mark(TWO_BYTE, 0xc0, 0xc1, BLOCK_BODY); // XADD
mark(TWO_BYTE, 0xc8, 0xcf, BLOCK_BODY); // BSWAP

/** BLOCK_STOP, BLOCK_BODY or BLOCK_END for a decoded instruction. */
export function classify(i: Insn): number {
  const op = i.op;
  if (op >= 0x200) return BLOCK_STOP;
  if (op >= 0x100) {
    const kind = TWO_BYTE[op & 0xff];
    if (op === 0x1c7) return (i.reg & 7) === 1 ? BLOCK_BODY : BLOCK_STOP; // CMPXCHG8B/16B only
    return kind;
  }
  if (op === 0x90 && i.rep === 1) return BLOCK_STOP; // PAUSE ends the scheduler slice
  if (op >= 0xa4 && op <= 0xaf && op !== 0xa8 && op !== 0xa9 && i.rep !== 0) return BLOCK_STOP;
  if (op === 0xff) {
    const r = i.reg & 7;
    if (r === 2 || r === 4) return BLOCK_END; // CALL/JMP r/m
    if (r === 3 || r === 5) return BLOCK_STOP; // far CALL/JMP
    return BLOCK_BODY;
  }
  return ONE_BYTE[op];
}
