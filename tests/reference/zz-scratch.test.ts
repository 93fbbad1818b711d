import { it, expect } from 'vitest';
import { generateCorpus, Rng } from './corpus.js';
import { assembleBatch } from './asm-batch.js';
import { InsnRig, wrap } from './insn-rig.js';
import { disassembler } from '../../emulator/reference/capstone.js';
it('explore', async () => {
  const rig = new InsnRig(await disassembler());
  const seed = Number(process.env.S ?? 99);
  const texts = generateCorpus(seed, 1500);
  const bytes = assembleBatch(texts);
  const rng = new Rng(seed);
  const kinds = new Map<string, { n: number; ex: string }>();
  let insns = 0; const t0 = performance.now();
  const vals = [0n, 1n, 0x7fn, 0x80n, 0xffffffffn, 0x80000000n, 0xffffffffffffffffn, 0x8000000000000000n];
  for (let c = 0; c < Number(process.env.N ?? 3000); c++) {
    const n = 1 + rng.int(12);
    const ks = Array.from({ length: n }, () => rng.int(texts.length));
    const parts = ks.map((k) => wrap(bytes[k], rng.int(100), rng.int(16)));
    const code = new Uint8Array(parts.reduce((a, p) => a + p.length, 0)); let o = 0; for (const p of parts) { code.set(p, o); o += p.length; }
    const free = Array.from({ length: 11 }, () => rng.chance(0.3) ? rng.pick(vals) : (BigInt(rng.int(2 ** 32)) << 32n) | BigInt(rng.int(2 ** 32)));
    const r = rig.run({ code, free, rbxOff: rng.int(0x7f8), rsi: rng.int(64), r12NonCanonical: rng.chance(0.5), r12Off: rng.int(4096), r14Off: rng.int(0xff0), flags: rng.int(4096), dataSeed: c });
    insns += r.instructions;
    if (r.divergence) {
      const d = r.divergence;
      const key = `${d.disasm.split(' ')[0]} ${d.disasm.includes('ptr') ? 'mem' : 'reg'} :: ${d.kind} ${d.fields.map((f) => f.field).join(',')} ${d.note.slice(0, 40)}`;
      const e = kinds.get(key); if (e) e.n++; else kinds.set(key, { n: 1, ex: `${d.disasm}\n${ks.map(k=>texts[k].replace(/\n/g,'; ')).join(' | ')}\n${r.text.split('\n').filter(l=>l.includes('tlbemu') || l.includes('exception')).slice(0,8).join('\n')}` });
    }
  }
  console.log('insns', insns, 'ms', (performance.now() - t0).toFixed(0));
  for (const [k, v] of [...kinds].sort((a, b) => b[1].n - a[1].n)) console.log(`${v.n}  ${k}\n    ${v.ex.replace(/\n/g, '\n    ')}`);
  console.log([...rig.session.masked.values()].map((m) => `${m.count} ${m.reason}`).join('\n'));
  rig.close();
  expect(1).toBe(1);
}, 900000);
