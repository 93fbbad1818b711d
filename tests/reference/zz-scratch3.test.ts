import { it, expect } from 'vitest';
import { assembleBatch } from './asm-batch.js';
import { InsnRig } from './insn-rig.js';
import { disassembler } from '../../emulator/reference/capstone.js';
it('ro flags', async () => {
  const rig = new InsnRig(await disassembler());
  const srcs = ['add dword ptr [r14], 1', 'adc dword ptr [r14], ecx', 'or byte ptr [r14], cl', 'lock xor qword ptr [r14], rcx', 'neg dword ptr [r14]', 'not dword ptr [r14]', 'inc dword ptr [r14]', 'dec byte ptr [r14]',
    'shl dword ptr [r14], 1', 'rol dword ptr [r14], cl', 'shld dword ptr [r14], ecx, 3', 'bts dword ptr [r14], 3', 'xadd dword ptr [r14], ecx', 'cmpxchg dword ptr [r14], ecx', 'sub dword ptr [r14], ecx', 'and word ptr [r14], 5', 'setz byte ptr [r14]', 'mov dword ptr [r14], ecx', 'xchg dword ptr [r14], ecx', 'sbb qword ptr [r14], rcx', 'rcl byte ptr [r14], 1', 'sar word ptr [r14], 3'];
  const b = assembleBatch(srcs.map((s) => `xor eax, eax\n${s}`));
  for (const [k, s] of srcs.entries()) {
    const r = rig.run({ code: b[k], free: [0n, 7n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n], rbxOff: 0, rsi: 0, r12NonCanonical: false, r12Off: 0, r14Off: 0x10, flags: 0, dataSeed: 1 });
    console.log(s.padEnd(32), r.divergence ? r.divergence.fields.map((f) => `${f.field}: ours ${f.ours.toString(16)} uc ${f.unicorn.toString(16)}`).join('; ') : 'agree');
  }
  rig.close();
  expect(1).toBe(1);
});
