// Differential fuzzing of the integer instruction set against Unicorn: random snippets (generated as
// Intel-syntax text, assembled in one GNU as run per seed), random registers, flags and memory, CPL 0
// with paging on (identity-mapped), stepped in lockstep: registers, defined flags, memory written and
// exceptions (vector, error code, CR2) are compared after every instruction.
//
// Size: at least 200 000 instructions per run (TLBEMU_FUZZ_SCALE=10 for the nightly run), half from a
// fixed seed and half from a fresh one; both seeds are printed. A failure is shrunk by fast-check to
// a minimal case; a real emulator bug found this way becomes a test in regressions.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { disassembler } from '../../emulator/reference/capstone.js';
import { generateCorpus } from './corpus.js';
import { assembleBatch } from './asm-batch.js';
import { InsnRig, CaseInput, wrap } from './insn-rig.js';

const SCALE = Math.max(1, Number(process.env.TLBEMU_FUZZ_SCALE ?? '1') || 1);
const TARGET = 200_000 * SCALE;
const FIXED_SEED = 0x7eb1e5;
const FRESH_SEED = Number(process.env.TLBEMU_FUZZ_SEED ?? (Date.now() % 0x7fffffff));
const POOL = 1500;
const TRACE = process.env.TLBEMU_FUZZ_TRACE;

interface Item { text: string; bytes: Uint8Array; neutral: boolean }

let rig: InsnRig;
beforeAll(async () => { rig = new InsnRig(await disassembler()); });
afterAll(() => rig?.close());

const interesting = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 63n, 64n, 31n, 32n];
const regArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...interesting) },
  { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 0xffffn }) },
);

function caseArb(poolSize: number) {
  return fc.record({
    items: fc.array(fc.record({ k: fc.nat({ max: poolSize - 1 }), wrap: fc.nat({ max: 99 }), cc: fc.nat({ max: 15 }) }), { minLength: 1, maxLength: 14 }),
    free: fc.array(regArb, { minLength: 11, maxLength: 11 }),
    rbxOff: fc.nat({ max: 0x7f8 }),
    rsi: fc.nat({ max: 63 }),
    r12NonCanonical: fc.boolean(),
    r12Off: fc.nat({ max: 0xfff }),
    r14Off: fc.nat({ max: 0xff0 }),
    flags: fc.nat({ max: 0xfff }),
    dataSeed: fc.nat(),
  });
}

type Case = ReturnType<typeof caseArb> extends fc.Arbitrary<infer T> ? T : never;

/** Snippets that leave RSP and the stack top where they found them: only those may be called (a CALL
 *  wrapper returns through whatever the snippet left on the stack). */
function stackNeutral(text: string): boolean {
  const count = (re: RegExp) => (text.match(re) ?? []).length;
  return count(/\bpush/g) === count(/\bpop/g) && count(/\benter\b/g) === count(/\bleave\b/g) && !/\[rsp/.test(text) &&
    !/\b(sub|add|and|or|xor|adc|sbb|lea|mov|xchg|xadd|cmpxchg|pop|inc|dec|neg|not|shl|shr|sar|rol|ror|rcl|rcr|shld|shrd|bts|btr|btc|set\w+|cmov\w+|bsf|bsr|imul|popcnt|tzcnt|lzcnt|movzx|movsx|movsxd|bswap)\s+(rsp|esp|sp|spl)\b/.test(text);
}

function build(pool: Item[], c: Case): CaseInput {
  const parts = c.items.map((it) => wrap(pool[it.k].bytes, pool[it.k].neutral || it.wrap < 8 ? it.wrap : 99, it.cc));
  const code = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { code.set(p, o); o += p.length; }
  return { ...c, code };
}

/** The pool of a seed, without the snippets one engine cannot execute at all (#UD in one only). */
function pool(seed: number): { items: Item[]; tlbemuUd: Map<string, number>; unicornUd: Map<string, number> } {
  const texts = generateCorpus(seed, POOL);
  const bytes = assembleBatch(texts);
  const items: Item[] = [];
  const tlbemuUd = new Map<string, number>(), unicornUd = new Map<string, number>();
  texts.forEach((text, k) => {
    const r = rig.run({ code: bytes[k], free: interesting.slice(0, 11), rbxOff: 0x200, rsi: 5, r12NonCanonical: false, r12Off: 0, r14Off: 0x10, flags: 0x45, dataSeed: k });
    const d = r.divergence;
    const ours = d?.ourException?.vector, theirs = d?.unicornException?.vector;
    const name = text.split('\n').find((l) => /^(lock |rep\w* )?[a-z]/.test(l) && !/^(lea|mov|push|pop|cmp|std|cld) /.test(l))?.split(' ')[0] ?? text.split('\n')[0].split(' ')[0];
    if (d && ours === 6 && theirs !== 6) { tlbemuUd.set(name, (tlbemuUd.get(name) ?? 0) + 1); return; }
    if (d && theirs === 6 && ours !== 6) { unicornUd.set(name, (unicornUd.get(name) ?? 0) + 1); return; }
    items.push({ text, bytes: bytes[k], neutral: stackNeutral(text) });
  });
  return { items, tlbemuUd, unicornUd };
}

function fuzz(seed: number, target: number): { instructions: number; cases: number; exceptions: number } {
  const p = pool(seed);
  console.log(`[diff-insns] seed ${seed}: ${p.items.length}/${POOL} snippets usable; ` +
    `excluded (tlbemu #UD, Unicorn executes): ${[...p.tlbemuUd].map(([k, v]) => `${k}×${v}`).join(' ') || 'none'}; ` +
    `excluded (Unicorn #UD, tlbemu executes): ${[...p.unicornUd].map(([k, v]) => `${k}×${v}`).join(' ') || 'none'}`);
  let instructions = 0, cases = 0, exceptions = 0, chunk = 0;
  while (instructions < target) {
    fc.assert(fc.property(caseArb(p.items.length), (c) => {
      // a native crash in Unicorn ends the process: TLBEMU_FUZZ_TRACE=FILE keeps the case about to run
      if (TRACE) writeFileSync(TRACE, `${c.items.map((it) => p.items[it.k].text.replace(/\n/g, '; ')).join(' | ')}\n${JSON.stringify(c, (_k, v) => typeof v === 'bigint' ? v.toString() : v)}\n`);
      const r = rig.run(build(p.items, c));
      instructions += r.instructions;
      cases++;
      if (r.exception >= 0) exceptions++;
      if (r.divergence !== null) {
        const src = c.items.map((it) => `${it.wrap < 8 ? `j${it.cc}-over: ` : it.wrap < 11 ? 'call-wrapped: ' : ''}${p.items[it.k].text.replace(/\n/g, '; ')}`).join('\n  ');
        throw new Error(`divergence\n  ${src}\n${r.text}`);
      }
    }), { seed: seed + chunk, numRuns: 400, endOnFailure: false });
    chunk++;
  }
  return { instructions, cases, exceptions };
}

describe('differential: integer instructions vs Unicorn', () => {
  for (const [name, seed] of [['fixed', FIXED_SEED], ['fresh', FRESH_SEED]] as const) {
    it(`${name} seed ${seed}: ${TARGET / 2} instructions agree`, () => {
      console.log(`[diff-insns] ${name} seed ${seed} (TLBEMU_FUZZ_SEED=${seed} reruns it), scale ${SCALE}`);
      const t0 = performance.now();
      const r = fuzz(seed, TARGET / 2);
      const s = (performance.now() - t0) / 1000;
      console.log(`[diff-insns] ${name} seed ${seed}: ${r.instructions} instructions in ${r.cases} cases ` +
        `(${r.exceptions} ended on an exception), ${s.toFixed(1)} s`);
      const masks = [...rig.session.masked.values()].sort((a, b) => b.count - a.count).map((m) => `${m.count} ${m.reason}`);
      console.log(`[diff-insns] masked so far:\n  ${masks.join('\n  ')}`);
      expect(r.instructions).toBeGreaterThanOrEqual(TARGET / 2);
      expect(r.exceptions).toBeGreaterThan(0);
    }, 900_000 * SCALE);
  }
});
