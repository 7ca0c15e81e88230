import * as tf from '@tensorflow/tfjs-core';
import type { Encoding } from '../sequence/encoding.js';
import { sumAll } from './ops.js';
import type { Rng } from './rng.js';

/*
 * What each channel of an encoded part is, for the output heads: real values
 * (squared error), binary (logistic), or one-hot groups (softmax). A value
 * channel counts only where its observed-mask channel is 1.
 */

export interface Group {
  offset: number;
  width: number;
  kind: 'real' | 'binary' | 'categorical';
  /** Channel holding this value's observed mask, if any. */
  maskOffset: number | null;
}

export interface PartSpec {
  width: number;
  groups: Group[];
}

export interface ChannelSpec {
  statics: PartSpec;
  step: PartSpec;
  outcome: PartSpec;
  maxLength: number;
}

export function channelSpec(enc: Encoding): ChannelSpec {
  const statics: Group[] = [];
  for (const f of enc.statics) {
    const kind = f.codec.type === 'numeric' ? 'real' : f.codec.type === 'binary' ? 'binary' : 'categorical';
    statics.push({ offset: f.offset, width: f.codec.type === 'onehot' ? f.codec.levels.length : 1, kind, maskOffset: f.maskOffset });
    if (f.maskOffset !== null) statics.push({ offset: f.maskOffset, width: 1, kind: 'binary', maskOffset: null });
  }
  const step: Group[] = [];
  if (enc.gap) step.push({ offset: enc.gap.offset, width: 1, kind: 'real', maskOffset: null });
  for (const f of enc.measurements) {
    const kind = f.codec.type === 'numeric' ? 'real' : f.codec.type === 'binary' ? 'binary' : 'categorical';
    step.push({ offset: f.offset, width: f.codec.type === 'onehot' ? f.codec.levels.length : 1, kind, maskOffset: f.maskOffset });
    step.push({ offset: f.maskOffset, width: 1, kind: 'binary', maskOffset: null });
    if (f.sinceOffset !== null) step.push({ offset: f.sinceOffset, width: 1, kind: 'real', maskOffset: null });
  }
  // Events: whether one happened at the step (two of a type at one time are rare enough to read as one).
  for (const e of enc.events) step.push({ offset: e.offset, width: 1, kind: 'binary', maskOffset: null });
  const outcome: Group[] = [
    { offset: enc.outcome.tailOffset, width: 1, kind: 'real', maskOffset: null },
    { offset: enc.outcome.levelOffset, width: enc.outcome.levels.length, kind: 'categorical', maskOffset: null },
  ];
  return {
    statics: { width: enc.staticWidth, groups: statics },
    step: { width: enc.stepWidth, groups: step },
    outcome: { width: enc.outcomeWidth, groups: outcome },
    maxLength: enc.maxLength,
  };
}

/** Per-row, per-channel weights of a batch's targets: which entries count in the loss. */
export interface LossWeights {
  real: tf.Tensor2D;
  binary: tf.Tensor2D;
  /** One [N,1] weight per categorical group, in group order. */
  categorical: tf.Tensor2D[];
  realTotal: number;
  binaryTotal: number;
  categoricalTotals: number[];
}

/** Weights for `rows` x part.width targets; `rowWeight` (e.g. step within length) per row, default 1. */
export function lossWeights(part: PartSpec, target: Float32Array, rows: number, rowWeight?: Float32Array): LossWeights {
  const w = part.width;
  const real = new Float32Array(rows * w);
  const binary = new Float32Array(rows * w);
  const cats = part.groups.filter((g) => g.kind === 'categorical');
  const catW = cats.map(() => new Float32Array(rows));
  let realTotal = 0;
  let binaryTotal = 0;
  const catTotals = cats.map(() => 0);
  for (let n = 0; n < rows; n++) {
    const rw = rowWeight ? rowWeight[n]! : 1;
    if (rw === 0) continue;
    let ci = 0;
    for (const g of part.groups) {
      const m = g.maskOffset === null ? 1 : target[n * w + g.maskOffset]!;
      const weight = rw * m;
      if (g.kind === 'categorical') {
        catW[ci]![n] = weight;
        catTotals[ci]! += weight;
        ci++;
      } else {
        const arr = g.kind === 'real' ? real : binary;
        for (let k = 0; k < g.width; k++) arr[n * w + g.offset + k] = weight;
        if (g.kind === 'real') realTotal += weight * g.width;
        else binaryTotal += weight * g.width;
      }
    }
  }
  return {
    real: tf.tensor2d(real, [rows, w]),
    binary: tf.tensor2d(binary, [rows, w]),
    categorical: catW.map((c) => tf.tensor2d(c, [rows, 1])),
    realTotal,
    binaryTotal,
    categoricalTotals: catTotals,
  };
}

export function disposeWeights(lw: LossWeights): void {
  lw.real.dispose();
  lw.binary.dispose();
  for (const c of lw.categorical) c.dispose();
}

/**
 * Reconstruction loss of raw head outputs (`logits`: real values as they are,
 * logits for binary and categorical) against targets: mean squared error +
 * binary cross-entropy + categorical cross-entropy, each averaged over what counts.
 */
export function partLoss(part: PartSpec, logits: tf.Tensor2D, target: tf.Tensor2D, lw: LossWeights, logVar?: tf.Tensor1D): tf.Scalar {
  const terms: tf.Scalar[] = [];
  if (lw.realTotal > 0) {
    const squared = tf.square(tf.sub(logits, target));
    // With a learned log-variance per channel, the Gaussian negative log-likelihood (up to a constant).
    const nll = logVar ? tf.mul(0.5, tf.add(tf.mul(squared, tf.exp(tf.neg(logVar))), logVar)) : squared;
    terms.push(tf.div(tf.sum(tf.mul(lw.real, nll)), lw.realTotal));
  }
  if (lw.binaryTotal > 0) {
    // Stable logistic loss: max(x, 0) - x y + log(1 + exp(-|x|)).
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    terms.push(tf.div(tf.sum(tf.mul(lw.binary, bce)), lw.binaryTotal));
  }
  let ci = 0;
  for (const g of part.groups) {
    if (g.kind !== 'categorical') continue;
    const total = lw.categoricalTotals[ci]!;
    const weight = lw.categorical[ci++]!;
    if (total === 0 || g.width < 2) continue;
    const logp = tf.logSoftmax(tf.slice(logits, [0, g.offset], [-1, g.width]));
    const ce = tf.neg(tf.sum(tf.mul(logp, tf.slice(target, [0, g.offset], [-1, g.width])), 1, true));
    terms.push(tf.div(tf.sum(tf.mul(weight, ce)), total));
  }
  return sumAll(terms);
}

/**
 * Turns raw head outputs into values the decoder reads: probabilities sampled
 * to 0/1 and one-hots; real values drawn around their mean with the learned
 * standard deviation per channel when there is one (`sd`), else the mean.
 */
export function sampleOutputs(part: PartSpec, logits: Float32Array, rows: number, rng: Rng, sd?: Float32Array): Float32Array {
  const w = part.width;
  const out = new Float32Array(rows * w);
  for (let n = 0; n < rows; n++) {
    const row = n * w;
    for (const g of part.groups) {
      if (g.kind === 'real') {
        for (let k = 0; k < g.width; k++) out[row + g.offset + k] = logits[row + g.offset + k]! + (sd ? sd[g.offset + k]! * rng.normal() : 0);
      }
      else if (g.kind === 'binary') out[row + g.offset] = rng.next() < 1 / (1 + Math.exp(-logits[row + g.offset]!)) ? 1 : 0;
      else {
        let max = -Infinity;
        for (let k = 0; k < g.width; k++) max = Math.max(max, logits[row + g.offset + k]!);
        let total = 0;
        const p = new Float64Array(g.width);
        for (let k = 0; k < g.width; k++) total += p[k] = Math.exp(logits[row + g.offset + k]! - max);
        let u = rng.next() * total;
        let pick = g.width - 1;
        for (let k = 0; k < g.width; k++) {
          u -= p[k]!;
          if (u <= 0) {
            pick = k;
            break;
          }
        }
        out[row + g.offset + pick] = 1;
      }
    }
    // A value whose mask came out 0 is not there: zero it, as the encoder does.
    for (const g of part.groups) {
      if (g.maskOffset !== null && out[row + g.maskOffset] === 0) for (let k = 0; k < g.width; k++) out[row + g.offset + k] = 0;
    }
  }
  return out;
}
