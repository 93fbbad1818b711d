// tools/build.mjs writes imported numeric constants as their values (V8 reads an imported binding from
// its cell at every use). The transform must change what the code costs, never what it computes:
// shadowing locals, property names, non-constant or non-numeric exports and type positions stay as
// they are, and the emitted module still runs with the same results.
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
// @ts-expect-error: a plain ES module of the build, without type declarations
import { inlineImportedConstants } from '../../tools/build.mjs';

const FILES: Record<string, string> = {
  '/p/bits.ts': `
    export const A = 1 << 3, B = A | 4, NEG = 1 << 31, BIG = 2 ** 40, FRAC = 1 / 8;
    export const NAME = 'x';
    export let MUTABLE = 5;
    export const FROM_CALL = Math.max(1, 2);
    export function f(): number { return 1; }
    export const enum Ignored { Z = 3 }
  `,
  '/p/use.ts': `
    import { A, B, NEG, BIG, FRAC, NAME, MUTABLE, FROM_CALL, f } from './bits.js';
    import * as bits from './bits.js';
    type T = typeof A;
    const o = { A, B: B, [NEG]: 1 };
    export function run(x: number): number[] {
      const shadow = ((A: number) => A + 1)(100);
      switch (x) { case A: return [1]; case B: return [2]; }
      return [x & A, B, NEG, BIG, FRAC, shadow, MUTABLE, FROM_CALL, f(), o.A, o.B, o[NEG], bits.A, NAME.length,
        (o as { A: T }).A];
    }
  `,
};

function emit(): string {
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, strict: true, noEmitOnError: false };
  const host = ts.createCompilerHost(options);
  const out: Record<string, string> = {};
  host.readFile = (f) => FILES[f] ?? ts.sys.readFile(f);
  host.fileExists = (f) => f in FILES || ts.sys.fileExists(f);
  host.writeFile = (f, text) => { out[f] = text; };
  host.getSourceFile = (f, lang) => {
    const text = FILES[f] ?? ts.sys.readFile(f);
    return text === undefined ? undefined : ts.createSourceFile(f, text, lang);
  };
  host.resolveModuleNames = (names) => names.map((n) => ({ resolvedFileName: `/p/${n.replace('./', '').replace('.js', '.ts')}`, extension: ts.Extension.Ts }));
  const program = ts.createProgram(['/p/use.ts'], options, host);
  program.emit(undefined, undefined, undefined, false, { before: [inlineImportedConstants(program)] });
  return out['/p/use.js'];
}

describe('tools/build.mjs: imported constants inlined', () => {
  const js = emit();
  it('writes qualifying imported constants as literals, the rest as they were', () => {
    expect(js).toContain('case 8:');
    expect(js).toContain('case 12:');
    expect(js).toContain('x & 8');
    expect(js).toContain('(-2147483648)');
    expect(js).toContain('1099511627776');
    expect(js).toContain('0.125');
    expect(js).toMatch(/A: 8, B: 12, \[\(-2147483648\)\]: 1/);
    // a parameter named like an import, a property name, a namespace member, non-constants
    expect(js).toMatch(/\(A\) => A \+ 1/);
    expect(js).toContain('o.A');
    expect(js).toContain('bits.A');
    expect(js).toContain('MUTABLE');
    expect(js).toContain('FROM_CALL');
    expect(js).toContain('NAME.length');
  });
  it('runs with the same results as before the transform', async () => {
    const bits = { A: 8, B: 12, NEG: -2147483648, BIG: 2 ** 40, FRAC: 0.125, NAME: 'x', MUTABLE: 5, FROM_CALL: 2, f: () => 1 };
    // the emitted module with its import replaced by the values the real module would export
    const body = js.replace(/^import .*$/gm, '').replace(/^export /gm, '');
    const run = new Function(...Object.keys(bits), 'bits', `${body}\nreturn run;`)(...Object.values(bits), bits) as (x: number) => number[];
    expect(run(8)).toEqual([1]);
    expect(run(12)).toEqual([2]);
    expect(run(13)).toEqual([8, 12, -2147483648, 2 ** 40, 0.125, 101, 5, 2, 1, 8, 12, 1, 8, 1, 8]);
  });
});
