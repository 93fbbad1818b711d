// A decoded instruction. Decoding happens once per instruction per physical page (the decode cache in
// Frame.code); executing is a call through `exec` with the decoded fields.
import type { Cpu } from './cpu.js';

export type Handler = (cpu: Cpu, i: Insn) => void;

export class Insn {
  exec: Handler = undefinedHandler;
  /** Length in bytes (1..15). */
  len = 0;
  /** Opcode: 0x000-0x0FF one byte, 0x100-0x1FF 0F xx, 0x200-0x2FF 0F 38 xx, 0x300-0x3FF 0F 3A xx. */
  op = 0;
  /** Operand size in bytes: 1, 2, 4 or 8. */
  osize = 4;
  /** Address size in bytes: 4 (67h) or 8. */
  asize = 8;
  /** 0 none, 1 = F3 (REP/REPE), 2 = F2 (REPNE). */
  rep = 0;
  lock = false;
  /** Segment override: -1 none, else SEG_* (only FS and GS have bases in 64-bit mode). */
  seg = -1;
  /** REX byte (0 when absent). */
  rex = 0;
  /** Operand-size prefix 66h seen (some SSE-less encodings still select on it). */
  opsizePrefix = false;
  // ModRM
  hasModrm = false;
  mod = 0;
  /** ModRM.reg extended with REX.R (or the register of +r opcodes). */
  reg = 0;
  /** ModRM.rm extended with REX.B (register operand when mod == 3). */
  rm = 0;
  /** Memory operand present (mod != 3). */
  isMem = false;
  /** Memory operand: base register (-1 none, 16 = RIP), index (-1 none), scale (1,2,4,8), disp. */
  base = -1;
  index = -1;
  scale = 1;
  disp = 0;
  /** Default segment is SS (base RSP/RBP): non-canonical faults are #SS (SDM 6.15). */
  stackRef = false;
  /** Immediate, sign- or zero-extended as the opcode wants, as halves. */
  imm = 0;
  immHi = 0;
  /** Second immediate (ENTER's level). */
  imm2 = 0;
}

function undefinedHandler(): void {
  throw new Error('instruction without handler');
}
