// MUL, IMUL (one-, two- and three-operand), DIV, IDIV — implemented by the integer-family work.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { CpuFault, VEC_UD } from '../faults.js';

export function mulHandler(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
export function imulOneHandler(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
export function divHandler(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
export function idivHandler(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
