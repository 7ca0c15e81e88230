/*
 * The values an output head holds exactly (point masses: a gap of exactly one
 * day, follow-up cut at day 30, a dose of 0). Values written with d decimals lie
 * on a lattice of step 10^-d across their range, known before any patient is
 * read: a value with at most `bins` lattice points is all points (nothing to
 * release); otherwise each lattice point is a cell of a private histogram (a
 * coarser lattice where the values' own is too fine), and a
 * point whose noisy count stands out and holds at least n / bins patients
 * becomes a point mass (at most bins / 2 of them, the fullest first), as
 * output bins fitted to the training data make them (models/outputBins.ts).
 */

export interface Lattice {
  first: number;
  step: number;
  count: number;
  /** Whether every value as written lies on it (its step is the values' own), or only some (a coarser step: counted where they fall exactly). */
  whole: boolean;
}

/** Lattices of more points than this are made coarser (a step ten times as long) until they fit. */
export const MOST_LATTICE_POINTS = 4096;

/**
 * The lattice of values written with `decimals` decimals across a range (null decimals: more than 9),
 * coarsened tenfold until it has at most MOST_LATTICE_POINTS values (a dose recorded to 4 decimals is
 * still often exactly 0 or 100); null when no step up to the range's width fits.
 */
export function latticeOf([lo, hi]: [number, number], decimals: number | null): Lattice | null {
  for (let d = decimals ?? 9; d >= -9; d--) {
    const scale = 10 ** d;
    const from = Math.ceil(lo * scale - 1e-9);
    const to = Math.floor(hi * scale + 1e-9);
    const count = to - from + 1;
    if (count < 1) return null;
    if (count <= MOST_LATTICE_POINTS) return { first: from / scale, step: 1 / scale, count, whole: decimals !== null && d === decimals };
  }
  return null;
}

export const latticeValue = (l: Lattice, i: number) => Number((l.first + i * l.step).toFixed(12));

/** The lattice value a value is, or null: off the lattice (between its values, or outside it: such values are not piled onto its ends). */
export function latticeCell(l: Lattice, x: number): number | null {
  const i = Math.round((x - l.first) / l.step);
  if (i < 0 || i >= l.count) return null;
  return Math.abs(x - latticeValue(l, i)) <= 1e-9 * Math.max(1, Math.abs(x)) ? i : null;
}

/** Every point of a lattice of at most `bins` points: exact, and public. */
export const allPoints = (l: Lattice, bins: number): number[] | null => (l.whole && l.count <= bins ? Array.from({ length: l.count }, (_, i) => latticeValue(l, i)) : null);

/** The point masses a released histogram over a lattice holds (`counts` read after the noise floor, in patients). */
export function pointsFrom(l: Lattice, counts: readonly number[], patients: number, bins: number): number[] {
  const least = patients / bins;
  return counts
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c > 0 && c >= least)
    .sort((a, b) => b.c - a.c || a.i - b.i)
    .slice(0, Math.floor(bins / 2))
    .map(({ i }) => latticeValue(l, i))
    .sort((a, b) => a - b);
}
