import type { GeneratedBatch } from '../models/model.js';
import { scale, unscale } from '../sequence/codecs.js';
import type { Encoding } from '../sequence/encoding.js';
import type { TrainingData } from '../models/minibatch.js';

/*
 * Follow-up ends on the calendar: the study closes or the data is extracted on
 * one date, a cohort has a horizon. Learnt as "days after the last step", that
 * end is a sum of everything generated before it and comes out anywhere, often
 * after the data could exist. Architecture 2 learns it instead as the share of
 * the window left after the last step that follow-up runs on (0: it ends at the
 * last step; 1: it runs to the latest end seen in training), so administrative
 * censoring is one value the output bins hold exactly. The encoding is not
 * changed: the outcome's tail channel carries the share while the model trains
 * and generates, and is turned back into days before decoding.
 */

/** A patient's index time and the time of its last step (relative to the index), from encoded values. */
function timesOf(enc: Encoding, statics: Float32Array, staticBase: number, sequences: Float32Array, seqBase: number, length: number): { index: number; last: number } {
  const indexField = enc.statics.find((f) => f.variableId === null)!;
  const index = indexField.codec.type === 'numeric' ? unscale(indexField.codec.scaler, statics[staticBase + indexField.offset]!) : 0;
  if (!enc.gap) return { index, last: enc.fromDays + Math.max(0, length - 1) * enc.binDays! };
  let last = enc.fromDays;
  for (let t = 0; t < length; t++) last += Math.max(0, unscale(enc.gap.scaler, sequences[seqBase + t * enc.stepWidth + enc.gap.offset]!));
  return { index, last };
}

const tailDays = (enc: Encoding, encoded: number) => Math.max(0, unscale(enc.outcome.tail.scaler, encoded));

/** The training data with the tail as a share of the window left, and the window's end (the latest end in training, unless `given`: a private run's, from its facts). */
export function followUpShare(data: TrainingData, enc: Encoding, given?: number): { data: TrainingData; end: number } {
  const { n, steps, stepWidth: C, staticWidth: S, outcomeWidth: O } = data;
  const times = Array.from({ length: n }, (_, p) => timesOf(enc, data.statics, p * S, data.sequences, p * steps * C, data.lengths[p]!));
  const tails = Array.from({ length: n }, (_, p) => tailDays(enc, data.outcomes[p * O + enc.outcome.tailOffset]!));
  let end = given ?? -Infinity;
  if (given === undefined) for (let p = 0; p < n; p++) end = Math.max(end, times[p]!.index + times[p]!.last + tails[p]!);
  const outcomes = Float32Array.from(data.outcomes);
  for (let p = 0; p < n; p++) {
    const left = end - times[p]!.index - times[p]!.last;
    outcomes[p * O + enc.outcome.tailOffset] = left > 0 ? Math.min(1, tails[p]! / left) : 1;
  }
  return { data: { ...data, outcomes }, end };
}

/** Turns generated shares back into encoded tails (days after the last step, scaled as the encoding scales them). */
export function tailsFromShares(g: GeneratedBatch, enc: Encoding, end: number): void {
  const S = enc.staticWidth;
  const O = enc.outcomeWidth;
  const T = enc.maxLength;
  for (let b = 0; b < g.n; b++) {
    const { index, last } = timesOf(enc, g.statics, b * S, g.sequences, b * T * enc.stepWidth, g.lengths[b]!);
    const share = Math.min(1, Math.max(0, g.outcomes[b * O + enc.outcome.tailOffset]!));
    g.outcomes[b * O + enc.outcome.tailOffset] = scale(enc.outcome.tail.scaler, share * Math.max(0, end - index - last));
  }
}
