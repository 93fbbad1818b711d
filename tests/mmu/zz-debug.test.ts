import { it } from 'vitest';
import { createTestMachine } from '../helpers/test-machine.js';
import { WalkResult } from '../../emulator/mmu/walker.js';
it('dbg', () => {
  const m = createTestMachine();
  m.pt.map(BigInt(0x40000000), 0x500000, 1, 0n);
  const mmu = m.cpu.mmu;
  const r = new WalkResult();
  console.log(mmu.debugTranslate(0x40000010, 0, r), r.fault, r.depth, r.leafLevel, [...r.entryPaddr].map(x=>x.toString(16)));
  for (const a of [0x10000, 0x11008, 0x13000, 0x14000]) console.log(a.toString(16), (m.mem.read32(a)>>>0).toString(16), m.mem.read32(a+4));
});
