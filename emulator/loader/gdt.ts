// The loader's GDT (boot contract, DESIGN.md): flat segments for 64-bit kernel code and data plus user
// segments laid out as Linux orders them for SYSCALL/SYSRET (SDM vol. 3, 5.8.8: SYSRET loads CS from
// STAR[63:48]+16 and SS from STAR[63:48]+8, so user data sits just below user code64).
import { PhysicalMemory } from '../memory/physical.js';

export const SEL_KERNEL_CS32 = 0x08;
export const SEL_KERNEL_CS = 0x10;
export const SEL_KERNEL_DS = 0x18;
export const SEL_USER_CS32 = 0x20;
export const SEL_USER_DS = 0x28;
export const SEL_USER_CS = 0x30;

/** Descriptors as (low dword, high dword): base 0, limit 4 GiB, G=1; L=1 on the 64-bit code segments. */
export const GDT_DESCRIPTORS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0x0000ffff, 0x00cf9b00], // 0x08 code32 DPL0
  [0x0000ffff, 0x00af9b00], // 0x10 code64 DPL0 (L=1)
  [0x0000ffff, 0x00cf9300], // 0x18 data DPL0
  [0x0000ffff, 0x00cffb00], // 0x20 code32 DPL3
  [0x0000ffff, 0x00cff300], // 0x28 data DPL3
  [0x0000ffff, 0x00affb00], // 0x30 code64 DPL3
];

/** GDTR limit for GDT_DESCRIPTORS. */
export const GDT_LIMIT = GDT_DESCRIPTORS.length * 8 - 1;

/** GDT: 0x08 code32, 0x10 kernel code64, 0x18 kernel data, 0x20 user code32, 0x28 user data, 0x30 user code64. */
export function writeGdt(mem: PhysicalMemory, base: number): void {
  GDT_DESCRIPTORS.forEach(([lo, hi], k) => {
    mem.write32(base + 8 * k, lo | 0);
    mem.write32(base + 8 * k + 4, hi | 0);
  });
}
