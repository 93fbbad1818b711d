// The per-frame decode cache (Frame.code) is looked up on every instruction the interpreter fetches and
// on every block entry. V8 turns an array into a hash table ("dictionary elements") when a store lands
// past its end while it is mostly empty — which the block compiler's slot at index 4096 did to a
// 4096-long array: every lookup then hashed its index. This checks the array V8 actually built.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { JitPage, JIT_PAGE_SLOT } from '../../emulator/cpu/jit/jit-page.js';
import { CODE_BASE, runSnippet } from '../helpers/test-machine.js';

setFlagsFromString('--allow-natives-syntax');
// parsed after the flag is set, so the intrinsic is allowed here
const hasDictionaryElements = new Function('a', 'return %HasDictionaryElements(a)') as (a: unknown) => boolean;

describe('decode cache', () => {
  it('keeps fast elements once the block compiler has stored its page state', () => {
    const m = runSnippet(`
      mov ecx, 200
    1: add eax, ecx
      dec ecx
      jnz 1b
    `, (t) => { t.cpu.jitThreshold = 2; });
    expect(m.cpu.blocksCompiled).toBeGreaterThan(0);
    const code = m.mem.peekFrame(CODE_BASE / 4096)?.code as unknown[] | null;
    expect(Array.isArray(code)).toBe(true);
    expect((code as unknown[])[JIT_PAGE_SLOT]).toBeInstanceOf(JitPage);
    // the probe itself can tell: a sparse array is reported as a dictionary
    const sparse: unknown[] = new Array(4096);
    sparse[4096] = 1;
    expect(hasDictionaryElements(sparse)).toBe(true);
    expect(hasDictionaryElements(code)).toBe(false);
  });
});
