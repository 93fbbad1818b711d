import { it, expect } from 'vitest';
import fc from 'fast-check';
import { WalkRig, WalkCase } from './walk-rig.js';
import { disassembler } from '../../emulator/reference/capstone.js';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
it('prof', async () => {
  const rig = new WalkRig(await disassembler());
  const on = { p: true, rw: true, us: true, pwt: false, pcd: false, a: false, d: false, g: false, xd: false, ps: false, rsvd: 0 };
  const sess = new Session(); sess.connect(); await sess.post('Profiler.enable'); await sess.post('Profiler.start');
  const t0 = performance.now();
  for (let k = 0; k < 1000; k++) {
    const c: WalkCase = { pml4e: on, pdpte: on, pde: [on, on], pte: [{ ...on, p: (k & 1) === 0 }, on], offset: (k * 4096 * 7) % (4 << 20), kind: 'read', size: 1, cpl: 0, wp: false, nxe: (k & 2) !== 0, smep: false, smap: false, pge: false, ac: false, value: 0n };
    rig.run(c);
  }
  const { profile } = await sess.post('Profiler.stop');
  writeFileSync('/tmp/prof2.cpuprofile', JSON.stringify(profile));
  console.log('ms per case', ((performance.now() - t0) / 1000).toFixed(3));
  rig.close();
  expect(1).toBe(1);
}, 600000);
