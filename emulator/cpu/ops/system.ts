// System instructions — implemented by the system-instruction work.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { CpuFault, VEC_UD } from '../faults.js';

export function callFar(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
export function jmpFar(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
