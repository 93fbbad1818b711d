// CPUID: a documented, configurable feature set (SDM vol. 2A, CPUID). Defaults describe what the
// emulator implements; a scenario can switch features off (e.g. no INVPCID, no 1 GiB pages) to take
// the guest down other paths.

export interface CpuidConfig {
  vendor: string; // 12 characters
  brand: string;
  family: number;
  model: number;
  stepping: number;
  /** Feature switches (all implemented by the emulator). */
  pge: boolean;
  pcid: boolean;
  invpcid: boolean;
  la57: boolean;
  nx: boolean;
  smep: boolean;
  smap: boolean;
  x2apic: boolean;
  gbPages: boolean;
  bmi1: boolean;
  /** RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE and CR4.FSGSBASE. */
  fsgsbase: boolean;
  maxPhysAddr: number;
  maxLinearAddr: number;
}

export function defaultCpuid(): CpuidConfig {
  return {
    vendor: 'TLBemuTLBemu', brand: 'tlbemu virtual x86-64 CPU', family: 6, model: 0x55, stepping: 4,
    pge: true, pcid: true, invpcid: true, la57: true, nx: true, smep: true, smap: true, x2apic: true,
    gbPages: true, bmi1: true, fsgsbase: true, maxPhysAddr: 46, maxLinearAddr: 57,
  };
}

/** Bits shown by `tlbemu run --help`, in the order of the options. */
export const CPUID_FEATURE_NAMES = ['pge', 'pcid', 'invpcid', 'la57', 'nx', 'smep', 'smap', 'x2apic', 'gbpages', 'bmi1'] as const;

function str4(s: string, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) v |= (s.charCodeAt(at + k) & 0xff) << (8 * k);
  return v;
}

/** Returns [eax, ebx, ecx, edx] for leaf/subleaf on the given CPU (APIC id = CPU index). */
export function cpuidLeaf(c: CpuidConfig, cpuIndex: number, cpuCount: number, leaf: number, sub: number): [number, number, number, number] {
  leaf >>>= 0;
  switch (leaf) {
    case 0: return [0x0d, str4(c.vendor, 0), str4(c.vendor, 8), str4(c.vendor, 4)];
    case 1: {
      const eax = (c.stepping & 0xf) | ((c.model & 0xf) << 4) | ((c.family & 0xf) << 8) | (((c.model >> 4) & 0xf) << 16);
      const ebx = ((cpuIndex & 0xff) << 24) | ((Math.min(cpuCount, 255) & 0xff) << 16) | (8 << 8);
      // ECX: SSE3 0 off; CX16 13, PCID 17, x2APIC 21, POPCNT 23, HYPERVISOR 31
      let ecx = (1 << 13) | (1 << 23) | (1 << 31);
      if (c.pcid) ecx |= 1 << 17;
      if (c.x2apic) ecx |= 1 << 21;
      // EDX: DE 2, PSE 3, TSC 4, MSR 5, PAE 6, CX8 8, APIC 9, PGE 13, CMOV 15, PAT 16, CLFSH 19. Off: FPU 0
      // (no x87), VME 1, MCE 7, SEP 11, MTRR 12, MCA 14, PSE36 17, FXSR 24, SSE 25, SSE2 26
      let edx = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 15) |
        (1 << 16) | (1 << 19);
      if (c.pge) edx |= 1 << 13;
      return [eax, ebx, ecx, edx];
    }
    case 7: {
      if (sub !== 0) return [0, 0, 0, 0];
      // EBX: FSGSBASE 0, BMI1 3, SMEP 7, INVPCID 10, SMAP 20. ECX: LA57 16.
      let ebx = 0;
      if (c.fsgsbase) ebx |= 1;
      if (c.bmi1) ebx |= 1 << 3;
      if (c.smep) ebx |= 1 << 7;
      if (c.invpcid) ebx |= 1 << 10;
      if (c.smap) ebx |= 1 << 20;
      const ecx = c.la57 ? 1 << 16 : 0;
      return [0, ebx, ecx, 0];
    }
    case 0x0b: {
      // x2APIC topology: one thread per core, cpuCount cores
      const level = sub & 0xff;
      if (level === 0) return [0, 1, (1 << 8) | level, cpuIndex];
      if (level === 1) return [Math.ceil(Math.log2(Math.max(cpuCount, 1))), cpuCount, (2 << 8) | level, cpuIndex];
      return [0, 0, level, cpuIndex];
    }
    case 0x80000000: return [0x80000008, 0, 0, 0];
    case 0x80000001: {
      // ECX: LAHF 0, LZCNT (ABM) 5. EDX: SYSCALL 11, NX 20, Page1GB 26, RDTSCP 27, LM 29
      const ecx = 1 | (c.bmi1 ? 1 << 5 : 0);
      let edx = (1 << 11) | (1 << 27) | (1 << 29);
      if (c.nx) edx |= 1 << 20;
      if (c.gbPages) edx |= 1 << 26;
      return [0, 0, ecx, edx];
    }
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const b = c.brand.padEnd(48, ' ');
      const at = (leaf - 0x80000002) * 16;
      return [str4(b, at), str4(b, at + 4), str4(b, at + 8), str4(b, at + 12)];
    }
    case 0x80000008: return [(c.maxPhysAddr & 0xff) | ((c.maxLinearAddr & 0xff) << 8), 0, Math.max(cpuCount - 1, 0) & 0xff, 0];
    default: return [0, 0, 0, 0];
  }
}
