import { cellNoise, noisyCounts, ownHistogram } from '../privacy/facts/gaussian.js';
import { denoised } from '../privacy/facts/histogram.js';
import type { Encoding } from '../sequence/encoding.js';
import { stepBinaries } from './channels.js';
import type { TrainingData } from './minibatch.js';
import { MAX_PATTERNS, type StepPatterns } from './stepPatterns.js';

/*
 * A private run's step patterns (which labs are drawn together, whether an
 * event comes alone; see stepPatterns.ts), released privately: every pattern
 * of a step's binary channels is a cell of a public grid (2^m cells for m
 * channels, at most MOST_PATTERN_BITS of them), each patient's histogram of its
 * own steps' patterns sums to 1, Gaussian noise is added, and a pattern is kept
 * when its count stands 4 sd out of the noise (the 64 fullest at most). With
 * fewer than two kept, or too many channels for a public grid, a step's
 * channels are drawn one by one.
 */

export const MOST_PATTERN_BITS = 10;
const STANDS_OUT = 4;

export function releasePatterns(enc: Encoding, data: TrainingData, sigma: number, normal: () => number): StepPatterns | null {
  const offsets = stepBinaries(enc);
  const m = offsets.length;
  if (m < 2 || m > MOST_PATTERN_BITS) return null;
  const sums = new Float64Array(2 ** m);
  const C = data.stepWidth;
  for (let p = 0; p < data.n; p++) {
    const cells: number[] = [];
    for (let t = 0; t < data.lengths[p]!; t++) {
      const base = (p * data.steps + t) * C;
      let key = 0;
      offsets.forEach((o, k) => (key |= (data.sequences[base + o]! >= 0.5 ? 1 : 0) << k));
      cells.push(key);
    }
    if (cells.length) for (const [cell, w] of ownHistogram(cells)) sums[cell]! += w;
  }
  const counts = denoised(noisyCounts([sums], 1, sigma, normal)[0]!, STANDS_OUT * cellNoise(sigma, 1));
  const kept = counts
    .map((c, key) => ({ c, key }))
    .filter(({ c }) => c > 0)
    .sort((a, b) => b.c - a.c || a.key - b.key)
    .slice(0, MAX_PATTERNS);
  if (kept.length < 2) return null;
  const bits = new Uint8Array(kept.length * m);
  kept.forEach(({ key }, p) => offsets.forEach((_, k) => (bits[p * m + k] = (key >> k) & 1)));
  return { offsets, bits, counts: kept.map(({ c }) => Math.round(c)) };
}
