import { it, expect } from 'vitest';
import { Unicorn, X86_REG } from '../../emulator/reference/unicorn.js';
it('tlb', () => {
  for (const method of ['mapunmap', 'ctx', 'none']) {
    const u = Unicorn.open(); u.mapRam(0, 4 << 20);
    const q = (a: number, v: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); u.memWrite(a, b); };
    q(0x10000, 0x11003n); q(0x11000, 0x12003n); q(0x12000, 0x13003n); q(0x12008, 0x200083n);
    for (let i = 0; i < 512; i++) q(0x13000 + 8 * i, BigInt(i * 4096) | 3n);
    q(0x20000, 0x11003n); // another PML4 with the same content
    u.setReg(X86_REG.CR3, 0x10000n); u.setReg(X86_REG.CR4, 0x20n); u.setReg(X86_REG.CR0, 0x80010033n);
    u.memWrite(0x1000, new Uint8Array([0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x05, 0x00, 0xf4]));
    u.run(1, 0n, 0x1000n); // fills the TLB for 0x50000
    q(0x13000 + 8 * 0x50, 0n); // not present now
    if (method === 'mapunmap') { u.map(0x7fff_0000_0000n, 4096); (u as any).lib.memUnmap((u as any).handle, 0x7fff_0000_0000n, 4096); }
    if (method === 'ctx') { u.setEfer(0xd00n); }
    if (method === 'cr3other') { u.setReg(X86_REG.CR3, 0x20000n); u.setReg(X86_REG.CR3, 0x10000n); }
    if (method === 'cr4pge') { u.setReg(X86_REG.CR4, 0xa0n); u.setReg(X86_REG.CR4, 0x20n); }
    if (method === 'cr0wp') { u.setReg(X86_REG.CR0, 0x80000033n); u.setReg(X86_REG.CR0, 0x80010033n); }
    const r = u.run(1, 0n, 0x1000n);
    console.log(method, r.exception);
    u.close();
  }
  expect(1).toBe(1);
});
