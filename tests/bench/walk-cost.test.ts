// bench/walk-cost.ts reads cachegrind's exit summary and turns two runs into per-walk costs.
import { describe, expect, it } from 'vitest';
import { parseCachegrindSummary, perWalk } from '../../bench/walk-cost.js';

const SUMMARY = (ir: string, d1: string, ll: string): string => `==1== 
==1== I   refs:      ${ir}
==1== I1  misses:        1,234
==1== LLi misses:          567
==1== I1  miss rate:      0.01%
==1== 
==1== D   refs:      4,000,000  (3,000,000 rd   + 1,000,000 wr)
==1== D1  misses:      ${d1}  (   90,000 rd   +    10,000 wr)
==1== LLd misses:        2,000  (    1,500 rd   +       500 wr)
==1== 
==1== LL refs:         101,234  (  100,000 rd   +     1,234 wr)
==1== LL misses:         ${ll}  (    1,600 rd   +       500 wr)
`;

describe('walk-cost', () => {
  it('reads the instruction, L1-data and last-level totals, separators and all', () => {
    expect(parseCachegrindSummary(SUMMARY('10,632,046,309', '111,410,206', '2,567'))).toEqual({
      instructions: 10632046309, l1dMisses: 111410206, llMisses: 2567,
    });
  });

  it('gives null when a line is missing (valgrind died, or no cache simulation)', () => {
    expect(parseCachegrindSummary('==1== I   refs:      1,000\n')).toBeNull();
    expect(parseCachegrindSummary('')).toBeNull();
  });

  it('divides the difference of two runs by the walks between them', () => {
    const a = { instructions: 1_000_000, l1dMisses: 5_000, llMisses: 10 };
    const b = { instructions: 3_000_000, l1dMisses: 9_000, llMisses: 30 };
    expect(perWalk(a, b, 1000)).toEqual({ instructions: 2000, l1dMisses: 4, llMisses: 0.02 });
  });
});
