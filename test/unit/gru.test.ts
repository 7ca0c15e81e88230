import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gruCell, gruParams, project, runGru } from '../../main/models/gru.js';
import { Params } from '../../main/models/params.js';
import { Rng } from '../../main/common/rng.js';
import { selectBackend } from '../../main/training/backend.js';

beforeAll(async () => {
  await selectBackend('auto');
});

describe('the GRU sequence op (hand-written backpropagation through time)', () => {
  it('gives the same states and gradients as autodiff of the plain cell, with lengths masked', () => {
    const T = 7;
    const B = 5;
    const D = 3;
    const H = 4;
    const rng = new Rng(8);
    const p = new Params(rng);
    const w = gruParams(p, 'g', D, H);
    const x = tf.variable(tf.tensor2d(rng.normals(T * B * D), [T * B, D]), true, 'x');
    const h0 = tf.variable(tf.tensor2d(rng.normals(B * H, 0.5), [B, H]), true, 'h0');
    // Sequences of lengths 7, 5, 3, 1, 7: steps past a length are frozen.
    const lengths = [7, 5, 3, 1, 7];
    const keepData = new Float32Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) keepData[t * B + b] = t < lengths[b]! ? 1 : 0;
    const keep = tf.tensor2d(keepData, [T * B, 1]);
    const weights = tf.tensor2d(rng.normals(T * B * H), [T * B, H]);
    const vars = [...p.of('g.'), x, h0];

    const custom = tf.variableGrads(() => tf.sum(tf.mul(runGru(w, x, T, keep, h0).all, weights)) as tf.Scalar, vars);
    const reference = tf.variableGrads(() => {
      let h: tf.Tensor2D = h0;
      const states: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const xt = tf.slice(x, [t * B, 0], [B, D]) as tf.Tensor2D;
        h = gruCell(w, project(w, xt), h, tf.slice(keep, [t * B, 0], [B, 1]) as tf.Tensor2D);
        states.push(h);
      }
      return tf.sum(tf.mul(tf.concat(states, 0), weights)) as tf.Scalar;
    }, vars);

    expect(custom.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0]!, 4);
    for (const v of vars) {
      const a = custom.grads[v.name]!.dataSync();
      const b = reference.grads[v.name]!.dataSync();
      expect(a.length, v.name).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(a[i], `${v.name}[${i}]`).toBeCloseTo(b[i]!, 4);
    }
    // The last state of a sequence of length 1 is its first state.
    const run = runGru(w, x, T, keep, h0);
    const last = run.last.arraySync();
    const first = (tf.slice(run.all, [0, 0], [B, H]) as tf.Tensor2D).arraySync();
    expect(last[3]).toEqual(first[3]);
    p.dispose();
  });
});
