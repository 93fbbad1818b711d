import { it, expect } from 'vitest';
import { assembleBatch } from './asm-batch.js';
import { InsnRig } from './insn-rig.js';
import { disassembler } from '../../emulator/reference/capstone.js';
it('low', async () => {
  const rig = new InsnRig(await disassembler());
  for (const rax of [0x1ff800n, 0x55n, 0x53n, 0x7000n]) {
    const [b] = assembleBatch(['push 83\nret']);
    const free = new Array(11).fill(0n); free[0] = rax;
    const r = rig.run({ code: b, free, rbxOff: 0, rsi: 0, r12NonCanonical: false, r12Off: 0, r14Off: 0x10, flags: 0, dataSeed: 1 }, 12);
    console.log(rax.toString(16), r.instructions, r.text.split('\n').slice(0, 12).join('\n'));
  }
  rig.close();
  expect(1).toBe(1);
});
