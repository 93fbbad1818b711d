// Privileged and flag-related miscellany: HLT, CLI/STI, PUSHF/POPF, CLAC/STAC, IN/OUT, UD2, fences,
// CLFLUSH, WBINVD/INVD, CLTS, and the x87 escape opcodes (only to raise #NM/#UD: CPUID reports no FPU).
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp } from '../opcodes.js';
import { requireCpl0 } from './system-cr.js';

/** HLT (F4): the CPU stops until an interrupt wakes it (the loop returns RUN_HALT; SDM HLT). */
function hlt(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.halted = true;
}
defineOp(0xf4, { handler: hlt });
