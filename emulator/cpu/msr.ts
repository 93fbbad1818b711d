// Model-specific registers (RDMSR/WRMSR, SDM vol. 4). The CPU keeps the architectural ones here;
// everything else (the x2APIC range 0x800-0x8FF and any machine MSR) is asked of the bus, and an MSR
// nobody implements raises #GP(0), as does a reserved bit or a non-canonical address.
import type { Cpu } from './cpu.js';
import { CpuFault, VEC_GP } from './faults.js';
import { EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE } from './state.js';
import { u64, fromNumber } from './u64.js';

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_APIC_BASE = 0x1b;
export const MSR_IA32_MISC_ENABLE = 0x1a0;
export const MSR_IA32_PAT = 0x277;
export const MSR_EFER = 0xc0000080;
export const MSR_STAR = 0xc0000081;
export const MSR_LSTAR = 0xc0000082;
export const MSR_CSTAR = 0xc0000083;
export const MSR_FMASK = 0xc0000084;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
export const MSR_KERNEL_GS_BASE = 0xc0000102;
export const MSR_TSC_AUX = 0xc0000103;

// IA32_APIC_BASE bits (SDM 10.4.4, 10.12.1).
export const APIC_BASE_BSP = 1 << 8, APIC_BASE_EXTD = 1 << 10, APIC_BASE_EN = 1 << 11;

/** Value read by RDMSR (halves); reused so RDMSR allocates nothing. */
export const msrValue = { lo: 0, hi: 0 };

/** The time-stamp counter: retired instructions plus the offset WRMSR(IA32_TSC) chose (DESIGN.md). */
export function readTsc(cpu: Cpu): number {
  const lo = fromNumber(cpu.instructions + cpu.tscOffset);
  msrValue.hi = u64.hi;
  msrValue.lo = lo;
  return lo;
}

function gp0(): never {
  throw new CpuFault(VEC_GP, 0);
}

/** A PAT entry must hold a defined memory type: UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7 (SDM 11.12.2). */
function patValid(v: number): boolean {
  for (let k = 0; k < 4; k++) {
    const t = (v >>> (8 * k)) & 0xff;
    if (t === 2 || t === 3 || t > 7) return false;
  }
  return true;
}

/** Mask of the reserved high-word bits of a physical address (bits 63:MAXPHYADDR). */
function physRsvdHi(cpu: Cpu): number {
  const m = cpu.cpuid.maxPhysAddr;
  return m >= 64 ? 0 : ~((1 << (m - 32)) - 1);
}

/** RDMSR: the value goes to msrValue; raises #GP(0) for an unknown MSR. */
export function rdmsr(cpu: Cpu, index: number): void {
  const v = msrValue;
  v.hi = 0;
  switch (index >>> 0) {
    case MSR_IA32_TSC: readTsc(cpu); return;
    case MSR_IA32_APIC_BASE:
      v.lo = (cpu.apicBaseLo & ~APIC_BASE_BSP) | (cpu.index === 0 ? APIC_BASE_BSP : 0);
      v.hi = cpu.apicBaseHi;
      return;
    case MSR_IA32_MISC_ENABLE: v.lo = cpu.miscEnableLo; v.hi = cpu.miscEnableHi; return;
    case MSR_IA32_PAT: v.lo = cpu.patLo; v.hi = cpu.patHi; return;
    case MSR_EFER: v.lo = cpu.efer; return;
    case MSR_STAR: v.lo = cpu.starLo; v.hi = cpu.starHi; return;
    case MSR_LSTAR: v.lo = cpu.lstarLo; v.hi = cpu.lstarHi; return;
    case MSR_CSTAR: v.lo = cpu.cstarLo; v.hi = cpu.cstarHi; return;
    case MSR_FMASK: v.lo = cpu.fmask; return;
    case MSR_FS_BASE: v.lo = cpu.fsBaseLo; v.hi = cpu.fsBaseHi; return;
    case MSR_GS_BASE: v.lo = cpu.gsBaseLo; v.hi = cpu.gsBaseHi; return;
    case MSR_KERNEL_GS_BASE: v.lo = cpu.kernelGsBaseLo; v.hi = cpu.kernelGsBaseHi; return;
    case MSR_TSC_AUX: v.lo = cpu.tscAux; return;
    default:
      if (!cpu.bus.msrRead(cpu.index, index >>> 0, v)) gp0();
  }
}

/** WRMSR of (lo, hi); raises #GP(0) for an unknown MSR, a reserved bit or a non-canonical address. */
export function wrmsr(cpu: Cpu, index: number, lo: number, hi: number): void {
  switch (index >>> 0) {
    case MSR_IA32_TSC:
      // TSC = instructions + offset; exact while the value stays below 2^53
      cpu.tscOffset = (hi >>> 0) * 4294967296 + (lo >>> 0) - cpu.instructions;
      return;
    case MSR_IA32_APIC_BASE: {
      // bits 7:0, 9 and 63:MAXPHYADDR are reserved; EXTD needs x2APIC support; x2APIC -> xAPIC
      // directly and EXTD without EN are invalid transitions (SDM 10.12.5)
      const rsvd = 0xff | (1 << 9) | (cpu.cpuid.x2apic ? 0 : APIC_BASE_EXTD);
      if ((lo & rsvd) !== 0 || (hi & physRsvdHi(cpu)) !== 0) gp0();
      const en = (lo & APIC_BASE_EN) !== 0, extd = (lo & APIC_BASE_EXTD) !== 0;
      const wasExtd = (cpu.apicBaseLo & APIC_BASE_EXTD) !== 0 && (cpu.apicBaseLo & APIC_BASE_EN) !== 0;
      if (extd && !en) gp0();
      if (wasExtd && en && !extd) gp0();
      cpu.apicBaseLo = lo & ~APIC_BASE_BSP; // BSP is read-only (it reflects cpu.index)
      cpu.apicBaseHi = hi;
      return;
    }
    case MSR_IA32_MISC_ENABLE: cpu.miscEnableLo = lo; cpu.miscEnableHi = hi; return;
    case MSR_IA32_PAT:
      if (!patValid(lo) || !patValid(hi)) gp0();
      cpu.patLo = lo; cpu.patHi = hi;
      return;
    case MSR_EFER: {
      const allowed = EFER_SCE | EFER_LME | EFER_LMA | (cpu.cpuid.nx ? EFER_NXE : 0);
      if (hi !== 0 || (lo & ~allowed) !== 0) gp0();
      // LME cannot change while paging is on; LMA is read-only (writes of it are ignored) (SDM 9.8.5)
      if (((lo ^ cpu.efer) & EFER_LME) !== 0) gp0();
      const v = (lo & ~EFER_LMA) | (cpu.efer & EFER_LMA);
      const changed = v ^ cpu.efer;
      cpu.efer = v;
      if ((changed & EFER_NXE) !== 0) cpu.mmu.modeChanged();
      return;
    }
    case MSR_STAR: cpu.starLo = lo; cpu.starHi = hi; return;
    case MSR_LSTAR: case MSR_CSTAR: case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
      if (!cpu.mmu.isCanonical(hi)) gp0();
      switch (index >>> 0) {
        case MSR_LSTAR: cpu.lstarLo = lo; cpu.lstarHi = hi; break;
        case MSR_CSTAR: cpu.cstarLo = lo; cpu.cstarHi = hi; break;
        case MSR_FS_BASE: cpu.fsBaseLo = lo; cpu.fsBaseHi = hi; break;
        case MSR_GS_BASE: cpu.gsBaseLo = lo; cpu.gsBaseHi = hi; break;
        default: cpu.kernelGsBaseLo = lo; cpu.kernelGsBaseHi = hi; break;
      }
      return;
    case MSR_FMASK:
      if (hi !== 0) gp0(); // bits 63:32 reserved
      cpu.fmask = lo;
      return;
    case MSR_TSC_AUX:
      if (hi !== 0) gp0();
      cpu.tscAux = lo;
      return;
    default:
      if (!cpu.bus.msrWrite(cpu.index, index >>> 0, lo, hi)) gp0();
  }
}
