// The tfjs union package registers every op's gradient with tfjs-core (tfjs-core alone registers none).
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

import type { PerPatientGradients } from './perExample.js';

/*
 * One step of DP-SGD (Abadi et al. 2016), as the RDP accountant (rdpAccountant.ts)
 * counts it: patients drawn by Poisson sampling at rate q, each patient's
 * gradient of its own loss clipped to an L2 norm of at most `clip` over all the
 * variables together, the clipped gradients summed, Gaussian noise of sd
 * sigma x clip added to every coordinate, and the sum divided by the expected
 * batch size q n (not by the number drawn, which would tell how many were).
 * The patients' own gradients come in batches (PerPatientGradients): from one
 * batched backward pass that records them (perExample.ts), or from one
 * backward pass per patient (onePassPerPatient: the exact baseline the batched
 * pass is tested against, ~4x slower on the VAE).
 */

export interface PrivateStepSettings {
  /** The largest L2 norm one patient's gradient may have. */
  clip: number;
  /** Noise multiplier: the noise's sd over the clipping norm. */
  sigma: number;
  /** q n: what the noised sum is divided by. */
  expectedBatch: number;
  /** How a model takes the patients' own gradients: one batched pass that records them (default), or one pass per patient (the exact baseline, slower). */
  method?: 'recorded' | 'onePass';
}

/** A Poisson sample: each of `n` patients in it with probability q, independently (their indices, in order). */
export function poissonSample(n: number, q: number, uniform: () => number): number[] {
  const drawn: number[] = [];
  for (let p = 0; p < n; p++) if (uniform() < q) drawn.push(p);
  return drawn;
}

/** Per-patient gradients by one backward pass per patient: `lossOf(p)` is patient p's own loss (made inside the gradient's scope). */
export function onePassPerPatient(vars: tf.Variable[], patients: readonly number[], lossOf: (patient: number) => tf.Scalar): PerPatientGradients {
  const rows = new Map<string, tf.Tensor[]>(vars.map((v) => [v.name, []]));
  let lossSum = 0;
  for (const p of patients) {
    // Plus nothing times a weight: a patient whose loss reaches no weight (no steps to reconstruct) has a zero gradient, not an error.
    const { value, grads } = tf.variableGrads(() => tf.add(lossOf(p), tf.mul(tf.sum(vars[0]!), 0)) as tf.Scalar, vars);
    lossSum += value.dataSync()[0]!;
    value.dispose();
    // A variable this patient's loss does not reach has no gradient: zero for this patient.
    for (const v of vars) rows.get(v.name)!.push(tf.tidy(() => tf.reshape(grads[v.name] ?? tf.zeros(v.shape), [1, v.size])));
    tf.dispose(Object.values(grads));
  }
  const grads = new Map<string, tf.Tensor2D>();
  for (const v of vars) {
    const list = rows.get(v.name)!;
    grads.set(v.name, (list.length ? tf.concat(list, 0) : tf.zeros([0, v.size])) as tf.Tensor2D);
    tf.dispose(list);
  }
  return { patients: patients.length, grads, lossSum };
}

/**
 * The private gradient of one step from the drawn patients' own gradients, in batches (each a
 * function making one, so that one batch's per-patient gradients are held at a time). Returns the
 * gradients by variable name (the caller disposes them, or lets privateStep apply them), each
 * patient's gradient norm before clipping and the sum of their losses. `normals(k)` gives k
 * standard normal draws (the run's seeded stream, so a step is reproducible).
 */
export function privateGradients(
  vars: tf.Variable[],
  batches: Iterable<() => PerPatientGradients>,
  s: PrivateStepSettings,
  normals: (k: number) => Float32Array,
): { grads: tf.NamedTensorMap; norms: number[]; lossSum: number } {
  if (!(s.clip > 0) || !(s.sigma >= 0) || !(s.expectedBatch > 0)) throw new RangeError(`DP-SGD needs a clipping norm above 0, a noise multiplier of 0 or more and an expected batch above 0 (got ${s.clip}, ${s.sigma}, ${s.expectedBatch}).`);
  let sum: tf.Tensor[] = vars.map((v) => tf.zeros(v.shape));
  const norms: number[] = [];
  let lossSum = 0;
  for (const make of batches) {
    const batch = make();
    try {
      lossSum += batch.lossSum;
      if (batch.patients === 0) continue;
      const own = vars.map((v) => batch.grads.get(v.name)!);
      const squared = tf.tidy(() => own.map((g) => tf.sum(tf.square(g), 1)).reduce((a, b) => tf.add(a, b)).dataSync() as Float32Array);
      const batchNorms = Array.from(squared, (x) => Math.sqrt(x));
      norms.push(...batchNorms);
      // Each patient's gradient scaled to at most the clipping norm, then summed: one product per variable.
      const scale = Float32Array.from(batchNorms, (n) => Math.min(1, s.clip / Math.max(n, 1e-12)));
      const next = tf.tidy(() => {
        const row = tf.tensor2d(scale, [1, batch.patients]);
        return sum.map((acc, i) => tf.add(acc, tf.reshape(tf.matMul(row, own[i]!), vars[i]!.shape)));
      });
      tf.dispose(sum);
      sum = next;
    } finally {
      tf.dispose([...batch.grads.values()]);
    }
  }
  const grads: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    grads[v.name] = tf.tidy(() => tf.div(tf.add(sum[i]!, tf.mul(tf.tensor(normals(v.size), v.shape), s.sigma * s.clip)), s.expectedBatch));
  });
  tf.dispose(sum);
  return { grads, norms, lossSum };
}

/** One DP-SGD update of `vars` by `optimizer`; returns each patient's gradient norm before clipping and the sum of their losses. */
export function privateStep(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  batches: Iterable<() => PerPatientGradients>,
  s: PrivateStepSettings,
  normals: (k: number) => Float32Array,
): { norms: number[]; lossSum: number } {
  const { grads, norms, lossSum } = privateGradients(vars, batches, s, normals);
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  return { norms, lossSum };
}
