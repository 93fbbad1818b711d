// The parts of CPU state that decide how linear addresses are translated (SDM 4.1, 4.5, 4.6).
import { CpuState, CR0_PG, CR0_WP, CR4_LA57, CR4_PCIDE, CR4_PGE, CR4_SMAP, CR4_SMEP, EFER_NXE, AC } from '../cpu/state.js';

/** Read-only view of the translation-relevant state of a CPU. */
export class PagingMode {
  constructor(readonly s: CpuState, public maxPhysAddr = 46, public gbPages = true) {}

  get paging(): boolean { return (this.s.cr0 & CR0_PG) !== 0; }
  get la57(): boolean { return (this.s.cr4 & CR4_LA57) !== 0; }
  get levels(): number { return (this.s.cr4 & CR4_LA57) !== 0 ? 5 : 4; }
  get wp(): boolean { return (this.s.cr0 & CR0_WP) !== 0; }
  get nxe(): boolean { return (this.s.efer & EFER_NXE) !== 0; }
  get smep(): boolean { return (this.s.cr4 & CR4_SMEP) !== 0; }
  get smap(): boolean { return (this.s.cr4 & CR4_SMAP) !== 0; }
  get pge(): boolean { return (this.s.cr4 & CR4_PGE) !== 0; }
  get pcide(): boolean { return (this.s.cr4 & CR4_PCIDE) !== 0; }
  /** The current PCID (CR3[11:0] when CR4.PCIDE=1, else 0) (SDM 4.10.1). */
  get pcid(): number { return (this.s.cr4 & CR4_PCIDE) !== 0 ? this.s.cr3Lo & 0xfff : 0; }
  get ac(): boolean { return (this.s.flags & AC) !== 0; }
  /** Physical address of the top-level table: CR3[51:12] masked to MAXPHYADDR. */
  get rootTable(): number {
    const hiMask = this.maxPhysAddr >= 52 ? 0xfffff : (1 << (this.maxPhysAddr - 32)) - 1;
    return (this.s.cr3Hi & hiMask) * 4294967296 + ((this.s.cr3Lo & ~0xfff) >>> 0);
  }
}
