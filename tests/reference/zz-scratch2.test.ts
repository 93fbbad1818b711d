import { it, expect } from 'vitest';
import fc from 'fast-check';
import { WalkRig, WalkCase, HI_SIZE, EntryBits } from './walk-rig.js';
import { disassembler } from '../../emulator/reference/capstone.js';
const bit = (p: number) => fc.noBias(fc.integer({ min: 0, max: 999 })).map((x) => x >= Math.round(1000 * (1 - p)));
const entryArb = (pPresent: number, pPs: number): fc.Arbitrary<EntryBits> => fc.record({
  p: bit(pPresent), rw: bit(0.75), us: bit(0.75), pwt: bit(0.2), pcd: bit(0.2), a: bit(0.5), d: bit(0.5), g: bit(0.3),
  xd: bit(0.2), ps: bit(pPs), rsvd: fc.oneof({ weight: 19, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 20 }) }),
});
const caseArb = fc.record({
  pml4e: entryArb(0.95, 0), pdpte: entryArb(0.95, 0.1), pde: fc.tuple(entryArb(0.93, 0.35), entryArb(0.93, 0.35)), pte: fc.tuple(entryArb(0.9, 0), entryArb(0.9, 0)),
  offset: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: HI_SIZE - 16 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: HI_SIZE / 4096 - 2 }).chain((pg) => fc.integer({ min: 4088, max: 4095 }).map((o) => pg * 4096 + o)) }),
  kind: fc.constantFrom('read', 'write', 'rmw', 'fetch'), size: fc.constantFrom(1, 2, 4, 8), cpl: fc.constantFrom(0, 0, 3),
  wp: fc.boolean(), nxe: fc.boolean(), smep: fc.boolean(), smap: fc.boolean(), pge: fc.boolean(), ac: fc.boolean(), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
}) as fc.Arbitrary<WalkCase>;
it('explore walks', async () => {
  const rig = new WalkRig(await disassembler());
  const kinds = new Map<string, { n: number; ex: string }>();
  const t0 = performance.now(); let n = 0; const outcomes = new Map<number, number>();
  for (const c of fc.sample(caseArb, { seed: 4242, numRuns: Number(process.env.N ?? 5000) })) {
    const r = rig.run(c); n++;
    outcomes.set(r.vector, (outcomes.get(r.vector) ?? 0) + 1);
    if (r.divergence) {
      const d = r.divergence;
      if (d.kind === 'exception' && d.fields.length === 1 && d.fields[0].field === 'rflags') continue;
      const key = `${c.kind} cpl${c.cpl} :: ${d.kind} ${d.fields.map((f) => f.field).join(',')} ${d.note.slice(0, 50)} ${d.ourException ? 'ours ' + d.ourException.vector + '/' + d.ourException.errorCode : ''} ${d.unicornException ? 'uc ' + d.unicornException.vector + '/' + d.unicornException.errorCode : ''}`;
      const e = kinds.get(key); if (e) e.n++; else kinds.set(key, { n: 1, ex: JSON.stringify(c, (_k, v) => typeof v === 'bigint' ? v.toString(16) : v) + '\n' + r.text.split('\n').slice(0, 10).join('\n') });
    }
  }
  console.log('cases', n, 'ms/case', ((performance.now() - t0) / n).toFixed(3), [...outcomes]);
  for (const [k, v] of [...kinds].sort((a, b) => b[1].n - a[1].n)) console.log(`${v.n}  ${k}\n    ${v.ex.replace(/\n/g, '\n    ')}`);
  console.log([...rig.session.masked.values()].map((m) => `${m.count} ${m.reason}`).join('\n'));
  rig.close();
  expect(1).toBe(1);
}, 900000);
