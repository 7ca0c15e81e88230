/*
 * Aggregates that may leave in a report file: counts on a grid of round bin
 * edges, with small cells of real patients suppressed. No single patient's
 * value is written; the edges are multiples of a round step, not data values.
 */

export { MIN_CELL } from '../common/disclosure.js';
import { MIN_CELL } from '../common/disclosure.js';

/** A round step (1, 2 or 5 times a power of ten) that splits `range` into about `bins` parts. */
export function niceStep(range: number, bins: number): number {
  if (!(range > 0) || !Number.isFinite(range)) return 1;
  const raw = range / bins;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** Rounds away binary noise from multiples of a decimal step (0.1 * 3 = 0.30000000000000004). */
const tidy = (x: number) => Number(x.toPrecision(12));

export interface BinnedPair {
  /** Bin i holds values v with edges[i] <= v < edges[i + 1]. */
  edges: number[];
  /** Real values per bin; null where 1 to MIN_CELL - 1 values fall (suppressed). */
  real: (number | null)[];
  synthetic: number[];
  /** How many values each side has in all (the denominators of shares). */
  n: { real: number; synthetic: number };
}

/** Counts of real and synthetic values on one grid of round edges (about `bins` bins over both ranges). */
export function binPair(real: readonly number[], synthetic: readonly number[], bins = 20): BinnedPair {
  const all = [...real, ...synthetic].filter(Number.isFinite);
  if (!all.length) return { edges: [], real: [], synthetic: [], n: { real: 0, synthetic: 0 } };
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of all) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const step = niceStep(hi - lo, bins);
  const first = Math.floor(lo / step);
  const count = Math.max(1, Math.floor(hi / step) - first + 1);
  const edges = Array.from({ length: count + 1 }, (_, i) => tidy((first + i) * step));
  const tally = (xs: readonly number[]) => {
    const c = new Array<number>(count).fill(0);
    for (const x of xs) if (Number.isFinite(x)) c[Math.min(count - 1, Math.max(0, Math.floor(x / step) - first))]!++;
    return c;
  };
  return {
    edges,
    real: suppressSmall(tally(real)),
    synthetic: tally(synthetic),
    n: { real: real.filter(Number.isFinite).length, synthetic: synthetic.filter(Number.isFinite).length },
  };
}

/** Counts of 1 to MIN_CELL - 1 become null: too few to show without pointing at someone. */
export function suppressSmall(counts: number[]): (number | null)[] {
  return counts.map((c) => (c > 0 && c < MIN_CELL ? null : c));
}
