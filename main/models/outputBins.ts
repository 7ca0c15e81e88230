/*
 * Discretised output heads for real-valued channels. Clinical values are rarely
 * a smooth bell: visit gaps pile up on schedules (exactly 90, 182, 365 days) and
 * on zero (a first visit on the index date), follow-up is cut at a horizon, labs
 * are skewed or recorded on a coarse grid. A Gaussian head spreads all of that
 * into a blur that a classifier spots at once. A head that picks one of a few
 * dozen bins fitted to the training values (cross-entropy loss), then a value
 * inside the bin, keeps any shape: values repeated often enough are bins of their
 * own (point masses), the rest are split at quantiles, each drawn uniformly.
 */

export interface OutputBins {
  /** Ascending; a point mass has lo === hi. */
  lo: Float64Array;
  hi: Float64Array;
}

/** Bins per real channel of new runs. */
export const DEFAULT_BINS = 32;
/** A repeated value becomes a point mass only when at least this many training values share it (no rare real value is ever reproduced exactly). */
const LEAST_POINT = 3;
/** Continuous bins hold at least this many training values each. */
const LEAST_PER_BIN = 4;

/**
 * Fits at most `k` bins (at least one) to a channel's training values: a value
 * repeated at least max(3, n / k) times is a point mass (at most k / 2 of them;
 * with at most k distinct values, every one repeated 3+ times), the others are
 * cut at quantiles.
 */
export function fitBins(values: ArrayLike<number>, k: number): OutputBins {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { lo: Float64Array.of(0), hi: Float64Array.of(0) };
  const runs: { v: number; count: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) runs[runs.length - 1]!.count++;
    else runs.push({ v: sorted[i]!, count: 1 });
  }
  // A coarse variable (k levels or fewer): every level 3+ values share. Otherwise only spikes at least
  // as tall as a quantile bin, and at most half the bins, so the rest keep their shape.
  const coarse = runs.length <= k;
  const least = coarse ? LEAST_POINT : Math.max(LEAST_POINT, Math.ceil(n / k));
  const points = runs
    .filter((r) => r.count >= least)
    .sort((a, b) => b.count - a.count || a.v - b.v)
    .slice(0, coarse ? k : Math.floor(k / 2));
  const pointSet = new Set(points.map((r) => r.v));
  const rest = sorted.filter((v) => !pointSet.has(v));
  const bins: { lo: number; hi: number }[] = points.map((r) => ({ lo: r.v, hi: r.v }));
  if (rest.length > 0 || bins.length === 0) {
    const xs = rest.length > 0 ? rest : sorted;
    if (xs[0] === xs[xs.length - 1]) {
      // One rare value left: a range to its nearest neighbour, so that it is never drawn exactly.
      const v = xs[0]!;
      const others = runs.filter((r) => r.v !== v);
      const near = others.length ? others.reduce((a, r) => (Math.abs(r.v - v) < Math.abs(a.v - v) ? r : a)).v : v;
      bins.push({ lo: Math.min(v, near), hi: Math.max(v, near) });
    } else {
      const m = Math.max(1, Math.min(k - bins.length, Math.floor(xs.length / LEAST_PER_BIN)));
      let lo = xs[0]!;
      for (let j = 1; j <= m; j++) {
        const hi = j === m ? xs[xs.length - 1]! : xs[Math.floor((j * (xs.length - 1)) / m)]!;
        if (hi > lo) bins.push({ lo, hi });
        lo = hi;
      }
    }
  }
  bins.sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  return { lo: Float64Array.from(bins, (b) => b.lo), hi: Float64Array.from(bins, (b) => b.hi) };
}

export const binCount = (b: OutputBins) => b.lo.length;

/** The bin a value falls in: its point mass if it has one, else the continuous bin holding it (the nearest, outside them all). */
export function binOf(b: OutputBins, v: number): number {
  for (let i = 0; i < b.lo.length; i++) if (b.lo[i] === b.hi[i] && b.lo[i] === v) return i;
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < b.lo.length; i++) {
    const lo = b.lo[i]!;
    const hi = b.hi[i]!;
    if (lo === hi) continue;
    const distance = v < lo ? lo - v : v > hi ? v - hi : 0;
    if (distance === 0) return i;
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  if (best >= 0) return best;
  // Only point masses: the nearest one.
  best = 0;
  for (let i = 1; i < b.lo.length; i++) if (Math.abs(v - b.lo[i]!) < Math.abs(v - b.lo[best]!)) best = i;
  return best;
}

/** A value of bin i: the point itself, or uniform inside the bin for a draw u in [0, 1). */
export function valueIn(b: OutputBins, i: number, u: number): number {
  return b.lo[i]! + u * (b.hi[i]! - b.lo[i]!);
}
