import * as tf from '@tensorflow/tfjs-core';
import type { Params } from './params.js';
import { addPerPatient, perExampleOuter, recordingPerPatient } from '../privacy/perExample.js';

export interface DenseWeights {
  w: tf.Variable;
  b: tf.Variable;
}

export function denseParams(p: Params, name: string, inDim: number, outDim: number): DenseWeights {
  return { w: p.matrix(`${name}.w`, inDim, outDim), b: p.bias(`${name}.b`, outDim) };
}

export function dense(d: DenseWeights, x: tf.Tensor2D, activation: 'linear' | 'relu' | 'tanh' | 'sigmoid' = 'linear'): tf.Tensor2D {
  const y = recordingPerPatient() ? recordedLinear(d, x) : (tf.add(tf.matMul(x, d.w), d.b) as tf.Tensor2D);
  switch (activation) {
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'tanh':
      return tf.tanh(y);
    case 'sigmoid':
      return tf.sigmoid(y);
  }
}

/** A small MLP: hidden layers with relu, a linear output. */
export interface MlpWeights {
  layers: DenseWeights[];
}

export function mlpParams(p: Params, name: string, sizes: number[]): MlpWeights {
  const layers: DenseWeights[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) layers.push(denseParams(p, `${name}.${i}`, sizes[i]!, sizes[i + 1]!));
  return { layers };
}

export function mlp(m: MlpWeights, x: tf.Tensor2D, last: 'linear' | 'sigmoid' | 'tanh' = 'linear'): tf.Tensor2D {
  let y = x;
  m.layers.forEach((l, i) => (y = dense(l, y, i + 1 < m.layers.length ? 'relu' : last)));
  return y;
}

/** x W + b whose backward pass records each patient's gradients of W and b (privacy/perExample.ts) as their gradient: the same values. */
function recordedLinear(d: DenseWeights, input: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, w, b] = args as tf.Tensor2D[];
    const save = args[3] as (t: tf.Tensor[]) => void;
    save([x!, w!]);
    return {
      value: tf.add(tf.matMul(x!, w!), b!) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => {
        addPerPatient(d.w.name, perExampleOuter(sx!, dy));
        addPerPatient(d.b.name, perExampleOuter(null, dy));
        // The patients' parts are W's and b's gradient (see recordingPerPatient): their own is zero.
        return [tf.matMul(dy as tf.Tensor2D, sw as tf.Tensor2D, false, true), tf.zerosLike(sw!), tf.zeros([sw!.shape[1]!])];
      },
    };
  });
  return op(input, d.w, d.b) as tf.Tensor2D;
}
