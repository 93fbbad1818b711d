import { it, expect } from 'vitest';
import { WalkRig, WalkCase, EntryBits } from './walk-rig.js';
import { disassembler } from '../../emulator/reference/capstone.js';
it('cross fetch', async () => {
  const rig = new WalkRig(await disassembler());
  const on: EntryBits = { p: true, rw: true, us: false, pwt: false, pcd: false, a: true, d: false, g: false, xd: false, ps: false, rsvd: 0 };
  const mk = (p2: boolean, seq: string): WalkCase => ({ pml4e: on, pdpte: on, pde: [on, on], pte: [on, { ...on, p: p2 }], offset: 4153339, kind: 'fetch', size: 2, cpl: 0, wp: true, nxe: true, smep: true, smap: true, pge: false, ac: false, value: 0n });
  for (const seq of [[false], [true, false], [false, false]]) {
    const r0 = new WalkRig(await disassembler());
    const out = seq.map((p2) => { const r = r0.run(mk(p2, '')); return `p2=${p2}: ours vector ${r.vector} ${r.divergence ? 'DIVERGE: ' + r.divergence.note : 'agree'}`; });
    console.log(JSON.stringify(seq), out.join(' | '));
    r0.close();
  }
  rig.close();
  expect(1).toBe(1);
});
