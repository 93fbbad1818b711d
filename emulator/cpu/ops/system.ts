// System instructions. The families live in system-cr.ts (control registers, INVLPG, INVPCID),
// system-msr.ts (MSRs, CPUID, TSC, SWAPGS, FS/GS base), system-seg.ts (descriptor tables, segment
// registers, far transfers, IRET), system-int.ts (INT n, SYSCALL/SYSRET) and system-misc.ts (HLT,
// flags, I/O, fences, x87 escapes). This file registers the shared group 0F 01 and re-exports the far
// transfers that the FF group (groups.ts) uses.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineGroup, SZ_V } from '../opcodes.js';
import { CpuFault, VEC_UD } from '../faults.js';
import { invlpg } from './system-cr.js';
import { rdtscp, swapgs } from './system-msr.js';
import { lgdtLidt, sgdtSidt, smsw, lmsw, callFar, jmpFar } from './system-seg.js';
import { clacStac } from './system-misc.js';
import './system-int.js';

export { callFar, jmpFar };

// 0F 01 (SDM table A-6, group 7). Memory forms: /0 SGDT /1 SIDT /2 LGDT /3 LIDT /4 SMSW /6 LMSW
// /7 INVLPG. Register forms: CA CLAC, CB STAC, F8 SWAPGS, F9 RDTSCP, /4 SMSW, /6 LMSW; the rest
// (VMX, MONITOR/MWAIT, XGETBV, ...) belong to features CPUID does not report: #UD.
function grp7(cpu: Cpu, i: Insn): void {
  const r = i.reg & 7;
  if (i.isMem) {
    switch (r) {
      case 0: case 1: sgdtSidt(cpu, i); return;
      case 2: case 3: lgdtLidt(cpu, i); return;
      case 4: smsw(cpu, i); return;
      case 6: lmsw(cpu, i); return;
      case 7: invlpg(cpu, i); return;
      default: throw new CpuFault(VEC_UD);
    }
  }
  const rm = i.rm & 7;
  switch (r) {
    case 1:
      if (rm === 2) { clacStac(cpu, false); return; }
      if (rm === 3) { clacStac(cpu, true); return; }
      break;
    case 4: smsw(cpu, i); return;
    case 6: lmsw(cpu, i); return;
    case 7:
      if (rm === 0) { swapgs(cpu); return; }
      if (rm === 1) { rdtscp(cpu); return; }
      break;
  }
  throw new CpuFault(VEC_UD);
}
defineGroup(0x101, SZ_V, [grp7, grp7, grp7, grp7, grp7, grp7, grp7, grp7]);
