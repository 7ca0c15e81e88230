import * as tf from '@tensorflow/tfjs-core';
import { withinOrder, type PartSpec } from './channels.js';
import { readOut } from './ops.js';
import type { Params } from './params.js';
import { addPerPatient, perExampleOuter, recordingPerPatient } from '../privacy/perExample.js';

/*
 * Heads autoregressive within a part (architecture 2): a learnt matrix, masked
 * by withinOrder, adds to each output what the channels drawn before it in the
 * same row hold. Training feeds the row's real channels (teacher forcing);
 * generation draws one group at a time (sampleOutputs with `within`).
 */

export interface Within {
  weights: tf.Variable;
  mask: Float32Array;
}

/** A learnt matrix and its order mask for a head autoregressive within a part (see withinOrder); starts at zero: independent draws. */
export function within(p: Params, name: string, part: PartSpec): Within {
  return { weights: p.zeros(name, part.width, part.headWidth), mask: withinOrder(part) };
}

/** Head logits plus what the row's own earlier channels (`target`, teacher-forced) add to each output. */
export function withinLogits(w: Within | null, logits: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor2D {
  if (!w) return logits;
  const [rows, cols] = w.weights.shape as [number, number];
  const mask = tf.tensor2d(w.mask, [rows, cols]);
  if (recordingPerPatient()) return tf.add(logits, recordedMaskedProduct(w, target, mask)) as tf.Tensor2D;
  return tf.add(logits, tf.matMul(target, tf.mul(w.weights, mask))) as tf.Tensor2D;
}

/** target (W ⊙ mask) whose backward pass records each patient's gradient of W (privacy/perExample.ts); target is data. */
function recordedMaskedProduct(w: Within, target: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, weights] = args as tf.Tensor2D[];
    const save = args[2] as (t: tf.Tensor[]) => void;
    const masked = tf.mul(weights!, mask);
    save([x!, masked, mask]);
    return {
      value: tf.matMul(x!, masked),
      gradFunc: (dy: tf.Tensor, [sx, sMasked, sMask]: tf.Tensor[]) => {
        addPerPatient(w.weights.name, tf.mul(perExampleOuter(sx!, dy), sMask!));
        // The patients' parts are W's gradient (see recordingPerPatient): its own is zero.
        return [tf.matMul(dy as tf.Tensor2D, sMasked as tf.Tensor2D, false, true), tf.zerosLike(sMask!)];
      },
    };
  });
  return op(target, w.weights) as tf.Tensor2D;
}

/** The masked matrix as generation reads it. */
export function withinWeights(w: Within | null): Float32Array | undefined {
  return w ? readOut(() => tf.mul(w.weights, tf.tensor2d(w.mask, w.weights.shape as [number, number]))) : undefined;
}

