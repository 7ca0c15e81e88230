import { describe, expect, it } from 'vitest';
import { bruteForceNearest, NeighbourIndex, nearest } from '../../main/evaluation/neighbours.js';
import { Rng } from '../../main/common/rng.js';
import { referenceNearest } from '../support/referenceNearest.js';

const rng = new Rng(5);
const vectors = (n: number, w: number, value: () => number) => Array.from({ length: n }, () => Float64Array.from({ length: w }, value));
/** Few distinct values: many equal distances and duplicate vectors. */
const coarse = () => rng.int(3);
const gaussian = () => rng.normal();

describe('exact nearest neighbours', () => {
  const cases: [string, number, number, number, () => number][] = [
    ['coarse values, many ties, width 3', 300, 400, 3, coarse],
    ['coarse values, many ties, width 12', 300, 400, 12, coarse],
    ['one-hot-like and continuous, width 34', 400, 600, 34, () => (rng.next() < 0.5 ? coarse() : gaussian())],
    ['gaussian, width 1', 200, 300, 1, gaussian],
    ['gaussian, width 7', 200, 300, 7, gaussian],
    ['gaussian, width 50', 200, 300, 50, gaussian],
    ['far from the origin (large norms, tiny differences)', 200, 300, 10, () => 1e6 + rng.int(4) * 1e-3 + rng.normal() * 1e-6],
  ];
  for (const [name, nq, nr, w, value] of cases) {
    it(`gives the brute-force answer to the bit: ${name}`, () => {
      const refs = vectors(nr, w, value);
      // Exact copies of references among the queries, and duplicates among the references.
      const queries = [...vectors(nq, w, value), ...refs.slice(0, 20).map((r) => Float64Array.from(r))];
      refs.push(...refs.slice(5, 15).map((r) => Float64Array.from(r)));
      const expected = referenceNearest(queries, refs);
      expect(nearest(queries, refs)).toEqual(expected);
      expect(bruteForceNearest(queries, refs)).toEqual(expected);
      // Leaving columns out, and a set against itself.
      const skip = new Set([0, Math.floor(w / 2), w - 1].filter((c) => w > 1 && c < w));
      expect(nearest(queries, refs, false, skip)).toEqual(referenceNearest(queries, refs, false, skip));
      expect(nearest(refs, refs, true)).toEqual(referenceNearest(refs, refs, true));
      // One index answers many query sets.
      const index = new NeighbourIndex(refs);
      expect(index.query(queries.slice(0, 50))).toEqual(expected.slice(0, 50));
    });
  }

  it('ties go to the lowest reference index, and the second-nearest equals the nearest on a tie', () => {
    const refs = [[0, 0], [1, 0], [0, 1], [1, 0], [-1, 0]].map((r) => Float64Array.from(r));
    const [found] = nearest([Float64Array.from([0.5, 0])], refs);
    expect(found).toEqual({ d1: 0.5, d2: 0.5, index: 0 });
    expect(nearest([Float64Array.from([1, 0])], refs)[0]).toEqual({ d1: 0, d2: 0, index: 1 });
  });

  it('answers without references, with one, and with vectors that are not finite (as brute force does)', () => {
    const q = [Float64Array.from([1, 2])];
    expect(nearest(q, [])).toEqual([{ d1: Infinity, d2: Infinity, index: -1 }]);
    expect(nearest(q, [Float64Array.from([1, 3])])).toEqual([{ d1: 1, d2: Infinity, index: 0 }]);
    const refs = [Float64Array.from([NaN, 0]), Float64Array.from([1, 1]), Float64Array.from([Infinity, 2])];
    const queries = [Float64Array.from([1, 2]), Float64Array.from([NaN, 2])];
    expect(nearest(queries, refs)).toEqual(referenceNearest(queries, refs));
    expect(nearest(queries, refs.slice(1, 2).concat([Float64Array.from([0, 0])]))).toEqual(referenceNearest(queries, refs.slice(1, 2).concat([Float64Array.from([0, 0])])));
  });
});
