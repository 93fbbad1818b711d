// RDMSR/WRMSR (0F 32 / 0F 30), CPUID (0F A2), RDTSC (0F 31), RDTSCP and SWAPGS (0F 01 F9 / F8,
// dispatched from system.ts), RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (F3 0F AE /0-/3, from system-misc.ts).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp } from '../opcodes.js';
import { CpuFault, VEC_GP, VEC_UD } from '../faults.js';
import { cpuidLeaf } from '../cpuid.js';
import { rdmsr, wrmsr, msrValue, readTsc } from '../msr.js';
import { RAX, RCX, RDX, CR4_TSD, CR4_FSGSBASE } from '../state.js';
import { requireCpl0 } from './system-cr.js';

/** RDMSR: EDX:EAX = MSR[ECX] (upper halves of RAX and RDX cleared). */
function rdmsrInsn(cpu: Cpu): void {
  requireCpl0(cpu);
  rdmsr(cpu, cpu.getRegLo(RCX));
  cpu.setReg32(RAX, msrValue.lo);
  cpu.setReg32(RDX, msrValue.hi);
}
/** WRMSR: MSR[ECX] = EDX:EAX. */
function wrmsrInsn(cpu: Cpu): void {
  requireCpl0(cpu);
  wrmsr(cpu, cpu.getRegLo(RCX), cpu.getRegLo(RAX), cpu.getRegLo(RDX));
}
defineOp(0x132, { handler: rdmsrInsn });
defineOp(0x130, { handler: wrmsrInsn });

/** CPUID: leaf EAX, subleaf ECX; results zero-extend into RAX, RBX, RCX, RDX. Allowed at any CPL. */
function cpuidInsn(cpu: Cpu): void {
  const r = cpuidLeaf(cpu.cpuid, cpu.index, cpu.cpuCount, cpu.getRegLo(RAX), cpu.getRegLo(RCX));
  cpu.setReg32(RAX, r[0]);
  cpu.setReg32(3, r[1]);
  cpu.setReg32(RCX, r[2]);
  cpu.setReg32(RDX, r[3]);
}
defineOp(0x1a2, { handler: cpuidInsn });

/** RDTSC: #GP(0) when CR4.TSD=1 and CPL>0 (SDM RDTSC). */
function rdtsc(cpu: Cpu): void {
  if ((cpu.cr4 & CR4_TSD) !== 0 && cpu.cpl !== 0) throw new CpuFault(VEC_GP, 0);
  readTsc(cpu);
  cpu.setReg32(RAX, msrValue.lo);
  cpu.setReg32(RDX, msrValue.hi);
}
defineOp(0x131, { handler: rdtsc });

/** RDTSCP (0F 01 F9): RDTSC plus ECX = IA32_TSC_AUX. */
export function rdtscp(cpu: Cpu): void {
  rdtsc(cpu);
  cpu.setReg32(RCX, cpu.tscAux);
}

/** SWAPGS (0F 01 F8): exchanges GS.base and IA32_KERNEL_GS_BASE; CPL 0 only (SDM SWAPGS). */
export function swapgs(cpu: Cpu): void {
  requireCpl0(cpu);
  const lo = cpu.gsBaseLo, hi = cpu.gsBaseHi;
  cpu.gsBaseLo = cpu.kernelGsBaseLo; cpu.gsBaseHi = cpu.kernelGsBaseHi;
  cpu.kernelGsBaseLo = lo; cpu.kernelGsBaseHi = hi;
}

/**
 * F3 0F AE /0-/3 with a register operand: RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE (operand size 32 or,
 * with REX.W, 64). #UD unless CR4.FSGSBASE=1; a non-canonical WR*BASE value raises #GP(0).
 */
export function fsgsbase(cpu: Cpu, i: Insn): void {
  if (!cpu.cpuid.fsgsbase || (cpu.cr4 & CR4_FSGSBASE) === 0) throw new CpuFault(VEC_UD);
  const op = i.reg & 7, r = i.rm, wide = i.osize === 8;
  if (op < 2) {
    const lo = op === 0 ? cpu.fsBaseLo : cpu.gsBaseLo, hi = op === 0 ? cpu.fsBaseHi : cpu.gsBaseHi;
    cpu.setReg64(r, lo, wide ? hi : 0);
    return;
  }
  const lo = cpu.getRegLo(r), hi = wide ? cpu.getRegHi(r) : 0;
  if (!cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_GP, 0);
  if (op === 2) { cpu.fsBaseLo = lo; cpu.fsBaseHi = hi; } else { cpu.gsBaseLo = lo; cpu.gsBaseHi = hi; }
}
