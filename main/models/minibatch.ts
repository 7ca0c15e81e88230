import type { EncodedBatch, Encoding } from '../sequence/encoding.js';
import type { Rng } from '../common/rng.js';

/** A cohort's encoded training patients in float32, patient-major. */
export interface TrainingData {
  n: number;
  steps: number;
  stepWidth: number;
  staticWidth: number;
  outcomeWidth: number;
  statics: Float32Array;
  sequences: Float32Array;
  lengths: Int32Array;
  outcomes: Float32Array;
  /** [n, K]: each patient's condition input (conditioning.ts), where the model is conditional. */
  conditions?: Float32Array;
}

export function trainingData(batch: EncodedBatch, enc: Encoding): TrainingData {
  return {
    n: batch.patientIds.length,
    steps: enc.maxLength,
    stepWidth: enc.stepWidth,
    staticWidth: enc.staticWidth,
    outcomeWidth: enc.outcomeWidth,
    statics: Float32Array.from(batch.statics),
    sequences: Float32Array.from(batch.sequences),
    lengths: Int32Array.from(batch.lengths),
    outcomes: Float32Array.from(batch.outcomes),
  };
}

/** A training set of no patients in an encoding's layout (what a model made without reading patients is built on). */
export function emptyTrainingData(enc: Encoding): TrainingData {
  return { n: 0, steps: enc.maxLength, stepWidth: enc.stepWidth, staticWidth: enc.staticWidth, outcomeWidth: enc.outcomeWidth, statics: new Float32Array(0), sequences: new Float32Array(0), lengths: new Int32Array(0), outcomes: new Float32Array(0) };
}

/** Patients `ids` of a training set (indices into it), in that order. */
export function subsetOf(data: TrainingData, ids: readonly number[]): TrainingData {
  const seq = data.steps * data.stepWidth;
  const out: TrainingData = {
    ...data,
    n: ids.length,
    statics: new Float32Array(ids.length * data.staticWidth),
    sequences: new Float32Array(ids.length * seq),
    lengths: new Int32Array(ids.length),
    outcomes: new Float32Array(ids.length * data.outcomeWidth),
    ...(data.conditions ? { conditions: new Float32Array(ids.length * (data.conditions.length / data.n)) } : {}),
  };
  ids.forEach((p, i) => {
    out.statics.set(data.statics.subarray(p * data.staticWidth, (p + 1) * data.staticWidth), i * data.staticWidth);
    out.sequences.set(data.sequences.subarray(p * seq, (p + 1) * seq), i * seq);
    out.lengths[i] = data.lengths[p]!;
    out.outcomes.set(data.outcomes.subarray(p * data.outcomeWidth, (p + 1) * data.outcomeWidth), i * data.outcomeWidth);
    if (data.conditions) {
      const K = data.conditions.length / data.n;
      out.conditions!.set(data.conditions.subarray(p * K, (p + 1) * K), i * K);
    }
  });
  return out;
}

/** One minibatch, time-major where it is per step (row t*B + b is patient b at step t). */
export interface MiniBatch {
  size: number;
  steps: number;
  /** [T*B, C] */
  x: Float32Array;
  /** [T*B, C]: x shifted one step later, zeros at t = 0 (teacher forcing). */
  previous: Float32Array;
  /** [T*B]: 1 while t < length. */
  keep: Float32Array;
  /** [B, S] */
  statics: Float32Array;
  /** [B, O] */
  outcomes: Float32Array;
  lengths: Int32Array;
  /** [B, T]: one-hot of length - 1. */
  lengthOneHot: Float32Array;
  /** [B, C]: each patient's last step (what the outcome follows). */
  last: Float32Array;
  /** [B, K]: condition inputs, where the training data has them. */
  conditions?: Float32Array;
}

export function sampleBatch(data: TrainingData, size: number, rng: Rng): MiniBatch {
  const idx = Array.from({ length: size }, () => rng.int(data.n));
  return batchOf(data, idx);
}

export function batchOf(data: TrainingData, idx: number[]): MiniBatch {
  const B = idx.length;
  const T = data.steps;
  const C = data.stepWidth;
  const x = new Float32Array(T * B * C);
  const previous = new Float32Array(T * B * C);
  const keep = new Float32Array(T * B);
  const statics = new Float32Array(B * data.staticWidth);
  const outcomes = new Float32Array(B * data.outcomeWidth);
  const lengths = new Int32Array(B);
  const lengthOneHot = new Float32Array(B * T);
  const last = new Float32Array(B * C);
  const K = data.conditions ? data.conditions.length / data.n : 0;
  const conditions = data.conditions ? new Float32Array(B * K) : undefined;
  idx.forEach((p, b) => {
    if (conditions) conditions.set(data.conditions!.subarray(p * K, (p + 1) * K), b * K);
    const len = data.lengths[p]!;
    lengths[b] = len;
    if (len > 0) last.set(data.sequences.subarray((p * T + len - 1) * C, (p * T + len) * C), b * C);
    lengthOneHot[b * T + Math.max(0, len - 1)] = 1;
    statics.set(data.statics.subarray(p * data.staticWidth, (p + 1) * data.staticWidth), b * data.staticWidth);
    outcomes.set(data.outcomes.subarray(p * data.outcomeWidth, (p + 1) * data.outcomeWidth), b * data.outcomeWidth);
    for (let t = 0; t < T; t++) {
      const src = data.sequences.subarray((p * T + t) * C, (p * T + t + 1) * C);
      x.set(src, (t * B + b) * C);
      if (t + 1 < T) previous.set(src, ((t + 1) * B + b) * C);
      keep[t * B + b] = t < len ? 1 : 0;
    }
  });
  return { size: B, steps: T, x, previous, keep, statics, outcomes, lengths, lengthOneHot, last, ...(conditions ? { conditions } : {}) };
}

/** A batch's `lengths` as its time-major step mask [T B] (1 while t < length) and one-hot of length - 1 [B, T] (lengths of 1 or more). */
export function lengthLayout(lengths: ArrayLike<number>, T: number): { keep: Float32Array; oneHot: Float32Array } {
  const B = lengths.length;
  const keep = new Float32Array(T * B);
  const oneHot = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    oneHot[b * T + lengths[b]! - 1] = 1;
    for (let t = 0; t < lengths[b]!; t++) keep[t * B + b] = 1;
  }
  return { keep, oneHot };
}

/**
 * The batch with its patients sorted by length, longest first (ties keep their
 * order), and `order[b]`, which patient of `batch` is row b now: what a packed
 * GRU run needs (runGruPacked). Every per-patient quantity moves with its patient.
 */
export function sortedByLength(batch: MiniBatch): { batch: MiniBatch; order: number[] } {
  const B = batch.size;
  const T = batch.steps;
  const order = Array.from({ length: B }, (_, b) => b).sort((a, b) => batch.lengths[b]! - batch.lengths[a]! || a - b);
  const perPatient = (from: Float32Array) => reorderRows(from, order);
  const timeMajor = (from: Float32Array) => reorderRows(from, order, T);
  return {
    order,
    batch: {
      size: B,
      steps: T,
      x: timeMajor(batch.x),
      previous: timeMajor(batch.previous),
      keep: timeMajor(batch.keep),
      statics: perPatient(batch.statics),
      outcomes: perPatient(batch.outcomes),
      lengths: Int32Array.from(order, (old) => batch.lengths[old]!),
      lengthOneHot: perPatient(batch.lengthOneHot),
      last: perPatient(batch.last),
      ...(batch.conditions ? { conditions: perPatient(batch.conditions) } : {}),
    },
  };
}

/**
 * Rows of a per-patient [B, width] array (or, with `steps`, a time-major [steps*B, width]
 * one) in a new patient order: row b of the result is patient order[b]'s.
 */
export function reorderRows(from: Float32Array, order: readonly number[], steps = 1): Float32Array {
  const B = order.length;
  const width = from.length / (steps * B);
  const out = new Float32Array(from.length);
  for (let t = 0; t < steps; t++) order.forEach((old, b) => out.set(from.subarray((t * B + old) * width, (t * B + old + 1) * width), (t * B + b) * width));
  return out;
}

/**
 * Patients still going at each step of a batch sorted by length, longest first:
 * counts[t] = how many have a step t, whose rows are then the first counts[t].
 */
export function stepCounts(lengths: ArrayLike<number>, steps: number): number[] {
  const counts = new Array<number>(steps).fill(0);
  for (let b = 0; b < lengths.length; b++) {
    if (b > 0 && lengths[b]! > lengths[b - 1]!) throw new Error('stepCounts needs lengths sorted longest first');
    for (let t = 0; t < Math.min(lengths[b]!, steps); t++) counts[t]! += 1;
  }
  return counts;
}

/**
 * A batch as packed training reads it: its patients sorted by length (longest first,
 * `order` as sortedByLength's), patients per step (counts[t], as the packed GRU run
 * reads them) and the real steps' rows packed, so that heads and losses see the
 * rows that count, not T*B rows mostly of padding (padding weighs nothing in a loss).
 */
export interface PackedBatch {
  batch: MiniBatch;
  order: number[];
  counts: number[];
  /** Real steps in all (the packed rows). */
  rows: number;
  /** [rows, C]: the real steps, packed. */
  x: Float32Array;
  /** [rows, C]: the step before each real step, packed. */
  previous: Float32Array;
}

export function packBatch(drawn: MiniBatch): PackedBatch {
  const { batch, order } = sortedByLength(drawn);
  const T = batch.steps;
  const counts = stepCounts(batch.lengths, T);
  const C = batch.x.length / (T * batch.size);
  return {
    batch,
    order,
    counts,
    rows: counts.reduce((a, c) => a + c, 0),
    x: packRows(batch.x, C, batch.size, counts),
    previous: packRows(batch.previous, C, batch.size, counts),
  };
}

/** The rows of a time-major [T*B, width] array that a packed run keeps: step t's first counts[t] of its B. */
export function packRows(from: Float32Array, width: number, batch: number, counts: readonly number[]): Float32Array {
  const out = new Float32Array(counts.reduce((a, c) => a + c, 0) * width);
  let to = 0;
  counts.forEach((count, t) => {
    out.set(from.subarray(t * batch * width, (t * batch + count) * width), to);
    to += count * width;
  });
  return out;
}

/**
 * [T*B, 2], time-major: for each step, the share of the patient's steps still to
 * come ((length - t) / T) and whether it is the last one; zeros past the end.
 */
export function stepPosition(lengths: Int32Array, T: number): Float32Array {
  const B = lengths.length;
  const out = new Float32Array(T * B * 2);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengths[b]!; t++) {
      out[(t * B + b) * 2] = (lengths[b]! - t) / T;
      out[(t * B + b) * 2 + 1] = t === lengths[b]! - 1 ? 1 : 0;
    }
  }
  return out;
}
