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

// Variable names are global to the engine: each case's are its own.
let cases = 0;

/** States and gradients (by weight: wz, ..., h0, x) of the sequence op and of autodiff through the plain cell, for one input. */
function bothWays(T: number, lengths: number[], inputGradient: boolean, seed = 3) {
  const name = `c${cases++}`;
  const B = lengths.length;
  const D = 3;
  const H = 4;
  const rng = new Rng(seed);
  const p = new Params(rng);
  const w = gruParams(p, name, D, H);
  const x = tf.variable(tf.tensor2d(rng.normals(T * B * D), [T * B, D]), true, `${name}.x`);
  const h0 = tf.variable(tf.tensor2d(rng.normals(B * H, 0.5), [B, H]), true, `${name}.h0`);
  const keepData = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) keepData[t * B + b] = t < lengths[b]! ? 1 : 0;
  const keep = tf.tensor2d(keepData, [T * B, 1]);
  const weights = tf.tensor2d(rng.normals(T * B * H), [T * B, H]);
  const vars = [...p.of(`${name}.`), x, h0];
  const custom = tf.variableGrads(() => tf.sum(tf.mul(runGru(w, x, T, keep, h0, inputGradient).all, weights)) as tf.Scalar, vars);
  const reference = tf.variableGrads(() => {
    let h: tf.Tensor2D = h0;
    const states: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      h = gruCell(w, project(w, tf.slice(x, [t * B, 0], [B, D]) as tf.Tensor2D), h, tf.slice(keep, [t * B, 0], [B, 1]) as tf.Tensor2D);
      states.push(h);
    }
    return tf.sum(tf.mul(tf.concat(states, 0), weights)) as tf.Scalar;
  }, vars);
  const grads = (g: Record<string, tf.Tensor>) => Object.fromEntries(vars.map((v) => [v.name.slice(name.length + 1), Array.from(g[v.name]!.dataSync())]));
  const out = { custom: { value: custom.value.dataSync()[0]!, grads: grads(custom.grads) }, reference: { value: reference.value.dataSync()[0]!, grads: grads(reference.grads) } };
  p.dispose();
  tf.dispose([x, h0, keep, weights, custom.value, reference.value, ...Object.values(custom.grads), ...Object.values(reference.grads)]);
  return out;
}

function expectClose(a: Record<string, number[]>, b: Record<string, number[]>, names: string[]) {
  for (const name of names) {
    expect(a[name]!.length, name).toBe(b[name]!.length);
    a[name]!.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(b[name]![i]!, 4));
  }
}

const WEIGHTS = ['wz', 'wr', 'wh', 'uz', 'ur', 'uh', 'bz', 'br', 'bh'];

describe('the GRU sequence op, other paths', () => {
  it('without the input gradient: the same states and weight gradients, and none for the input', () => {
    const { custom, reference } = bothWays(6, [6, 4, 1], false);
    expect(custom.value).toBeCloseTo(reference.value, 4);
    expectClose(custom.grads, reference.grads, [...WEIGHTS, 'h0']);
    expect(custom.grads.x!.every((g) => g === 0)).toBe(true);
    expect(reference.grads.x!.some((g) => Math.abs(g) > 1e-3)).toBe(true);
  });

  it('over a single step (T = 1), with and without the input gradient, one sequence ended before it', () => {
    for (const inputGradient of [true, false]) {
      const { custom, reference } = bothWays(1, [1, 0, 1], inputGradient);
      expect(custom.value).toBeCloseTo(reference.value, 4);
      expectClose(custom.grads, reference.grads, [...WEIGHTS, 'h0', ...(inputGradient ? ['x'] : [])]);
    }
  });
});

describe('the GRU cell', () => {
  it('takes the share z of its candidate and keeps 1 - z of its state; a new cell starts at z = σ(1)', () => {
    const rng = new Rng(4);
    const p = new Params(rng);
    const w = gruParams(p, 'cell', 3, 4);
    const x = tf.tensor2d(rng.normals(2 * 3), [2, 3]);
    const h = tf.tensor2d(rng.normals(2 * 4, 0.5), [2, 4]);
    const projected = project(w, x);
    const z = tf.sigmoid(tf.add(projected.z, tf.matMul(h, w.uz)));
    const r = tf.sigmoid(tf.add(projected.r, tf.matMul(h, w.ur)));
    const candidate = tf.tanh(tf.add(projected.h, tf.matMul(tf.mul(r, h), w.uh)));
    const expected = tf.add(tf.mul(tf.sub(1, z), h), tf.mul(z, candidate));
    expect(Array.from(gruCell(w, projected, h).dataSync())).toEqual(Array.from(expected.dataSync()).map((v) => expect.closeTo(v, 5)));
    // The update-gate bias starts at 1: with no input and no state z = σ(1) ≈ 0.73, most of the candidate.
    expect(Array.from(w.bz.dataSync())).toEqual([1, 1, 1, 1]);
    // The candidate does not depend on the update-gate bias. A large positive one makes the cell take
    // its candidate; a large negative one keeps its state.
    const at = (bias: number) => {
      w.bz.assign(tf.fill([4], bias));
      return Array.from(gruCell(w, project(w, x), h).dataSync());
    };
    expect(at(20)).toEqual(Array.from(candidate.dataSync()).map((v) => expect.closeTo(v, 5)));
    expect(at(-20)).toEqual(Array.from(h.dataSync()).map((v) => expect.closeTo(v, 5)));
    p.dispose();
  });
});
