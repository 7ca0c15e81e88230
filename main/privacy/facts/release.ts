import { UserError, type ErrorCode } from '../../common/errors.js';
import type { PatientTimeline } from '../../sequence/timeline.js';
import { cellNoise, levelThreshold, noisyCounts, ownHistogram } from './gaussian.js';
import { cellCount, cellOf, denoised, quantileOf, total, uniformGrid, wideGrid, type Grid } from './histogram.js';
import type { PublicFacts } from '../../../preload/publicFacts.js';
import { allPoints, latticeCell, latticeOf, pointsFrom } from './points.js';
import { QUANTILE_FLOOR, quantileCell, quantileEdges, quantileGrid, spansDecades } from './quantileBins.js';
import { contributionOf, gridOptions, MOST_LEVELS_PER_PATIENT, quantitiesOf, type CohortSchema, type Contribution, type LevelQuantity, type RealQuantity } from './quantities.js';

/*
 * The facts an encoding is fitted to, released privately: what the steward
 * declared (publicFacts.ts) is taken as it is; the rest comes from at most three
 * Gaussian releases of histograms on public grids (gaussian.ts), composed with
 * the training steps by the accountant:
 *   1. the range of each undeclared real value on a wide logarithmic grid, the
 *      decimals numeric values are written with, and the levels of categorical
 *      variables and event types (levels seen in the data are kept only when
 *      their noisy count passes a threshold a level of one patient passes with
 *      probability below the selection delta);
 *   2. each undeclared range again on a fine grid of 32 cells over what the
 *      first stage found, so that a narrow value (sodium 130-150) is not left
 *      a decade wide;
 *   3. for each value an output head reads, the values it holds exactly
 *      (points.ts) and where its other bins are cut (quantileBins.ts): always,
 *      since where the patients are is never declared.
 * A cell is read only when it stands out of the noise (4 sd: of the ~40 empty cells of each of ~20 histograms, fewer than one in thirty releases lets one through); a release needs
 * enough patients for its noise (see RELIABLE), which is known before any
 * patient is read, so a refusal tells nothing about them.
 */

export type FactSource = 'declared' | 'estimated' | 'dataset' | 'definition';

export interface RangeFact {
  name: string;
  variableId: number | null;
  range: [number, number];
  rangeSource: FactSource;
  /** Numeric variables: decimals of their values; null: not rounded. */
  decimals: number | null;
  decimalsSource: FactSource | null;
  /** Values the output head holds exactly (see points.ts): every value the range holds as written (a public lattice), or those many patients share (estimated). */
  points: number[];
  pointsSource: 'lattice' | 'estimated' | null;
  /** Where its continuous bins are cut (quantileBins.ts), or null: equal bins. */
  edges: number[] | null;
}

export interface LevelFact {
  name: string;
  variableId: number | null;
  levels: string[];
  source: FactSource;
}

export interface FactsRelease {
  /** Noise multiplier of each release (sum of contributions of norm <= 1); 0 when nothing was released. */
  sigma: number;
  /** Gaussian releases made (0 to 3). */
  releases: number;
  /** Histograms in each release. */
  histograms: number[];
  /** Patients whose values were read. */
  patients: number;
  /** The delta spent on levels seen in the data (0 when every level was declared). */
  selectionDelta: number;
  ranges: RangeFact[];
  levels: LevelFact[];
  timeDecimals: number | null;
  timeDecimalsSource: FactSource;
  /** Where the declared facts come from (the declaration's own words). */
  declaredSource: string;
}

/** Values no output head reads (the number of steps, the calendar end): their range is all a run needs of them. */
const HEADLESS = new Set(['length', 'end', 'follow_up']);

/** Whether a value is encoded on a log scale (as privateEncoding scales it): gaps always, dates and the index never, numeric values as the definition says or by their range. */
function logScaled(q: RealQuantity, schema: CohortSchema, range: [number, number]): boolean {
  if (q.name === 'gap') return true;
  if (!q.decimals) return false;
  const choice = schema.def.transforms[q.name] ?? 'auto';
  return choice === 'auto' ? spansDecades(range) : choice === 'log';
}

/** A release needs at least this many patients per sd of a cell's noise. */
export const RELIABLE = 10;
/** Sd's of noise a cell must pass to be read. */
const STANDS_OUT = 4;
const FINE_CELLS = 32;
/** Decimal cells: 0..9 and "more than 9". */
const DECIMAL_CELLS = 11;

/** What a private run will have to estimate: known from the schema and the declaration alone. */
export function undeclared(schema: CohortSchema, declared: PublicFacts) {
  const quantities = quantitiesOf(schema);
  const declaredRange = (q: RealQuantity) => declared.values[q.name]?.range !== undefined || (q.name === 'length' && schema.def.timesteps.maxLength !== undefined);
  const ranges = quantities.filter((q): q is RealQuantity => q.kind === 'real' && !declaredRange(q));
  const decimals = quantities.filter((q): q is RealQuantity => q.kind === 'real' && q.decimals && declared.values[q.name]?.decimals === undefined);
  const levels = quantities.filter((q): q is LevelQuantity => q.kind === 'levels' && !levelsDeclared(q, declared));
  const times = declared.timeDecimals === undefined;
  return { quantities, ranges, decimals, levels, times, first: ranges.length + decimals.length + levels.length + (times ? 1 : 0), second: ranges.length };
}

function levelsDeclared(q: LevelQuantity, declared: PublicFacts): boolean {
  if (q.name === 'events') return declared.eventTypes !== undefined;
  if (declared.levels === 'dataset') return true;
  return declared.levels[q.name] !== undefined;
}

/** What is left to estimate, by name: "a1c (range)", "arm (levels)", "time decimals". */
export function undeclaredNames(u: ReturnType<typeof undeclared>): string[] {
  return [...u.ranges.map((q) => `${q.name} (range)`), ...u.decimals.map((q) => `${q.name} (decimals)`), ...u.levels.map((q) => `${q.name} (levels)`), ...(u.times ? ['time decimals'] : [])];
}

/** A released fact about a value, by name (every real quantity has one). */
export const rangeFact = (r: FactsRelease, name: string): RangeFact => r.ranges.find((f) => f.name === name)!;

/** Refuses, before anything is read, a release whose noise would drown `patients` patients; names what to declare. */
export function checkReliable(schema: CohortSchema, declared: PublicFacts, sigma: number, patients: number, epsilon: number): void {
  const u = undeclared(schema, declared);
  if (u.first === 0) return;
  const noise = cellNoise(sigma, u.first);
  if (patients >= RELIABLE * noise) return;
  const names = undeclaredNames(u);
  throw new FactsError(
    `At epsilon ${epsilon}, estimating the encoding's ${u.first} undeclared facts privately adds noise of ${noise.toFixed(0)} patients to every count, ` +
      `and ${patients} training patients need it below ${(patients / RELIABLE).toFixed(0)}. Declare them public (synthehr train --public FILE; see README, "Public facts"): ${names.join(', ')}; or raise epsilon.`,
  );
}

/** Facts a private run cannot estimate well enough: the run does not start; the message says what to declare. */
export class FactsError extends UserError {
  override name = 'FactsError';
  readonly code: ErrorCode = 'training-refused';
}

/**
 * Releases the facts of the training patients `timelines` (read once). `normal` draws the noise;
 * `sigma` is the noise multiplier of each release and `selectionDelta` the delta of the levels' threshold.
 */
export function releaseFacts(
  schema: CohortSchema,
  timelines: Iterable<PatientTimeline>,
  declared: PublicFacts,
  sigma: number,
  selectionDelta: number,
  normal: () => number,
  bins: number,
): FactsRelease {
  const u = undeclared(schema, declared);
  const grid = gridOptions(schema);
  const all: Contribution[] = [];
  for (const tl of timelines) all.push(contributionOf(tl, u.quantities, schema, grid));
  const n = all.length;

  // First release: wide ranges, decimals, levels.
  const wide = wideGrid();
  const { parts: first, candidates } = firstStage(u, all, wide);
  const noisy1 = first.length ? noisyCounts(sumHistograms(all, first), first.length, sigma, normal) : [];
  const floor1 = STANDS_OUT * cellNoise(sigma, first.length);
  let k = 0;
  const wideCounts = u.ranges.map(() => denoised(noisy1[k++]!, floor1));
  const decimalCounts = u.decimals.map(() => denoised(noisy1[k++]!, floor1));
  const levelCounts = u.levels.map(() => noisy1[k++]!);
  const timeCounts = u.times ? denoised(noisy1[k++]!, floor1) : null;

  // Second release: each undeclared range on a fine grid over the first's.
  const fine = wideCounts.map((counts) => fineGrid(wide, counts));
  const second = u.ranges.map((q, i) => ({ cells: FINE_CELLS, cellOfPatient: (c: Contribution) => (c.real.get(q.name) ?? []).map((x) => cellOf(fine[i]!, x)) }));
  const noisy2 = second.length ? noisyCounts(sumHistograms(all, second), second.length, sigma, normal) : [];
  const floor2 = STANDS_OUT * cellNoise(sigma, second.length);

  const timeDecimals = declared.timeDecimals ?? decimalsFrom(timeCounts!);
  const found = u.quantities
    .filter((q): q is RealQuantity => q.kind === 'real')
    .map((q) => {
      const said = declared.values[q.name];
      const r = u.ranges.indexOf(q);
      const d = u.decimals.indexOf(q);
      // Neither declared nor estimated: the number of steps, which the definition caps (see undeclared).
      const range: [number, number] = said?.range ?? (r >= 0 ? narrowed(fine[r]!, wideCounts[r]!, denoised(noisy2[r]!, floor2)) : [1, schema.def.timesteps.maxLength!]);
      const rangeSource: FactSource = said?.range ? 'declared' : r < 0 ? 'definition' : 'estimated';
      const decimals = !q.decimals ? null : said?.decimals !== undefined ? said.decimals : decimalsFrom(decimalCounts[d]!);
      const decimalsSource: FactSource | null = !q.decimals ? null : said?.decimals !== undefined ? 'declared' : 'estimated';
      return { q, fact: { name: q.name, variableId: q.variableId, range, rangeSource, decimals, decimalsSource } };
    });

  // Third release: for each value an output head reads, the lattice values many patients share (its points) and where its quantiles lie.
  const heads = found.flatMap(({ q, fact }) => {
    if (HEADLESS.has(q.name)) return [];
    const lattice = latticeOf(fact.range, q.decimals ? fact.decimals : timeDecimals);
    const every = lattice && allPoints(lattice, bins);
    return [{ q, lattice: every ? null : lattice, every, grid: every ? null : quantileGrid(fact.range, logScaled(q, schema, fact.range)) }];
  });
  const third: HistogramPart[] = heads.flatMap(({ q, lattice, grid }) => {
    const values = (c: Contribution) => c.real.get(q.name) ?? [];
    return [
      ...(lattice ? [{ cells: lattice.count, cellOfPatient: (c: Contribution) => values(c).flatMap((x) => latticeCell(lattice, x) ?? []) }] : []),
      ...(grid ? [{ cells: cellCount(grid), cellOfPatient: (c: Contribution) => values(c).flatMap((x) => quantileCell(grid, x) ?? []) }] : []),
    ];
  });
  const noisy3 = third.length ? noisyCounts(sumHistograms(all, third), third.length, sigma, normal) : [];
  const noise3 = cellNoise(sigma, third.length);
  let h = 0;
  type HeadFact = Pick<RangeFact, 'points' | 'pointsSource' | 'edges'>;
  const headFacts = new Map<RealQuantity, HeadFact>(
    heads.map(({ q, lattice, every, grid }): [RealQuantity, HeadFact] => {
      if (every) return [q, { points: every, pointsSource: 'lattice', edges: null }];
      const pointCounts = lattice ? denoised(noisy3[h++]!, STANDS_OUT * noise3) : [];
      const points = lattice ? pointsFrom(lattice, pointCounts, n, bins) : [];
      // The quantiles of what the points do not hold (as fitted bins cut the values left after their point masses).
      const rest = denoised(noisy3[h++]!, QUANTILE_FLOOR * noise3);
      for (const p of points) {
        const cell = quantileCell(grid!, p);
        if (cell !== null) rest[cell] = Math.max(0, rest[cell]! - pointCounts[latticeCell(lattice!, p)!]!);
      }
      const edges = quantileEdges(grid!, rest, bins - points.length, n - points.reduce((sum, p) => sum + pointCounts[latticeCell(lattice!, p)!]!, 0));
      return [q, { points, pointsSource: lattice ? 'estimated' : null, edges }];
    }),
  );
  const ranges: RangeFact[] = found.map(({ q, fact }) => ({ ...fact, ...(headFacts.get(q) ?? { points: [], pointsSource: null, edges: null }) }));
  const cells = u.levels.reduce((s, q) => s + (q.perPatient === 'one' ? 1 : MOST_LEVELS_PER_PATIENT), 0);
  const threshold = u.levels.length ? levelThreshold(sigma, first.length, cells, selectionDelta) : Infinity;
  const levels: LevelFact[] = u.quantities
    .filter((q): q is LevelQuantity => q.kind === 'levels')
    .map((q) => {
      const k = u.levels.indexOf(q);
      if (k >= 0) return { name: q.name, variableId: q.variableId, levels: candidates[k]!.filter((_, i) => levelCounts[k]![i]! > threshold), source: 'estimated' };
      if (q.name === 'events') return { name: q.name, variableId: null, levels: [...declared.eventTypes!].sort(), source: 'declared' };
      const listed = declared.levels === 'dataset' ? schema.variables.find((v) => v.id === q.variableId)!.categories ?? [] : declared.levels[q.name]!;
      return { name: q.name, variableId: q.variableId, levels: [...listed], source: declared.levels === 'dataset' ? 'dataset' : 'declared' };
    });
  return {
    sigma: first.length || second.length || third.length ? sigma : 0,
    releases: (first.length ? 1 : 0) + (second.length ? 1 : 0) + (third.length ? 1 : 0),
    histograms: [first.length, second.length, third.length].filter((h) => h > 0),
    patients: n,
    selectionDelta: u.levels.length ? selectionDelta : 0,
    ranges,
    levels,
    timeDecimals,
    timeDecimalsSource: declared.timeDecimals !== undefined ? 'declared' : 'estimated',
    declaredSource: declared.source,
  };
}

/** One histogram of a release: its cells, and the cells of one patient's values. */
export interface HistogramPart {
  cells: number;
  cellOfPatient: (c: Contribution) => number[];
}

/** The first release's histograms: wide ranges, decimals, levels (candidates: those the patients hold), time decimals. */
export function firstStage(u: ReturnType<typeof undeclared>, all: readonly Contribution[], wide: Grid = wideGrid()): { parts: HistogramPart[]; candidates: string[][] } {
  const candidates = u.levels.map((q) => candidateLevels(all, q));
  const parts: HistogramPart[] = [
    ...u.ranges.map((q) => ({ cells: cellCount(wide), cellOfPatient: (c: Contribution) => (c.real.get(q.name) ?? []).map((x) => cellOf(wide, x)) })),
    ...u.decimals.map((q) => ({ cells: DECIMAL_CELLS, cellOfPatient: (c: Contribution) => (c.real.has(q.name) ? [decimalCell(c.decimals.get(q.name) ?? 0)] : []) })),
    ...u.levels.map((q, k) => {
      const index = new Map(candidates[k]!.map((level, i) => [level, i]));
      return { cells: candidates[k]!.length, cellOfPatient: (c: Contribution) => ownLevels(c.levels.get(q.name) ?? []).map((l) => index.get(l)!) };
    }),
    ...(u.times ? [{ cells: DECIMAL_CELLS, cellOfPatient: (c: Contribution) => [decimalCell(c.timeDecimals)] }] : []),
  ];
  return { parts, candidates };
}

/** Each patient's histograms of the release's quantities, summed (in patients). */
export function sumHistograms(all: readonly Contribution[], parts: readonly HistogramPart[]): Float64Array[] {
  const sums = parts.map((p) => new Float64Array(p.cells));
  for (const c of all)
    parts.forEach((p, i) => {
      const cells = p.cellOfPatient(c);
      if (cells.length) for (const [cell, w] of ownHistogram(cells)) sums[i]![cell]! += w;
    });
  return sums;
}

/** A patient's levels of a quantity: each distinct level once per value, the most frequent MOST_LEVELS_PER_PATIENT kept. */
function ownLevels(levels: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const l of levels) counts.set(l, (counts.get(l) ?? 0) + 1);
  if (counts.size <= MOST_LEVELS_PER_PATIENT) return [...levels];
  const kept = new Set([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MOST_LEVELS_PER_PATIENT).map(([l]) => l));
  return levels.filter((l) => kept.has(l));
}

/** The levels the training patients hold (each patient's own, bounded as ownLevels bounds them), sorted as encodings sort them. */
function candidateLevels(all: readonly Contribution[], q: LevelQuantity): string[] {
  const seen = new Set<string>();
  for (const c of all) for (const l of ownLevels(c.levels.get(q.name) ?? [])) seen.add(l);
  return [...seen].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

const decimalCell = (d: number | null) => (d === null ? DECIMAL_CELLS - 1 : Math.min(d, DECIMAL_CELLS - 2));

/** The most decimals a share of patients that stands out of the noise writes; null for "more than 9"; 0 when none stands out. */
function decimalsFrom(counts: readonly number[]): number | null {
  for (let d = counts.length - 1; d >= 0; d--) if (counts[d]! > 0) return d === DECIMAL_CELLS - 1 ? null : d;
  return 0;
}

/** 32 cells over the first stage's cells that stood out (from the 0.5% to the 99.5% point), or over the whole wide grid when none did. */
function fineGrid(wide: Grid, counts: readonly number[]): Grid {
  const lo = quantileOf(wide, counts, 0.005);
  const hi = quantileOf(wide, counts, 0.995);
  if (lo === null || hi === null) return uniformGrid(wide.edges[0]!, wide.edges[wide.edges.length - 1]!, FINE_CELLS);
  const from = wide.edges[cellOf(wide, lo)]!;
  const to = wide.edges[Math.min(cellOf(wide, hi) + 1, wide.edges.length - 1)]!;
  return uniformGrid(from, to > from ? to : from + 1, FINE_CELLS);
}

/** Fine cells must keep this share of what stood out on the wide grid for the range to be narrowed to them (less: values spread thin were lost in the noise). */
const KEPT = 0.9;

/**
 * A value's range: from the first to the last fine cell that stood out, when
 * those cells hold nearly all the patients the wide cells did (a narrow value);
 * else the whole fine grid, the wide cells' span (tails spread too thin to stand
 * out of the noise on fine cells, such as early deaths across a month, are kept).
 */
function narrowed(g: Grid, wideCounts: readonly number[], counts: readonly number[]): [number, number] {
  const first = counts.findIndex((c) => c > 0);
  if (first < 0 || total(counts) < KEPT * total(wideCounts)) return [g.edges[0]!, g.edges[g.edges.length - 1]!];
  let last = counts.length - 1;
  while (counts[last]! <= 0) last--;
  return [g.edges[first]!, g.edges[last + 1]!];
}
