// The tfjs union package registers every op's gradient with tfjs-core (tfjs-core alone registers none).
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

/*
 * One step of DP-SGD (Abadi et al. 2016), as the RDP accountant (rdpAccountant.ts)
 * counts it: patients drawn by Poisson sampling at rate q, each patient's
 * gradient of its own loss clipped to an L2 norm of at most `clip` over all the
 * variables together, the clipped gradients summed, Gaussian noise of sd
 * sigma x clip added to every coordinate, and the sum divided by the expected
 * batch size q n (not by the number drawn, which would tell how many were).
 * Per-patient gradients are taken one backward pass per patient: exact, and the
 * baseline the faster options of issue 16 are measured against.
 */

export interface PrivateStepSettings {
  /** The largest L2 norm one patient's gradient may have. */
  clip: number;
  /** Noise multiplier: the noise's sd over the clipping norm. */
  sigma: number;
  /** q n: what the noised sum is divided by. */
  expectedBatch: number;
}

/** A Poisson sample: each of `n` patients in it with probability q, independently (their indices, in order). */
export function poissonSample(n: number, q: number, uniform: () => number): number[] {
  const drawn: number[] = [];
  for (let p = 0; p < n; p++) if (uniform() < q) drawn.push(p);
  return drawn;
}

/**
 * The private gradient of one step: `lossOf(p)` is patient p's own loss (made inside this function's
 * tidy scopes). Returns the gradients by variable name (the caller disposes them, or lets
 * privateStep apply them) and each patient's gradient norm before clipping. `normals(k)` gives k
 * standard normal draws (the run's seeded stream, so a step is reproducible).
 */
export function privateGradients(
  vars: tf.Variable[],
  patients: readonly number[],
  lossOf: (patient: number) => tf.Scalar,
  s: PrivateStepSettings,
  normals: (k: number) => Float32Array,
): { grads: tf.NamedTensorMap; norms: number[]; losses: number[] } {
  if (!(s.clip > 0) || !(s.sigma >= 0) || !(s.expectedBatch > 0)) throw new RangeError(`DP-SGD needs a clipping norm above 0, a noise multiplier of 0 or more and an expected batch above 0 (got ${s.clip}, ${s.sigma}, ${s.expectedBatch}).`);
  let sum: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  const norms: number[] = [];
  const losses: number[] = [];
  for (const p of patients) {
    const { value, grads } = tf.variableGrads(() => lossOf(p), vars);
    losses.push(value.dataSync()[0]!);
    value.dispose();
    // A variable this patient's loss does not reach has no gradient: zero for this patient.
    const g = vars.map((v) => grads[v.name] ?? null);
    const norm = Math.sqrt(tf.tidy(() => tf.addN([tf.scalar(0), ...g.flatMap((x) => (x ? [tf.sum(tf.square(x))] : []))]).dataSync()[0]!));
    norms.push(norm);
    const scale = Math.min(1, s.clip / Math.max(norm, 1e-12));
    const next = tf.tidy(() => sum.map((acc, i) => (g[i] ? tf.add(acc, tf.mul(g[i]!, scale)) : acc.clone())));
    tf.dispose(sum);
    tf.dispose(Object.values(grads).filter((x) => x));
    sum = next;
  }
  const grads: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    grads[v.name] = tf.tidy(() => tf.div(tf.add(sum[i]!, tf.mul(tf.tensor(normals(v.size), v.shape), s.sigma * s.clip)), s.expectedBatch));
  });
  tf.dispose(sum);
  return { grads, norms, losses };
}

/** One DP-SGD update of `vars` by `optimizer`; returns each patient's loss and gradient norm before clipping. */
export function privateStep(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  patients: readonly number[],
  lossOf: (patient: number) => tf.Scalar,
  s: PrivateStepSettings,
  normals: (k: number) => Float32Array,
): { norms: number[]; losses: number[] } {
  const { grads, norms, losses } = privateGradients(vars, patients, lossOf, s, normals);
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  return { norms, losses };
}
