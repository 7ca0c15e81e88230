// The tfjs union package registers every op's gradient with tfjs-core (tfjs-core alone registers none).
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

export interface LossParts {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

/**
 * One optimisation step: gradients of `loss` for `vars`, applied by `optimizer`.
 * Returns the total and each named part as numbers; leaves no tensors behind.
 * `frozen`: weights given a zero gradient (not left out: tfjs's Adam keeps its moments by the
 * position of a weight in the gradients it is given, so every step must give it the same weights);
 * a weight that has only ever had zero gradients does not move.
 */
export function optimize(optimizer: tf.Optimizer, vars: tf.Variable[], loss: () => LossParts, frozen?: (name: string) => boolean): Record<string, number> {
  let kept: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const l = loss();
    kept = Object.fromEntries(Object.entries(l.parts).map(([k, v]) => [k, tf.keep(v)]));
    return l.total;
  }, vars);
  if (frozen) {
    for (const name of Object.keys(grads)) {
      if (!frozen(name)) continue;
      const g = grads[name]!;
      grads[name] = tf.zerosLike(g);
      g.dispose();
    }
  }
  optimizer.applyGradients(grads);
  const out: Record<string, number> = { total: value.dataSync()[0]! };
  for (const [k, v] of Object.entries(kept)) out[k] = v.dataSync()[0]!;
  value.dispose();
  tf.dispose(grads);
  tf.dispose(Object.values(kept));
  return out;
}

/** Adam with the usual GAN-friendly defaults. */
export function adam(learningRate: number): tf.AdamOptimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}
