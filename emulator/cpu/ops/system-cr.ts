// Control registers and TLB maintenance: MOV to/from CR0/CR2/CR3/CR4/CR8 (0F 20, 0F 22), INVLPG
// (0F 01 /7, registered by system.ts), INVPCID (66 0F 38 82). The MMU does the invalidation
// (mmu.onMovCr*, invlpg, invpcid: SDM vol. 3A 4.10.4.1); this file does the architectural checks.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, SZ_F64 } from '../opcodes.js';
import { CpuFault, VEC_GP, VEC_UD } from '../faults.js';
import { computeEA } from '../operands.js';
import {
  CR0_PE, CR0_MP, CR0_EM, CR0_TS, CR0_ET, CR0_NE, CR0_WP, CR0_AM, CR0_NW, CR0_CD, CR0_PG,
  CR4_TSD, CR4_DE, CR4_PSE, CR4_PAE, CR4_PGE, CR4_PCE, CR4_LA57, CR4_FSGSBASE, CR4_PCIDE, CR4_SMEP, CR4_SMAP,
} from '../state.js';

/** #GP(0) unless CPL is 0 (every privileged instruction). */
export function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) throw new CpuFault(VEC_GP, 0);
}

/** CR0 bits that exist; the others are reserved, ignored on write and read as 0 (SDM 2.5). */
const CR0_DEFINED = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;

/**
 * CR4 bits the CPU accepts given its CPUID; setting any other bit raises #GP(0) (SDM 2.5). Bits of
 * features CPUID does not report are reserved: VME/PVI (no VME), MCE (no MCE), OSFXSR/OSXMMEXCPT (no
 * FXSR/SSE), OSXSAVE, UMIP, PKE, VMXE, SMXE.
 */
export function cr4Allowed(cpu: Cpu): number {
  const c = cpu.cpuid;
  let m = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PCE;
  if (c.fsgsbase) m |= CR4_FSGSBASE;
  if (c.pge) m |= CR4_PGE;
  if (c.la57) m |= CR4_LA57;
  if (c.pcid) m |= CR4_PCIDE;
  if (c.smep) m |= CR4_SMEP;
  if (c.smap) m |= CR4_SMAP;
  return m;
}

/**
 * The general-purpose register of MOV CR: ModRM.rm. The processor ignores the mod field (SDM MOV—Move
 * to/from Control Registers), so no SIB byte or displacement follows the ModRM byte even when mod != 3.
 * The decoder treated such an encoding as a memory form and consumed extra bytes; re-read the prefix,
 * REX and ModRM bytes and put RIP right after the ModRM byte (rare, slow path).
 */
function crGpr(cpu: Cpu, i: Insn): number {
  if (!i.isMem) return i.rm;
  const mmu = cpu.mmu;
  const lo = cpu.insnRipLo, hi = cpu.insnRipHi;
  let p = 0, rex = 0;
  const at = (k: number): number => {
    const s = (lo >>> 0) + k;
    return mmu.fetch8(s | 0, s > 0xffffffff ? (hi + 1) | 0 : hi);
  };
  for (;;) {
    const b = at(p);
    if (b >= 0x40 && b <= 0x4f) { rex = b; p++; continue; }
    if (b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x64 || b === 0x65 ||
      b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) { rex = 0; p++; continue; }
    break;
  }
  const modrm = at(p + 2); // 0F, 20/22, ModRM
  const len = p + 3;
  const s = (lo >>> 0) + len;
  cpu.ripLo = s | 0;
  cpu.ripHi = s > 0xffffffff ? (hi + 1) | 0 : hi;
  return (modrm & 7) | ((rex & 1) << 3);
}

function checkCrIndex(n: number): void {
  if (n !== 0 && n !== 2 && n !== 3 && n !== 4 && n !== 8) throw new CpuFault(VEC_UD);
}

/** MOV r64, CRn (0F 20 /r): operand size is always 64 bits in 64-bit mode. */
function movFromCr(cpu: Cpu, i: Insn): void {
  const n = i.reg;
  checkCrIndex(n);
  const r = crGpr(cpu, i);
  requireCpl0(cpu);
  let lo = 0, hi = 0;
  switch (n) {
    case 0: lo = cpu.cr0; break;
    case 2: lo = cpu.cr2Lo; hi = cpu.cr2Hi; break;
    case 3: lo = cpu.cr3Lo; hi = cpu.cr3Hi; break;
    case 4: lo = cpu.cr4; break;
    default: lo = readCr8(cpu); break;
  }
  cpu.setReg64(r, lo, hi);
}

/** x2APIC TPR MSR: CR8 is an alias of TPR[7:4] (SDM 10.8.6.1). */
const MSR_X2APIC_TPR = 0x808;
const tprScratch = { lo: 0, hi: 0 };

/** CR8 = TPR[7:4] of the local APIC on the bus; without one, the value last written. */
function readCr8(cpu: Cpu): number {
  if (cpu.bus.msrRead(cpu.index, MSR_X2APIC_TPR, tprScratch)) cpu.cr8 = (tprScratch.lo >>> 4) & 0xf;
  return cpu.cr8;
}

/** MOV CRn, r64 (0F 22 /r). */
function movToCr(cpu: Cpu, i: Insn): void {
  const n = i.reg;
  checkCrIndex(n);
  const r = crGpr(cpu, i);
  requireCpl0(cpu);
  const lo = cpu.getRegLo(r), hi = cpu.getRegHi(r);
  switch (n) {
    case 0: writeCr0(cpu, lo, hi); break;
    case 2: cpu.cr2Lo = lo; cpu.cr2Hi = hi; break;
    case 3: writeCr3(cpu, lo, hi); break;
    case 4: writeCr4(cpu, lo, hi); break;
    default:
      // CR8 = TPR[7:4]; bits 63:4 are reserved (SDM 10.8.6.1)
      if (hi !== 0 || (lo & ~0xf) !== 0) throw new CpuFault(VEC_GP, 0);
      cpu.cr8 = lo;
      cpu.bus.msrWrite(cpu.index, MSR_X2APIC_TPR, lo << 4, 0); // TPR[7:4] = CR8, TPR[3:0] = 0
      break;
  }
}

/** MOV to CR0 in 64-bit mode (SDM 2.5, MOV CR exceptions). */
export function writeCr0(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0) throw new CpuFault(VEC_GP, 0); // bits 63:32 reserved
  const v = (lo & CR0_DEFINED) | CR0_ET; // ET is hardwired to 1
  if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) throw new CpuFault(VEC_GP, 0);
  if ((v & CR0_NW) !== 0 && (v & CR0_CD) === 0) throw new CpuFault(VEC_GP, 0);
  // leaving long mode from 64-bit code (clearing PG, hence also PE) is not allowed (SDM 9.8.5.4)
  if ((v & CR0_PG) === 0) throw new CpuFault(VEC_GP, 0);
  const old = cpu.cr0;
  cpu.cr0 = v;
  cpu.mmu.onMovCr0(old, v);
}

/**
 * MOV to CR3. With CR4.PCIDE=1, bit 63 of the source is the "no flush" hint and is not stored; with
 * PCIDE=0 it is a reserved bit like bits 62:MAXPHYADDR, and setting any of them raises #GP(0)
 * (SDM 4.10.4.1 and MOV CR; KVM's kvm_set_cr3 agrees).
 */
export function writeCr3(cpu: Cpu, lo: number, hi: number): void {
  const pcide = (cpu.cr4 & CR4_PCIDE) !== 0;
  let noFlush = false;
  if (pcide && (hi & 0x80000000) !== 0) { noFlush = true; hi &= 0x7fffffff; }
  const maxPhys = cpu.cpuid.maxPhysAddr;
  const rsvdHi = maxPhys >= 64 ? 0 : ~((1 << (maxPhys - 32)) - 1);
  if ((hi & rsvdHi) !== 0) throw new CpuFault(VEC_GP, 0);
  cpu.cr3Lo = lo;
  cpu.cr3Hi = hi;
  cpu.mmu.onMovCr3(noFlush);
}

/** MOV to CR4 in 64-bit mode (SDM 2.5, 4.10.1, MOV CR exceptions). */
export function writeCr4(cpu: Cpu, lo: number, hi: number): void {
  if (hi !== 0 || (lo & ~cr4Allowed(cpu)) !== 0) throw new CpuFault(VEC_GP, 0);
  const old = cpu.cr4;
  if ((lo & CR4_PAE) === 0) throw new CpuFault(VEC_GP, 0); // would leave IA-32e mode
  if (((old ^ lo) & CR4_LA57) !== 0) throw new CpuFault(VEC_GP, 0); // LA57 cannot change while LMA=1
  if ((old & CR4_PCIDE) === 0 && (lo & CR4_PCIDE) !== 0 && (cpu.cr3Lo & 0xfff) !== 0) throw new CpuFault(VEC_GP, 0);
  cpu.cr4 = lo;
  cpu.mmu.onMovCr4(old, lo);
}

defineOp(0x120, { modrm: true, size: SZ_F64, handler: movFromCr });
defineOp(0x122, { modrm: true, size: SZ_F64, handler: movToCr });

/** Linear address of a memory operand without the canonical check (INVLPG never faults on it). */
function linearNoCheck(cpu: Cpu, i: Insn): void {
  const sr = i.stackRef;
  i.stackRef = false;
  try { computeEA(cpu, i); } finally { i.stackRef = sr; }
}

/** INVLPG m (0F 01 /7, memory form): a non-canonical address is a no-op (SDM INVLPG). */
export function invlpg(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  linearNoCheck(cpu, i);
  cpu.mmu.invlpg(cpu.eaLo, cpu.eaHi);
}

/**
 * INVPCID r64, m128 (66 0F 38 82 /r). Descriptor: PCID in bits 11:0, bits 63:12 reserved, linear
 * address in bits 127:64 (SDM INVPCID).
 */
function invpcid(cpu: Cpu, i: Insn): void {
  if (!i.opsizePrefix || i.rep !== 0 || !cpu.cpuid.invpcid || !i.isMem) throw new CpuFault(VEC_UD);
  requireCpl0(cpu);
  const typeLo = cpu.getRegLo(i.reg), typeHi = cpu.getRegHi(i.reg);
  computeEA(cpu, i);
  const aLo = cpu.eaLo, aHi = cpu.eaHi;
  const mmu = cpu.mmu;
  const d0 = mmu.read64(aLo, aHi);
  const d1 = mmu.hi;
  const s = (aLo >>> 0) + 8;
  const addrLo = mmu.read64(s | 0, s > 0xffffffff ? (aHi + 1) | 0 : aHi);
  const addrHi = mmu.hi;
  if (typeHi !== 0 || (typeLo >>> 0) > 3) throw new CpuFault(VEC_GP, 0);
  if (d1 !== 0 || (d0 & ~0xfff) !== 0) throw new CpuFault(VEC_GP, 0);
  const type = typeLo;
  const pcid = d0 & 0xfff;
  if (type === 0 && !mmu.isCanonical(addrHi)) throw new CpuFault(VEC_GP, 0);
  if (type <= 1 && pcid !== 0 && (cpu.cr4 & CR4_PCIDE) === 0) throw new CpuFault(VEC_GP, 0);
  mmu.invpcid(type, pcid, addrLo, addrHi);
}
defineOp(0x282, { modrm: true, size: SZ_F64, handler: invpcid });
