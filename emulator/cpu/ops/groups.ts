// Group opcodes whose members come from several families: F6/F7 (TEST NOT NEG MUL IMUL DIV IDIV),
// FE (INC DEC r/m8), FF (INC DEC CALL CALLF JMP JMPF PUSH).
import { defineGroup, IMM_8, IMM_Z, IMM_NONE, SZ_BYTE, SZ_V, SZ_D64, SZ_F64 } from '../opcodes.js';
import { testRmImmHandler, notHandler, negHandler, incHandler, decHandler } from './alu.js';
import { mulHandler, imulOneHandler, divHandler, idivHandler } from './muldiv.js';
import { callIndirect, jmpIndirect } from './control.js';
import { callFar, jmpFar } from './system.js';
import { pushRm } from './data.js';

const N = IMM_NONE;
defineGroup(0xf6, SZ_BYTE,
  [testRmImmHandler, testRmImmHandler, notHandler, negHandler, mulHandler, imulOneHandler, divHandler, idivHandler],
  [IMM_8, IMM_8, N, N, N, N, N, N]);
defineGroup(0xf7, SZ_V,
  [testRmImmHandler, testRmImmHandler, notHandler, negHandler, mulHandler, imulOneHandler, divHandler, idivHandler],
  [IMM_Z, IMM_Z, N, N, N, N, N, N]);
defineGroup(0xfe, SZ_BYTE, [incHandler, decHandler, null, null, null, null, null, null]);

// FF: /2 /4 are always 64-bit near branches, /6 PUSH defaults to 64; /0 /1 use the normal rules;
// /3 /5 (far) take m16:32 or m16:64.
const V = SZ_V, D = SZ_D64, F = SZ_F64;
defineGroup(0xff, [V, V, F, V, F, V, D, V],
  [incHandler, decHandler, callIndirect, callFar, jmpIndirect, jmpFar, pushRm, null]);
