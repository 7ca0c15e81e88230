/*
 * Histograms on public grids, as a private release counts them: a grid's cells
 * are fixed before any patient is read (so where a cell lies tells nothing), and
 * the counts come back noisy (release.ts). What the encoding needs of a value
 * (its range, its quantiles) is read from the noisy counts after cells
 * no larger than the noise are set to zero, so that empty cells far from the
 * data do not add up to a tail that is not there.
 */

/** Cell i holds [edges[i], edges[i+1]); values below the first edge count in the first cell, above the last in the last. */
export interface Grid {
  edges: number[];
}

/** Decades the first-stage grid spans on each side of zero, from 10^LOW_DECADE to 10^HIGH_DECADE. */
const LOW_DECADE = -2;
const HIGH_DECADE = 7;
const CELLS_PER_DECADE = 2;

/**
 * The first-stage grid: symmetric and logarithmic (two cells a decade from 0.01 to
 * 10 million on each side, one cell around zero), wide enough for any clinical
 * value in any unit, so that it needs nothing from the data.
 */
export function wideGrid(): Grid {
  const positive: number[] = [];
  for (let k = LOW_DECADE * CELLS_PER_DECADE; k <= HIGH_DECADE * CELLS_PER_DECADE; k++) positive.push(10 ** (k / CELLS_PER_DECADE));
  return { edges: [...positive.map((x) => -x).reverse(), ...positive] };
}

/** `cells` equal cells from lo to hi (hi > lo). */
export function uniformGrid(lo: number, hi: number, cells: number): Grid {
  return { edges: Array.from({ length: cells + 1 }, (_, i) => lo + ((hi - lo) * i) / cells) };
}

export const cellCount = (g: Grid) => g.edges.length - 1;

/** The cell of a value (the first or last for one outside the grid). */
export function cellOf(g: Grid, x: number): number {
  const e = g.edges;
  if (!(x >= e[0]!)) return 0;
  if (x >= e[e.length - 1]!) return e.length - 2;
  let lo = 0;
  let hi = e.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (e[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Noisy counts with cells within `floor` of zero (and negative ones) set to zero: what is read. */
export function denoised(counts: ArrayLike<number>, floor: number): number[] {
  return Array.from(counts, (c) => (c > floor ? c : 0));
}

export const total = (counts: readonly number[]) => counts.reduce((a, b) => a + b, 0);

/** The value below which a share p of the counts lies, interpolated inside its cell; null when nothing is left. */
export function quantileOf(g: Grid, counts: readonly number[], p: number): number | null {
  const n = total(counts);
  if (!(n > 0)) return null;
  const goal = p * n;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && below + c >= goal) return g.edges[i]! + ((goal - below) / c) * (g.edges[i + 1]! - g.edges[i]!);
    below += c;
  }
  return g.edges[g.edges.length - 1]!;
}
