import { it, expect } from 'vitest';
import { Unicorn, X86_REG } from '../../emulator/reference/unicorn.js';
it('hi', () => {
  for (const hi of [0x8000000000n, 0x8000000000n, 0x8000000000n, 0x8000000000n, 0x8000000000n]) { const k = [0x8000000000n].length;
    const u = Unicorn.open(); u.mapRam(0, 4 << 20); u.mapRam(Number(hi), 4 << 20);
    const q = (a: number, v: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); u.memWrite(a, b); };
    q(0x10000, 0x11003n); q(0x11000, 0x12003n); q(0x12000, 0x83n);
    u.setReg(X86_REG.CR3, 0x10000n); u.setReg(X86_REG.CR4, 0x20n); u.setReg(X86_REG.CR0, 0x80010033n);
    u.setReg(X86_REG.RDI, hi + 0xff8n);
    (globalThis as any).__k = ((globalThis as any).__k ?? -1) + 1; const k2 = (globalThis as any).__k;
    if (k2 === 1) u.setTableReg(X86_REG.IDTR, { selector: 0, base: 0n, limit: 0, flags: 0 });
    if (k2 === 2) u.setTableReg(X86_REG.GDTR, { selector: 0, base: 0x1000n, limit: 55, flags: 0 });
    if (k2 === 3) u.setEfer(0x500n);
    if (k2 === 4) u.setReg(X86_REG.CR8, 0n);
    console.log('variant', k2);
    u.memWrite(0x1000, new Uint8Array([0x8a, 0x07, 0xf4]));
    const r = u.run(1, 0n, 0x1000n);
    console.log(hi.toString(16), r, u.reg(X86_REG.RIP).toString(16));
    u.close();
  }
  expect(1).toBe(1);
});
