import { logErfc } from '../rdpAccountant.js';

/*
 * The Gaussian mechanism on a vector of per-patient contributions, each
 * patient's whole vector of L2 norm at most 1: the sum of the contributions,
 * plus N(0, sigma^2) on every coordinate. Adding or removing one patient moves
 * the sum by at most 1 (L2), so one release is a Gaussian mechanism of noise
 * multiplier sigma, which the RDP accountant composes exactly with the training
 * steps (a step at sampling rate 1).
 *
 * A vector of Q histograms: each patient's histogram of one quantity sums to 1
 * (its own values, each of weight 1 / their number), and all Q are scaled by
 * 1 / sqrt(Q) (norm at most 1 in all); the counts are read back in patients
 * (divided by that scale), so each cell carries noise of sd sigma sqrt(Q).
 */

/** A patient's histogram of its values of one quantity: cell -> weight, the weights summing to 1. */
export function ownHistogram(cells: readonly number[]): Map<number, number> {
  const h = new Map<number, number>();
  for (const c of cells) h.set(c, (h.get(c) ?? 0) + 1 / cells.length);
  return h;
}

/** Sums the patients' histograms of `quantities` quantities (in patients) and adds the noise of one release (`normal` draws N(0, 1)). */
export function noisyCounts(sums: Float64Array[], quantities: number, sigma: number, normal: () => number): Float64Array[] {
  const sd = sigma * Math.sqrt(quantities);
  return sums.map((s) => Float64Array.from(s, (c) => c + sd * normal()));
}

/** The noise sd of one cell, in patients, of a release of `quantities` histograms at noise multiplier sigma. */
export const cellNoise = (sigma: number, quantities: number) => sigma * Math.sqrt(quantities);

/** z with P(N(0,1) > z) = p (0 < p < 0.5), by bisection on the normal tail. */
export function normalQuantileAbove(p: number): number {
  const logP = Math.log(p);
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (Math.log(0.5) + logErfc(mid / Math.SQRT2) > logP) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The count a level must pass to be released when the candidate levels come from
 * the data: a level only one patient holds counts at most 1 (in patients) before
 * noise, so it passes with probability at most delta / cells over the at most
 * `cells` such levels one patient can add; that delta is added to the run's.
 */
export function levelThreshold(sigma: number, quantities: number, cells: number, delta: number): number {
  return 1 + cellNoise(sigma, quantities) * normalQuantileAbove(delta / cells);
}
