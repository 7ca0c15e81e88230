import { scale, unscale, type Scaler } from '../sequence/codecs.js';
import type { Encoding } from '../sequence/encoding.js';
import type { TrainingData } from './minibatch.js';

/*
 * How much of the window a timeline has left. Visits and follow-up end on the
 * calendar (a study closes, data is extracted on one date, a cohort has a
 * horizon), not a fixed time after the last visit: a decoder that knows how
 * much time is left before the latest time seen in training spaces its visits
 * to fit, and an outcome head that knows it ends follow-up where real ones do.
 * Time comes from the index date (a static) and the gap channel, in shares of
 * the longest span in the training data.
 */
export interface Clock {
  gapOffset: number;
  gapScaler: Scaler;
  /** The index date's channel among the statics (absent: every index is 0). */
  index: { offset: number; scaler: Scaler } | null;
  fromDays: number;
  /** The latest step in the training data, in the dataset's time (index + days). */
  horizon: number;
  /** Days from the window start to the last step, longest in the training data (at least 1). */
  span: number;
}

const days = (c: Clock, encodedGap: number) => Math.max(0, unscale(c.gapScaler, encodedGap));
const indexOf = (c: Clock, statics: Float32Array, base: number) => (c.index ? unscale(c.index.scaler, statics[base + c.index.offset]!) : 0);

/** The clock of an irregular encoding (grid steps are their own clock: null). */
export function fitClock(enc: Encoding, data: TrainingData): Clock | null {
  if (!enc.gap) return null;
  const indexField = enc.statics.find((f) => f.variableId === null);
  const index = indexField?.codec.type === 'numeric' ? { offset: indexField.offset, scaler: indexField.codec.scaler } : null;
  const clock: Clock = { gapOffset: enc.gap.offset, gapScaler: enc.gap.scaler, index, fromDays: enc.fromDays, horizon: -Infinity, span: 1 };
  const C = data.stepWidth;
  for (let p = 0; p < data.n; p++) {
    let elapsed = 0;
    for (let t = 0; t < data.lengths[p]!; t++) elapsed += days(clock, data.sequences[(p * data.steps + t) * C + clock.gapOffset]!);
    clock.span = Math.max(clock.span, elapsed);
    clock.horizon = Math.max(clock.horizon, indexOf(clock, data.statics, p * data.staticWidth) + enc.fromDays + elapsed);
  }
  return clock;
}

/** The share of the span left before the horizon, for a patient's index and elapsed days. */
const left = (c: Clock, index: number, elapsed: number) => (c.horizon - index - c.fromDays - elapsed) / c.span;

/**
 * From time-major steps x [T*B, C] and statics [B, S]: the share of the span
 * left before each step ([T*B], what a decoder reads when it makes the step)
 * and after each patient's last step ([B], what the outcome follows).
 */
export function readClock(c: Clock, x: Float32Array, lengths: Int32Array, T: number, C: number, statics: Float32Array, S: number): { before: Float32Array; end: Float32Array } {
  const B = lengths.length;
  const before = new Float32Array(T * B);
  const end = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    const index = indexOf(c, statics, b * S);
    let elapsed = 0;
    for (let t = 0; t < lengths[b]!; t++) {
      before[t * B + b] = left(c, index, elapsed);
      elapsed += days(c, x[(t * B + b) * C + c.gapOffset]!);
    }
    end[b] = left(c, index, elapsed);
  }
  return { before, end };
}

/** A running clock for generation: elapsed days per patient, advanced one generated step at a time. */
export class RunningClock {
  private readonly elapsed: Float64Array;
  private readonly indices: Float64Array;
  constructor(
    private readonly c: Clock,
    statics: Float32Array,
    S: number,
    n: number,
  ) {
    this.elapsed = new Float64Array(n);
    this.indices = Float64Array.from({ length: n }, (_, b) => indexOf(c, statics, b * S));
  }
  /** The share of the span left, per patient. */
  left(): Float32Array {
    return Float32Array.from(this.elapsed, (e, b) => left(this.c, this.indices[b]!, e));
  }
  /**
   * Per patient, the largest encoded gap that keeps the next step before the
   * horizon: no record falls after the latest time the training data reaches.
   */
  longestGaps(): Float32Array {
    return Float32Array.from(this.elapsed, (e, b) => scale(this.c.gapScaler, Math.max(0, this.c.horizon - this.indices[b]! - this.c.fromDays - e)));
  }
  /** Advances the patients `active` admits by their step (rows of C). */
  tick(step: Float32Array, C: number, active: (b: number) => boolean): void {
    for (let b = 0; b < this.elapsed.length; b++) if (active(b)) this.elapsed[b]! += days(this.c, step[b * C + this.c.gapOffset]!);
  }
}
