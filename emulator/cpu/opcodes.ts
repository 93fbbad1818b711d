// The opcode table: what the decoder must fetch after each opcode (ModRM, immediate) and which
// handler executes it. Instruction families register themselves here (ops/*.ts).
import type { Handler } from './insn.js';

// Immediate kinds.
export const IMM_NONE = 0;
/** 8-bit, sign-extended to the operand size. */
export const IMM_8 = 1;
/** 8-bit, zero-extended (IN/OUT port, INT n, shift counts, ENTER level). */
export const IMM_8U = 2;
/** 16-bit zero-extended (RET imm16, ENTER size). */
export const IMM_16 = 3;
/** 16 bits when the operand size is 16, else 32 bits sign-extended to 64 ("Iz"). */
export const IMM_Z = 4;
/** Full operand size: 16, 32 or 64 bits (MOV r, imm "Iv" with REX.W = movabs). */
export const IMM_V = 5;
/** ENTER: imm16 then imm8. */
export const IMM_16_8 = 6;
/** 64-bit absolute address (MOV moffs; A0-A3). */
export const IMM_ADDR = 7;
/** Relative branch displacements (sign-extended); rel32 is "Jz" (always 32 bits in 64-bit mode). */
export const IMM_REL8 = 8;
export const IMM_REL32 = 9;

// Operand-size rules.
/** Operand size from REX.W / 66h, default 32. */
export const SZ_V = 0;
/** Byte operation. */
export const SZ_BYTE = 1;
/** Default 64 in long mode (PUSH, POP, near CALL/JMP indirect, LEAVE, ...); 66h selects 16. */
export const SZ_D64 = 2;
/** Always 64 bits (near branches, 0F 01 group memory forms use their own rules). */
export const SZ_F64 = 3;

export interface OpSpec {
  handler: Handler;
  modrm: boolean;
  imm: number;
  size: number;
  /** For group opcodes: handler per ModRM.reg (overrides `handler`). */
  group?: (Handler | null)[];
  /** For group opcodes: immediate kind per ModRM.reg (F6/F7: only /0 and /1 TEST take one). */
  groupImm?: number[];
  /** For group opcodes: operand-size rule per ModRM.reg (FF: /2 /4 /6 default to 64 bits). */
  groupSize?: number[];
}

export const OPCODES: (OpSpec | undefined)[] = new Array(0x400);

export function defineOp(op: number, spec: Partial<OpSpec> & { handler?: Handler }): void {
  if (OPCODES[op] !== undefined) throw new Error(`opcode 0x${op.toString(16)} defined twice`);
  OPCODES[op] = {
    handler: spec.handler ?? missing,
    modrm: spec.modrm ?? false,
    imm: spec.imm ?? IMM_NONE,
    size: spec.size ?? SZ_V,
    group: spec.group,
    groupImm: spec.groupImm,
    groupSize: spec.groupSize,
  };
}

/** Defines a group opcode whose ModRM.reg selects the operation; null members raise #UD. */
export function defineGroup(op: number, size: number | number[], members: (Handler | null)[], imm: number | number[] = IMM_NONE): void {
  defineOp(op, {
    modrm: true,
    size: typeof size === 'number' ? size : SZ_V,
    groupSize: typeof size === 'number' ? undefined : size,
    imm: typeof imm === 'number' ? imm : IMM_NONE,
    group: members,
    groupImm: typeof imm === 'number' ? undefined : imm,
  });
}

function missing(): void {
  throw new Error('opcode spec without handler');
}
