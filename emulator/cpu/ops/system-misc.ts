// Privileged and flag-related miscellany: HLT, CLI/STI, PUSHF/POPF, CLAC/STAC, IN/OUT, UD2, the 0F AE
// group (fences, CLFLUSH, RD/WR FS/GS BASE), WBINVD/INVD, CLTS, and the x87 escape opcodes (only to
// raise #NM/#UD: CPUID reports no FPU).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, defineGroup, IMM_8U, SZ_BYTE, SZ_V, SZ_D64 } from '../opcodes.js';
import { CpuFault, VEC_GP, VEC_NM, VEC_UD } from '../faults.js';
import { getFlags } from '../flags.js';
import { push, pop } from '../stack.js';
import { computeEA, readReg, writeReg } from '../operands.js';
import {
  AC, IF, IOPL, RF, VM, RFLAGS_WRITABLE, RDX, CR0_EM, CR0_MP, CR0_TS,
} from '../state.js';
import { requireCpl0 } from './system-cr.js';
import { fsgsbase } from './system-msr.js';

const gp0 = (): CpuFault => new CpuFault(VEC_GP, 0);

/** HLT (F4): the CPU stops until an interrupt wakes it (the loop returns RUN_HALT; SDM HLT). */
function hlt(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.halted = true;
}
defineOp(0xf4, { handler: hlt });

/** IOPL sensitivity of CLI, STI, IN and OUT: CPL > IOPL raises #GP(0) (no VME/PVI: CPUID has no VME). */
function iopl(cpu: Cpu): number { return (cpu.flags & IOPL) >>> 12; }

function cli(cpu: Cpu): void {
  if (cpu.cpl > iopl(cpu)) throw gp0();
  cpu.flags &= ~IF;
}
/** STI: when it sets IF, interrupts stay blocked until after the next instruction (SDM 6.8.3). */
function sti(cpu: Cpu): void {
  if (cpu.cpl > iopl(cpu)) throw gp0();
  if ((cpu.flags & IF) === 0) {
    cpu.flags |= IF;
    cpu.interruptShadow = true;
  }
}
defineOp(0xfa, { handler: cli });
defineOp(0xfb, { handler: sti });

/** PUSHF/PUSHFQ (9C): the image has VM and RF clear (SDM PUSHF). 66h pushes the low 16 bits. */
function pushf(cpu: Cpu, i: Insn): void {
  const f = getFlags(cpu) & ~(VM | RF);
  push(cpu, i.osize, i.osize === 2 ? f & 0xffff : f, 0);
}
/**
 * POPF/POPFQ (9D): at CPL 0 every writable flag loads; above it IOPL is kept, and IF too when CPL > IOPL
 * (silently, no fault in protected mode). RF is cleared; VM, VIF and VIP are not changed (SDM POPF).
 */
function popf(cpu: Cpu, i: Insn): void {
  const v = pop(cpu, i.osize);
  const old = getFlags(cpu);
  let mask = RFLAGS_WRITABLE & ~RF;
  if (cpu.cpl !== 0) mask &= ~IOPL;
  if (cpu.cpl > ((old & IOPL) >>> 12)) mask &= ~IF;
  if (i.osize === 2) mask &= 0xffff;
  cpu.setFlags(((old & ~mask) | (v & mask)) & ~RF);
}
defineOp(0x9c, { size: SZ_D64, handler: pushf });
defineOp(0x9d, { size: SZ_D64, handler: popf });

/** CLAC / STAC (0F 01 CA / CB): #UD without SMAP support or above CPL 0 (SDM CLAC). */
export function clacStac(cpu: Cpu, set: boolean): void {
  if (!cpu.cpuid.smap || cpu.cpl !== 0) throw new CpuFault(VEC_UD);
  const f = getFlags(cpu);
  cpu.setFlags(set ? f | AC : f & ~AC);
}

// IN / OUT: E4-E7 with an imm8 port, EC-EF with DX. Sizes 1, 2 or 4 (REX.W does not widen them).
// Only IOPL is checked: tlbemu does not consult the TSS I/O permission bitmap, so CPL > IOPL is always
// #GP(0) (as if every bitmap bit were set).
function ioSize(i: Insn): number {
  return (i.op & 1) === 0 ? 1 : i.osize === 2 ? 2 : 4;
}
function inInsn(cpu: Cpu, i: Insn): void {
  if (cpu.cpl > iopl(cpu)) throw gp0();
  const port = i.op >= 0xec ? cpu.getRegLo(RDX) & 0xffff : i.imm & 0xff;
  const size = ioSize(i);
  const v = cpu.bus.portRead(cpu.index, port, size);
  const masked = size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v;
  if (cpu.hooks !== null && cpu.hooks.io !== undefined) cpu.hooks.io(cpu.index, port, size, false, masked);
  writeReg(cpu, i, 0, size, masked, 0);
}
function outInsn(cpu: Cpu, i: Insn): void {
  if (cpu.cpl > iopl(cpu)) throw gp0();
  const port = i.op >= 0xec ? cpu.getRegLo(RDX) & 0xffff : i.imm & 0xff;
  const size = ioSize(i);
  const v = readReg(cpu, i, 0, size);
  if (cpu.hooks !== null && cpu.hooks.io !== undefined) cpu.hooks.io(cpu.index, port, size, true, v);
  cpu.bus.portWrite(cpu.index, port, size, v);
}
defineOp(0xe4, { size: SZ_BYTE, imm: IMM_8U, handler: inInsn });
defineOp(0xe5, { size: SZ_V, imm: IMM_8U, handler: inInsn });
defineOp(0xe6, { size: SZ_BYTE, imm: IMM_8U, handler: outInsn });
defineOp(0xe7, { size: SZ_V, imm: IMM_8U, handler: outInsn });
defineOp(0xec, { size: SZ_BYTE, handler: inInsn });
defineOp(0xed, { size: SZ_V, handler: inInsn });
defineOp(0xee, { size: SZ_BYTE, handler: outInsn });
defineOp(0xef, { size: SZ_V, handler: outInsn });

function ud2(): void { throw new CpuFault(VEC_UD); }
defineOp(0x10b, { handler: ud2 });

// 0F AE: with a register operand /5 LFENCE, /6 MFENCE, /7 SFENCE (no-ops: one CPU executes one
// instruction at a time and the machine interleaves whole instructions, so memory is always ordered),
// and with F3 /0-/3 the FS/GS base instructions. With memory, /7 is CLFLUSH (no caches to flush, but it
// translates its address like a byte load and may fault, SDM CLFLUSH). FXSAVE & co. are #UD (no FXSR).
function grp15(cpu: Cpu, i: Insn): void {
  const r = i.reg & 7;
  if (!i.isMem) {
    if (i.rep === 1 && r <= 3) { fsgsbase(cpu, i); return; }
    if (i.rep === 0 && r >= 5) return;
    throw new CpuFault(VEC_UD);
  }
  if (r === 7 && i.rep === 0) {
    computeEA(cpu, i);
    cpu.mmu.read8(cpu.eaLo, cpu.eaHi);
    return;
  }
  throw new CpuFault(VEC_UD);
}
defineGroup(0x1ae, SZ_V, [grp15, grp15, grp15, grp15, grp15, grp15, grp15, grp15]);

/** WBINVD / INVD (0F 09 / 0F 08): no caches are modelled; privileged. */
function cacheInvalidate(cpu: Cpu): void { requireCpl0(cpu); }
defineOp(0x109, { handler: cacheInvalidate });
defineOp(0x108, { handler: cacheInvalidate });

/** CLTS (0F 06): clears CR0.TS; privileged. TS does not affect translation. */
function clts(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.cr0 &= ~CR0_TS;
}
defineOp(0x106, { handler: clts });

/**
 * x87 escapes D8-DF: #NM when CR0.EM or CR0.TS is set (SDM 2.5, table 2-2), else #UD: the emulator has
 * no FPU and CPUID says so. FWAIT (9B): #NM when CR0.MP and CR0.TS are both set, else it waits for
 * nothing (it is not an x87 instruction and never raises #UD).
 */
function x87(cpu: Cpu): void {
  if ((cpu.cr0 & (CR0_EM | CR0_TS)) !== 0) throw new CpuFault(VEC_NM);
  throw new CpuFault(VEC_UD);
}
for (let op = 0xd8; op <= 0xdf; op++) defineOp(op, { modrm: true, size: SZ_V, handler: x87 });
function fwait(cpu: Cpu): void {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) throw new CpuFault(VEC_NM);
}
defineOp(0x9b, { handler: fwait });
