import * as tf from '@tensorflow/tfjs-core';
import type { Params } from './params.js';

/*
 * A GRU written for speed in TensorFlow.js, where per-kernel overhead
 * dominates small recurrent nets: the input projections of all steps are one
 * matmul per gate, the per-step inputs are a list made by one split (whose
 * gradient is one concat, not a padded copy per step), and the gates keep
 * separate matrices instead of one matrix sliced three ways.
 */

export interface GruWeights {
  hidden: number;
  wz: tf.Variable;
  wr: tf.Variable;
  wh: tf.Variable;
  uz: tf.Variable;
  ur: tf.Variable;
  uh: tf.Variable;
  bz: tf.Variable;
  br: tf.Variable;
  bh: tf.Variable;
}

export function gruParams(p: Params, name: string, inDim: number, hidden: number): GruWeights {
  return {
    hidden,
    wz: p.matrix(`${name}.wz`, inDim, hidden),
    wr: p.matrix(`${name}.wr`, inDim, hidden),
    wh: p.matrix(`${name}.wh`, inDim, hidden),
    uz: p.recurrent(`${name}.uz`, hidden),
    ur: p.recurrent(`${name}.ur`, hidden),
    uh: p.recurrent(`${name}.uh`, hidden),
    // A positive update-gate bias starts the cell close to copying its state: steadier early training.
    bz: p.bias(`${name}.bz`, hidden, 1),
    br: p.bias(`${name}.br`, hidden),
    bh: p.bias(`${name}.bh`, hidden),
  };
}

/** Input projections of one step (or of all steps at once, stacked on the rows). */
export interface Projected {
  z: tf.Tensor2D;
  r: tf.Tensor2D;
  h: tf.Tensor2D;
}

export function project(w: GruWeights, x: tf.Tensor2D): Projected {
  return { z: tf.add(tf.matMul(x, w.wz), w.bz), r: tf.add(tf.matMul(x, w.wr), w.br), h: tf.add(tf.matMul(x, w.wh), w.bh) };
}

/** One step from projected inputs. `keep` [B,1] = 1 where the sequence goes on; elsewhere the state is carried. */
export function gruCell(w: GruWeights, x: Projected, h: tf.Tensor2D, keep?: tf.Tensor2D): tf.Tensor2D {
  const z = tf.sigmoid(tf.add(x.z, tf.matMul(h, w.uz)));
  const r = tf.sigmoid(tf.add(x.r, tf.matMul(h, w.ur)));
  const candidate = tf.tanh(tf.add(x.h, tf.matMul(tf.mul(r, h), w.uh)));
  const update = keep ? tf.mul(z, keep) : z;
  // h + update * (candidate - h): (1 - z) h + z candidate, frozen past the sequence's end.
  return tf.add(h, tf.mul(update, tf.sub(candidate, h)));
}

/**
 * Runs the GRU over a time-major input [T*B, D] (rows t*B .. t*B+B-1 are step t).
 * Returns the state after every step. `keep[t]` [B,1] freezes finished sequences.
 */
export function runGru(w: GruWeights, x: tf.Tensor2D, steps: number, keep?: tf.Tensor2D[], h0?: tf.Tensor2D): tf.Tensor2D[] {
  const batch = x.shape[0] / steps;
  const p = project(w, x);
  const zs = tf.split(p.z, steps, 0) as tf.Tensor2D[];
  const rs = tf.split(p.r, steps, 0) as tf.Tensor2D[];
  const hs = tf.split(p.h, steps, 0) as tf.Tensor2D[];
  let h = h0 ?? tf.zeros([batch, w.hidden]);
  const out: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    h = gruCell(w, { z: zs[t]!, r: rs[t]!, h: hs[t]! }, h, keep?.[t]);
    out.push(h);
  }
  return out;
}
