import { it, expect } from 'vitest';
import { Unicorn, X86_REG } from '../../emulator/reference/unicorn.js';
it('loope', () => {
  const V = process.env.V!;
  const u = Unicorn.open(); u.mapRam(0, 4 << 20);
  const q = (a: number, v: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); u.memWrite(a, b); };
  q(0x10000, 0x11003n); q(0x11000, 0x12003n); q(0x12000, 0x83n); q(0x12008, 0x200083n);
  u.setReg(X86_REG.CR3, 0x10000n); u.setReg(X86_REG.CR4, 0x20n); u.setReg(X86_REG.CR0, 0x80010033n);
  const bytes = V.startsWith('loop ') ? [0xe2, 0xef] : V.startsWith('loopne') ? [0xe0, 0xef] : [0xe1, 0xef];
  const at = V.includes('hi') ? 0x20031b : 0x100020;
  u.memWrite(at, new Uint8Array(V.includes('junk') ? [0xe1, 0xef, 0xff, 0xec, 0x35, 0x07, 0x16, 0x38, 0xe8, 0x1b, 0xec, 0xe8, 0xb5, 0xee, 0xdd] : [...bytes, 0xf4]));
  u.setReg(X86_REG.RCX, 5n);
  const count = V.includes('count0') ? 0 : 1;
  const r = u.run(count, V.includes('until') ? BigInt(at + 2) : 0n, BigInt(at));
  require('fs').appendFileSync('/tmp/loop.txt', `${V}: ok ${JSON.stringify(r)} ${u.reg(X86_REG.RIP).toString(16)}\n`);
  u.close();
  expect(1).toBe(1);
});
