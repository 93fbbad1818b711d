// Differential fuzzing of the page walker against Unicorn: random P/RW/US/PWT/PCD/A/D/G/PS/XD bits and
// reserved bits at every level, random CR0.WP, EFER.NXE, CR4.SMEP/SMAP/PGE, RFLAGS.AC and CPL (0 or 3,
// the latter through Unicorn's hflags, see unicorn.ts), × one read, write, read-modify-write or fetch
// of 1-8 bytes (page-crossing included). Compared: fault or not, vector, #PF error code, CR2, the
// state at the fault, the data, and the accessed/dirty bits written back into every table.
//
// Size: at least 20 000 cases per run (TLBEMU_FUZZ_SCALE=10 for the nightly run), half from a fixed
// seed and half from a fresh one; both seeds are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { disassembler } from '../../emulator/reference/capstone.js';
import { WalkRig, WalkCase, HI_SIZE, EntryBits } from './walk-rig.js';

const SCALE = Math.max(1, Number(process.env.TLBEMU_FUZZ_SCALE ?? '1') || 1);
const TARGET = 20_000 * SCALE;
const FIXED_SEED = 0x3a11c;
const FRESH_SEED = Number(process.env.TLBEMU_FUZZ_SEED ?? (Date.now() % 0x7fffffff));

/** The masks a page-walk case may use: anything else (a stale TLB, a missing feature) is a failure. */
const ALLOWED_MASKS = new Set([
  'exception delivery: Unicorn does not deliver through the IDT (vector, error code, CR2 and state compared)',
  'Unicorn deviation: A set in a 1 GiB-page PDPTE although the access faults',
  'Unicorn deviation: A bits set by the walk of the page after an instruction ending at the page boundary',
  'Unicorn deviation: a fetch fault on the next page is raised before an instruction ending at the page boundary executes',
]);

let rig: WalkRig;
beforeAll(async () => { rig = new WalkRig(await disassembler()); });
afterAll(() => rig?.close());

// true with probability p (unbiased draw); shrinks towards false
const bit = (p: number) => fc.noBias(fc.integer({ min: 0, max: 999 })).map((x) => x >= Math.round(1000 * (1 - p)));
const entryArb = (pPresent: number, pPs: number): fc.Arbitrary<EntryBits> => fc.record({
  p: bit(pPresent), rw: bit(0.75), us: bit(0.75), pwt: bit(0.2), pcd: bit(0.2), a: bit(0.5), d: bit(0.5), g: bit(0.3),
  xd: bit(0.2), ps: bit(pPs), rsvd: fc.oneof({ weight: 19, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 20 }) }),
});

const caseArb: fc.Arbitrary<WalkCase> = fc.record({
  pml4e: entryArb(0.95, 0),
  pdpte: entryArb(0.95, 0.1),
  pde: fc.tuple(entryArb(0.93, 0.35), entryArb(0.93, 0.35)),
  pte: fc.tuple(entryArb(0.9, 0), entryArb(0.9, 0)),
  offset: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: HI_SIZE - 16 }) },
    // near a page end: 1-8 byte accesses and 5-byte instructions that cross
    { weight: 2, arbitrary: fc.integer({ min: 0, max: HI_SIZE / 4096 - 2 }).chain((pg) => fc.integer({ min: 4088, max: 4095 }).map((o) => pg * 4096 + o)) },
    // near the 2 MiB boundary between the two PDEs
    { weight: 1, arbitrary: fc.integer({ min: (2 << 20) - 16, max: (2 << 20) + 8 }) },
  ),
  kind: fc.constantFrom('read', 'write', 'rmw', 'fetch'),
  size: fc.constantFrom(1, 2, 4, 8),
  cpl: fc.constantFrom(0, 0, 3),
  wp: fc.boolean(), nxe: fc.boolean(), smep: fc.boolean(), smap: fc.boolean(), pge: fc.boolean(), ac: fc.boolean(),
  value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
}) as fc.Arbitrary<WalkCase>;

describe('differential: page walks vs Unicorn', () => {
  for (const [name, seed] of [['fixed', FIXED_SEED], ['fresh', FRESH_SEED]] as const) {
    it(`${name} seed ${seed}: ${TARGET / 2} page-walk cases agree`, () => {
      console.log(`[diff-walks] ${name} seed ${seed} (TLBEMU_FUZZ_SEED=${seed} reruns it), scale ${SCALE}`);
      const t0 = performance.now();
      let cases = 0;
      const vectors = new Map<number, number>();
      fc.assert(fc.property(caseArb, (c) => {
        const r = rig.run(c);
        cases++;
        vectors.set(r.vector, (vectors.get(r.vector) ?? 0) + 1);
        if (r.divergence !== null) throw new Error(`divergence for ${JSON.stringify(c, (_k, v) => typeof v === 'bigint' ? `0x${v.toString(16)}` : v)}\n${r.text}`);
        for (const reason of rig.session.masked.keys()) {
          if (!ALLOWED_MASKS.has(reason)) throw new Error(`a page-walk case needed the mask "${reason}"`);
        }
      }), { seed, numRuns: TARGET / 2 });
      const s = (performance.now() - t0) / 1000;
      console.log(`[diff-walks] ${name} seed ${seed}: ${cases} cases in ${s.toFixed(1)} s; outcomes ${[...vectors].map(([v, n]) => `${v < 0 ? 'no fault' : v === 14 ? '#PF' : v === 13 ? '#GP' : `vector ${v}`}: ${n}`).join(', ')}`);
      expect(cases).toBeGreaterThanOrEqual(TARGET / 2);
      expect(vectors.get(14) ?? 0).toBeGreaterThan(cases / 10);
      expect(vectors.get(-1) ?? 0).toBeGreaterThan(cases / 10);
    }, 600_000 * SCALE);
  }
});
