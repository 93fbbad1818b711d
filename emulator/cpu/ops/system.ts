// System instructions: registers the shared group opcodes 0F 00 and 0F 01, whose members live in the
// system-*.ts files, and re-exports the far transfers used by the FF group (groups.ts).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineGroup, SZ_V } from '../opcodes.js';
import { CpuFault, VEC_UD } from '../faults.js';
import { invlpg } from './system-cr.js';
import './system-misc.js';

// 0F 01 /7: INVLPG m; mod=3: SWAPGS (F8), RDTSCP (F9).
function grp7(cpu: Cpu, i: Insn): void {
  if (i.isMem) { invlpg(cpu, i); return; }
  throw new CpuFault(VEC_UD);
}

defineGroup(0x101, SZ_V, [null, null, null, null, null, null, null, grp7]);

export function callFar(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
export function jmpFar(_c: Cpu, _i: Insn): void { throw new CpuFault(VEC_UD); }
