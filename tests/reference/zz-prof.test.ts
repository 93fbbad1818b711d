import { it, expect } from 'vitest';
import { generateCorpus, Rng } from './corpus.js';
import { assembleBatch } from './asm-batch.js';
import { InsnRig, wrap } from './insn-rig.js';
import { disassembler } from '../../emulator/reference/capstone.js';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
it('prof', async () => {
  const rig = new InsnRig(await disassembler());
  const texts = generateCorpus(99, 1500);
  const bytes = assembleBatch(texts);
  const rng = new Rng(99);
  const orig = rig.uc.run.bind(rig.uc); const stats = new Map<string, [number, number]>();
  (rig.uc as any).run = (count: number, until = 0n, begin?: bigint, to = 0) => { const t0 = performance.now(); const r = orig(count, until, begin, to); const k = `count=${count} until=${until !== 0n} to=${to} exc=${r.exception?.vector ?? '-'}`; const e = stats.get(k) ?? [0, 0]; e[0]++; e[1] += performance.now() - t0; stats.set(k, e); return r; };
  const sess = new Session(); sess.connect(); await sess.post('Profiler.enable'); await sess.post('Profiler.start');
  let insns = 0; const t0 = performance.now();
  for (let c = 0; c < 300; c++) {
    const n = 1 + rng.int(8);
    const ks = Array.from({ length: n }, () => rng.int(texts.length));
    const parts = ks.map((k) => wrap(bytes[k], rng.int(100), rng.int(16)));
    const code = new Uint8Array(parts.reduce((a, p) => a + p.length, 0)); let o = 0; for (const p of parts) { code.set(p, o); o += p.length; }
    const free = Array.from({ length: 11 }, () => (BigInt(rng.int(2 ** 32)) << 32n) | BigInt(rng.int(2 ** 32)));
    const r = rig.run({ code, free, rbxOff: rng.int(0x7f8), rsi: rng.int(64), r12NonCanonical: rng.chance(0.5), r12Off: rng.int(4096), r14Off: rng.int(0xff0), flags: rng.int(4096), dataSeed: c });
    insns += r.instructions;
  }
  const { profile } = await sess.post('Profiler.stop');
  writeFileSync('/tmp/prof.cpuprofile', JSON.stringify(profile));
  for (const [k, [n, t]] of stats) console.log(k, n, (t / n * 1000).toFixed(0), 'us avg');
  console.log('insns', insns, 'ms', (performance.now() - t0).toFixed(0));
  rig.close();
  expect(1).toBe(1);
}, 600000);
