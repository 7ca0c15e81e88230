import type { Encoding } from '../sequence/encoding.js';
import { scale, type NumericCodec } from '../sequence/codecs.js';
import { rangeFact, type FactsRelease, type RangeFact } from '../privacy/facts/release.js';
import type { Clock } from './clock.js';
import type { OutputBins } from './outputBins.js';

/*
 * A private run's output heads, made from its released and declared facts
 * (privacy/facts): each real channel picks one of its points (values it holds
 * exactly) or one of equal bins across its range, encoded (the model learns how
 * full each one is, privately); the
 * follow-up share's bins run from 0 to 1 with both ends exact; the clock's
 * horizon and span are the latest end of follow-up and the longest follow-up.
 */

const DAYS_PER_YEAR = 365.25;

/** The output heads of a private run: equal bins across each real channel's range (encoded), and its clock; keyed by part and channel offset. */
export interface PrivateHeads {
  statics: Map<number, OutputBins>;
  step: Map<number, OutputBins>;
  outcome: Map<number, OutputBins>;
  clock: Clock | null;
  /** The latest end of follow-up (the dataset's time): what architecture 2's follow-up share is a share of. */
  followUpEnd: number;
}

export function privateHeads(enc: Encoding, facts: FactsRelease, bins: number): PrivateHeads {
  const rangeOf = (name: string) => rangeFact(facts, name);
  const across = (codec: NumericCodec, fact: RangeFact) => withPoints(codec, fact, bins);
  const statics = new Map<number, OutputBins>();
  for (const f of enc.statics) if (f.codec.type === 'numeric') statics.set(f.offset, f.variableId === null ? (enc.timeBasis === 'calendar' ? across(f.codec, rangeOf('index_date')) : equalBins(0, 0, 1)) : across(f.codec, rangeOf(f.name)));
  const step = new Map<number, OutputBins>();
  if (enc.gap) step.set(enc.gap.offset, across(enc.gap, rangeOf('gap')));
  for (const f of enc.measurements) {
    if (f.codec.type === 'numeric') step.set(f.offset, across(f.codec, rangeOf(f.name)));
    if (f.sinceOffset !== null) step.set(f.sinceOffset, equalBins(0, (enc.maxLength * enc.binDays!) / DAYS_PER_YEAR, bins));
  }
  // The follow-up share (architecture 2): from 0 to 1, both ends exact (follow-up ending at the last step, or at the window's end).
  const share = equalBins(0, 1, bins - 2);
  const outcome = new Map([[enc.outcome.tailOffset, { lo: Float64Array.from([0, ...share.lo, 1]), hi: Float64Array.from([0, ...share.hi, 1]) }]]);
  const followUp = rangeOf('follow_up').range;
  const end = enc.timeBasis === 'calendar' ? rangeOf('end').range[1] : followUp[1];
  const indexField = enc.statics.find((f) => f.variableId === null)!;
  const clock: Clock | null = enc.gap
    ? {
        gapOffset: enc.gap.offset,
        gapScaler: enc.gap.scaler,
        index: enc.timeBasis === 'calendar' && indexField.codec.type === 'numeric' ? { offset: indexField.offset, scaler: indexField.codec.scaler } : null,
        fromDays: enc.fromDays,
        horizon: end,
        span: Math.max(1, followUp[1] - enc.fromDays),
      }
    : null;
  return { statics, step, outcome, clock, followUpEnd: end };
}

/**
 * A value's bins, encoded: its points (point masses), and for the rest bins cut at its released
 * quantiles, else equal across its range (none when the points are every value the range holds as written).
 */
function withPoints(codec: NumericCodec, fact: RangeFact, bins: number): OutputBins {
  // As the training data holds them (float32), so that a value at a point is read as that point, exactly (binOf).
  const points = fact.points.map((x) => Math.fround(scale(codec.scaler, x)));
  const rest =
    fact.pointsSource === 'lattice'
      ? { lo: new Float64Array(0), hi: new Float64Array(0) }
      : fact.edges
        ? { lo: Float64Array.from(fact.edges.slice(0, -1), (e) => scale(codec.scaler, e)), hi: Float64Array.from(fact.edges.slice(1), (e) => scale(codec.scaler, e)) }
        : equalBins(scale(codec.scaler, fact.range[0]), scale(codec.scaler, fact.range[1]), bins - points.length);
  const all = [...points.map((p) => ({ lo: p, hi: p })), ...Array.from(rest.lo, (lo, i) => ({ lo, hi: rest.hi[i]! }))].sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  return { lo: Float64Array.from(all, (b) => b.lo), hi: Float64Array.from(all, (b) => b.hi) };
}

/** k equal bins from lo to hi (one point when they meet). */
export function equalBins(lo: number, hi: number, k: number): OutputBins {
  if (!(hi > lo)) return { lo: Float64Array.of(lo), hi: Float64Array.of(lo) };
  return { lo: Float64Array.from({ length: k }, (_, i) => lo + ((hi - lo) * i) / k), hi: Float64Array.from({ length: k }, (_, i) => lo + ((hi - lo) * (i + 1)) / k) };
}
