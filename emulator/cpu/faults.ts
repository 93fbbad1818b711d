// Architectural exceptions raised by the CPU and the MMU (SDM vol. 3, ch. 6).
// A fault is thrown as a CpuFault (not an Error: no stack capture on the guest's behalf) and caught by
// the instruction loop, which delivers it through the guest's IDT.

export const VEC_DE = 0;
export const VEC_DB = 1;
export const VEC_NMI = 2;
export const VEC_BP = 3;
export const VEC_OF = 4;
export const VEC_BR = 5;
export const VEC_UD = 6;
export const VEC_NM = 7;
export const VEC_DF = 8;
export const VEC_TS = 10;
export const VEC_NP = 11;
export const VEC_SS = 12;
export const VEC_GP = 13;
export const VEC_PF = 14;
export const VEC_MF = 16;
export const VEC_AC = 17;

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC',
};

/** Vectors that push an error code (SDM 6.13). */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

/** Contributory exceptions, for the double-fault rules (SDM 6.15, table 6-5). */
export function isContributory(vector: number): boolean {
  return vector === 0 || (vector >= 10 && vector <= 13);
}

export function vectorName(vector: number): string {
  return VECTOR_NAMES[vector] ?? `vector ${vector}`;
}

export class CpuFault {
  /** For #PF: the faulting linear address halves (CR2). */
  constructor(
    readonly vector: number,
    readonly errorCode: number = -1,
    readonly cr2Lo = 0,
    readonly cr2Hi = 0,
  ) {}
  toString(): string {
    return `${vectorName(this.vector)}${this.errorCode >= 0 ? `(0x${this.errorCode.toString(16)})` : ''}`;
  }
}

export function gp(code = 0): CpuFault { return new CpuFault(VEC_GP, code); }
export function ud(): CpuFault { return new CpuFault(VEC_UD); }
