import * as tf from '@tensorflow/tfjs-core';
import { nativeKernelsInUse } from './nativeKernels.js';
import { addPerPatient, perExampleOuter } from '../privacy/perExample.js';

/**
 * Sum of scalars or same-shape tensors, in pairs: never `tf.addN` of many
 * (tfjs-backend-webgpu 4.22 computes addN of 8 or more inputs wrongly).
 */
export function sumAll<T extends tf.Tensor>(terms: T[]): T {
  if (terms.length === 0) return tf.scalar(0) as unknown as T;
  let level = terms;
  while (level.length > 1) {
    const next: T[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? (tf.add(level[i]!, level[i + 1]!) as T) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/** Runs `fn` in a tidy scope and returns its result's values, disposing everything. */
export function readOut(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return Float32Array.from(t.dataSync() as Float32Array);
  } finally {
    t.dispose();
  }
}

/**
 * tf.tile(x, [times, 1]) for a 2D x: `times` copies of x stacked on the rows (a per-patient input
 * repeated at every step of a time-major batch). The same values and gradients as tf.tile's (its
 * gradient adds the copies' gradients in the same order), without its cost on the wasm backend:
 * there tf.tile of [64, 72] 48 times took ~7 ms, and its gradient is a slice and an add per copy.
 */
export function tileRows(x: tf.Tensor2D, times: number): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const input = args[0] as tf.Tensor2D;
    const values = input.dataSync() as Float32Array;
    const out = new Float32Array(values.length * times);
    for (let t = 0; t < times; t++) out.set(values, t * values.length);
    return {
      value: tf.tensor2d(out, [input.shape[0] * times, input.shape[1]]),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync() as Float32Array;
        const sum = new Float32Array(values.length);
        for (let t = 0; t < times; t++) {
          const from = t * values.length;
          for (let j = 0; j < sum.length; j++) sum[j]! += d[from + j]!;
        }
        return tf.tensor2d(sum, input.shape);
      },
    };
  });
  return op(x) as tf.Tensor2D;
}

/**
 * x as data to a gradient taken through it: the same values, and no gradient back to what made it
 * (tfjs has no stopGradient). A loss of two networks' weights, one reading what the other computes
 * only as input, then differentiates each for its own part alone.
 */
export function asData<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((...args: unknown[]) => {
    const input = args[0] as tf.Tensor;
    return { value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
  });
  return op(x) as T;
}

/**
 * aᵀ b for each b: the weight gradients of a sequence (a: [steps x rows, n]). The native matrix
 * product reads a transposed as it packs it; the wasm backend's own kernel is ~9x slower with a
 * transpose flag than a plain product, so without native kernels a is transposed once, first.
 */
export function matMulsTransposeA(a: tf.Tensor, bs: tf.Tensor[]): tf.Tensor2D[] {
  if (nativeKernelsInUse()) return bs.map((b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false));
  const aT = tf.transpose(a as tf.Tensor2D);
  return bs.map((b) => tf.matMul(aT, b as tf.Tensor2D));
}

/**
 * A weight vector [n] repeated on `rows` rows ([rows, n]), whose backward pass records each patient's
 * gradient of it (privacy/perExample.ts): what a broadcast of the vector over a batch's rows computes.
 */
export function recordedRows(v: tf.Variable, rows: number): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const x = args[0] as tf.Tensor1D;
    return {
      value: tf.tile(tf.reshape(x, [1, -1]), [rows, 1]) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor) => {
        addPerPatient(v.name, perExampleOuter(null, dy));
        // The patients' parts are the vector's gradient (see recordingPerPatient): its own is zero.
        return tf.zerosLike(x);
      },
    };
  });
  return op(v) as tf.Tensor2D;
}
