import * as tf from '@tensorflow/tfjs-core';

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
