import { it, expect } from 'vitest';
import { Unicorn, X86_REG } from '../../emulator/reference/unicorn.js';
it('loope', () => {
  const until = BigInt(process.env.UNTIL ?? '0');
  const u = Unicorn.open(); u.mapRam(0, 4 << 20);
  const q = (a: number, v: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); u.memWrite(a, b); };
  q(0x10000, 0x11003n); q(0x11000, 0x12003n); q(0x12000, 0x83n); q(0x12008, 0x200083n);
  u.setReg(X86_REG.CR3, 0x10000n); u.setReg(X86_REG.CR4, 0x20n); u.setReg(X86_REG.CR0, 0x80010033n);
  u.memWrite(0x20031b, new Uint8Array([0xe1, 0xef, 0xff, 0xec, 0x35, 0x07, 0x16, 0x38, 0xe8, 0x1b, 0xec, 0xe8, 0xb5, 0xee, 0xdd]));
  u.setReg(X86_REG.RCX, 5n);
  console.log('before');
  const r = u.run(1, until, 0x20031bn);
  console.log('after', r, u.reg(X86_REG.RIP).toString(16));
  u.close();
  expect(1).toBe(1);
});
