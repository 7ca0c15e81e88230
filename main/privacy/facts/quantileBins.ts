import { logShift } from '../../sequence/codecs.js';
import { cellOf, quantileOf, total, type Grid } from './histogram.js';

/*
 * Where a value's continuous output bins are cut: at quantiles, as bins fitted
 * to the training data are (models/outputBins.ts), so that bins are narrow
 * where patients are and wide where few are, not equal across a range the
 * values fill one corner of. The quantiles come from a private histogram of
 * QUANTILE_CELLS equal cells across the range (on a log scale where the value is
 * scaled so), cells within 2 sd of the noise read as empty; a histogram that
 * keeps less than half the patients leaves the bins equal.
 */

export const QUANTILE_CELLS = 64;
/** A cell is read for quantiles when it passes this many sd of noise (less than for points: a cell's mass is only spread, never named). */
export const QUANTILE_FLOOR = 2;
/** A range positive and spanning this factor is scaled on a log scale (see privateEncoding). */
export const LOG_SPAN = 20;

export const spansDecades = ([lo, hi]: [number, number]) => lo >= 0 && (hi + logShift(lo)) / (lo + logShift(lo)) >= LOG_SPAN;

/** QUANTILE_CELLS cells across a range: equal on the scale the value is encoded on. */
export function quantileGrid(range: [number, number], log: boolean): Grid {
  const [lo, hi] = range;
  if (!log) return { edges: Array.from({ length: QUANTILE_CELLS + 1 }, (_, i) => lo + ((hi - lo) * i) / QUANTILE_CELLS) };
  const shift = logShift(lo);
  const a = Math.log(lo + shift);
  const b = Math.log(hi + shift);
  return { edges: Array.from({ length: QUANTILE_CELLS + 1 }, (_, i) => Math.exp(a + ((b - a) * i) / QUANTILE_CELLS) - shift) };
}

/** A value's cell in the grid, or null outside its range (not piled on its ends). */
export function quantileCell(g: Grid, x: number): number | null {
  return x >= g.edges[0]! && x <= g.edges[g.edges.length - 1]! ? cellOf(g, x) : null;
}

/** `count` + 1 edges at equal shares of the counts (ascending, from the range's ends), or null when they hold less than half of `patients`. */
export function quantileEdges(g: Grid, counts: readonly number[], count: number, patients: number): number[] | null {
  if (count < 1 || total(counts) < patients / 2) return null;
  const inner = Array.from({ length: count - 1 }, (_, j) => quantileOf(g, counts, (j + 1) / count)!);
  const edges = [g.edges[0]!, ...inner, g.edges[g.edges.length - 1]!];
  // Equal edges (a share inside one cell) would make empty bins: keep each once.
  return edges.filter((e, i) => i === 0 || e > edges[i - 1]!);
}
