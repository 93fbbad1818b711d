// Software interrupts and fast system calls: INT n (CD), INT3 (CC), INT1 (F1), INTO (CE, #UD in
// 64-bit mode), SYSCALL (0F 05) and SYSRET (0F 07). Delivery itself is interrupts.ts.
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { defineOp, IMM_8U } from '../opcodes.js';
import { CpuFault, VEC_BP, VEC_DB, VEC_GP, VEC_UD } from '../faults.js';
import { deliver, EV_EXCEPTION, EV_SOFTWARE } from '../interrupts.js';
import { getFlags } from '../flags.js';
import { EFER_SCE, RCX, RF, SEG_CS, SEG_SS, VM } from '../state.js';
import { requireCpl0 } from './system-cr.js';
import { UnsupportedByEmulator } from './system-desc.js';

/**
 * INT n / INT3: traps (the frame holds the next RIP) checked against the gate's DPL. A fault during
 * delivery is reported on the INT instruction itself (the run loop restores RIP).
 */
function intN(cpu: Cpu, i: Insn): void {
  const vector = i.op === 0xcc ? VEC_BP : i.imm & 0xff;
  cpu.noteInterrupt(vector, false);
  deliver(cpu, vector, EV_SOFTWARE, -1);
}
defineOp(0xcd, { imm: IMM_8U, handler: intN });
defineOp(0xcc, { handler: intN });

/** INT1 / ICEBP (F1): a #DB trap delivered like a hardware exception (no DPL check, EXT=1). */
function int1(cpu: Cpu): void {
  cpu.noteInterrupt(VEC_DB, false);
  deliver(cpu, VEC_DB, EV_EXCEPTION, -1);
}
defineOp(0xf1, { handler: int1 });

function into(): void { throw new CpuFault(VEC_UD); }
defineOp(0xce, { handler: into });

/**
 * SYSCALL (SDM SYSCALL): RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~IA32_FMASK (and RF), CS = STAR[47:32],
 * SS = STAR[47:32] + 8, CPL 0, RIP = IA32_LSTAR. CS and SS get fixed flat descriptors: the GDT is not read.
 */
function syscall(cpu: Cpu): void {
  if ((cpu.efer & EFER_SCE) === 0) throw new CpuFault(VEC_UD);
  const f = getFlags(cpu);
  cpu.setReg64(RCX, cpu.ripLo, cpu.ripHi);
  cpu.setReg64(11, f & ~RF, 0);
  const sel = cpu.starHi & 0xffff;
  cpu.sel[SEG_CS] = sel & 0xfffc;
  cpu.sel[SEG_SS] = (sel + 8) & 0xfffc;
  cpu.setCpl(0);
  cpu.setFlags(f & ~cpu.fmask & ~(RF | VM));
  cpu.ripLo = cpu.lstarLo;
  cpu.ripHi = cpu.lstarHi;
}
defineOp(0x105, { handler: syscall });

/**
 * SYSRET with REX.W (SDM SYSRET): RIP = RCX (non-canonical: #GP(0) at CPL 0, Intel behaviour),
 * RFLAGS = (R11 & 3C7FD7H) | 2, CS = STAR[63:48] + 16 | 3, SS = STAR[63:48] + 8 | 3, CPL 3. Without
 * REX.W it returns to compatibility mode, which tlbemu does not model.
 */
function sysret(cpu: Cpu, i: Insn): void {
  if ((cpu.efer & EFER_SCE) === 0) throw new CpuFault(VEC_UD);
  requireCpl0(cpu);
  if (i.osize !== 8) throw new UnsupportedByEmulator('SYSRET to compatibility mode');
  const lo = cpu.getRegLo(RCX), hi = cpu.getRegHi(RCX);
  if (!cpu.mmu.isCanonical(hi)) throw new CpuFault(VEC_GP, 0);
  const base = (cpu.starHi >>> 16) & 0xffff;
  cpu.sel[SEG_CS] = ((base + 16) & 0xffff) | 3;
  cpu.sel[SEG_SS] = ((base + 8) & 0xffff) | 3;
  cpu.setFlags((cpu.getRegLo(11) & 0x3c7fd7) | 2);
  cpu.setCpl(3);
  cpu.ripLo = lo;
  cpu.ripHi = hi;
}
defineOp(0x107, { handler: sysret });
