import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../common/rng.js';

/*
 * The losses and draws every family's output heads share: the logistic loss
 * of binary outputs and discriminators, the cross-entropy of a softmax against
 * weighted one-hot targets, and the length head (a softmax over 1..T steps).
 * Callers reduce as they need, so each keeps its order of operations.
 */

/** Stable logistic loss per element, max(x, 0) - x y + log(1 + exp(-|x|)), against 0/1 `labels` (a tensor or one label for all). */
export function logisticLoss(logits: tf.Tensor, labels: tf.Tensor | number): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

/** Mean logistic loss of per-row logits against one label, over rows weighted by `weight` (at least 1 in the denominator). */
export function weightedLogisticLoss(logits: tf.Tensor2D, label: 0 | 1, weight: tf.Tensor2D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(logisticLoss(logits, label), weight)), tf.maximum(tf.sum(weight), 1)) as tf.Scalar;
}

/** Cross-entropy of a softmax over `logits` against weighted one-hot targets, summed and divided by `total` (the targets' weight). */
export function softmaxLoss(logits: tf.Tensor2D, weightedTargets: tf.Tensor2D, total: number): tf.Scalar {
  return tf.div(tf.neg(tf.sum(tf.mul(weightedTargets, tf.logSoftmax(logits)))), total) as tf.Scalar;
}

/** The length head's loss: cross-entropy of logits [B, T] against one-hot lengths (of length - 1), averaged over patients. */
export function lengthLoss(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), 1))) as tf.Scalar;
}

/** Softmax probabilities of each of n rows of T length logits, read from `values` at `offset` + row * `stride` (computed here, not on the backend). */
export function lengthProbabilities(values: Float32Array, n: number, T: number, offset: number, stride: number): Float32Array {
  const probs = new Float32Array(n * T);
  for (let b = 0; b < n; b++) {
    const row = values.subarray(b * stride + offset, b * stride + offset + T);
    const max = Math.max(...row);
    let total = 0;
    for (let t = 0; t < T; t++) total += probs[b * T + t] = Math.exp(row[t]! - max);
    for (let t = 0; t < T; t++) probs[b * T + t]! /= total;
  }
  return probs;
}

/** Draws each patient's number of steps (1..T) from the length head's probabilities. */
export function sampleLengths(probs: Float32Array, n: number, T: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    let u = rng.next();
    let pick = T - 1;
    for (let t = 0; t < T; t++) {
      u -= probs[b * T + t]!;
      if (u <= 0) {
        pick = t;
        break;
      }
    }
    out[b] = pick + 1;
  }
  return out;
}
