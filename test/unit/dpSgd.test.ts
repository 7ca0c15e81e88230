import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../main/common/rng.js';
import { dense, denseParams } from '../../main/models/dense.js';
import { gruParams, runGru } from '../../main/models/gru.js';
import { batchOf, type TrainingData } from '../../main/models/minibatch.js';
import { adam } from '../../main/models/optimize.js';
import { Params } from '../../main/models/params.js';
import { onePassPerPatient, poissonSample, privateGradients, privateStep } from '../../main/privacy/dpSgd.js';
import { loadTrainingData } from '../../main/training/engine.js';
import { steno2CohortStore } from '../support/cohorts.js';

/*
 * DP-SGD on real batches: a small GRU predicting each Steno-2 training patient's
 * next visit from the ones before, its loss per patient.
 */
let data: TrainingData;
let params: Params;
let vars: tf.Variable[];
let lossOf: (patient: number) => tf.Scalar;

beforeAll(async () => {
  const { db } = await steno2CohortStore();
  data = loadTrainingData(db, 'steno2_death').data;
  params = new Params(new Rng(4));
  const C = data.stepWidth;
  const T = data.steps;
  const gru = gruParams(params, 'g', C, 8);
  const out = denseParams(params, 'o', 8, C);
  vars = params.of('g', 'o');
  lossOf = (p) => {
    const b = batchOf(data, [p]);
    const keep = tf.tensor2d(b.keep, [T, 1]);
    const predicted = dense(out, runGru(gru, tf.tensor2d(b.previous, [T, C]), T, keep).all);
    return tf.div(tf.sum(tf.mul(keep, tf.square(tf.sub(predicted, tf.tensor2d(b.x, [T, C]))))), tf.maximum(tf.sum(keep), 1)) as tf.Scalar;
  };
});

/** Patient p's own gradient, flattened in the variables' order (taken apart from the code under test). */
function gradientOf(p: number): Float32Array[] {
  const { value, grads } = tf.variableGrads(() => lossOf(p), vars);
  const flat = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  value.dispose();
  tf.dispose(grads);
  return flat.map((x) => Float32Array.from(x));
}
const normOf = (g: Float32Array[]) => Math.sqrt(g.reduce((s, x) => s + x.reduce((a, v) => a + v * v, 0), 0));
const read = (grads: tf.NamedTensorMap) => vars.map((v) => Float32Array.from(grads[v.name]!.dataSync() as Float32Array));
const zeros = (k: number) => new Float32Array(k);
/** The patients' own gradients, one backward pass each (the exact baseline), as the one batch privateGradients reads. */
const own = (patients: number[]) => [() => onePassPerPatient(vars, patients, lossOf)];

describe('DP-SGD', () => {
  it("clips each patient's gradient to the norm, over all the variables together, and sums them", () => {
    const patients = [0, 1, 2, 3, 4, 5, 6, 7];
    const mine = patients.map(gradientOf);
    const norms = mine.map(normOf);
    // A clipping norm between the patients' norms: some are clipped, some are not.
    const clip = [...norms].sort((a, b) => a - b)[4]!;
    const { grads, norms: reported } = privateGradients(vars, own(patients), { clip, sigma: 0, expectedBatch: 1 }, zeros);
    reported.forEach((n, i) => expect(n).toBeCloseTo(norms[i]!, 4));
    const got = read(grads);
    tf.dispose(grads);
    const want = mine[0]!.map((x, k) => x.map((_, j) => mine.reduce((s, g, i) => s + g[k]![j]! * Math.min(1, clip / norms[i]!), 0)));
    got.forEach((x, k) => x.forEach((v, j) => expect(v).toBeCloseTo(want[k]![j]!, 5)));
    // One patient alone: its clipped gradient has a norm of at most the clip.
    for (const p of patients) {
      const single = privateGradients(vars, own([p]), { clip, sigma: 0, expectedBatch: 1 }, zeros);
      expect(normOf(read(single.grads))).toBeLessThanOrEqual(clip * (1 + 1e-5));
      tf.dispose(single.grads);
    }
  });

  it('adds Gaussian noise of sd sigma x clip to every coordinate, divided by the expected batch', () => {
    const patients = [10, 11, 12];
    const s = { clip: 0.5, sigma: 2, expectedBatch: 4 };
    const quiet = privateGradients(vars, own(patients), { ...s, sigma: 0 }, zeros);
    const stream = new Rng(9);
    const noisy = privateGradients(vars, own(patients), s, (k) => stream.normals(k));
    const a = read(quiet.grads).flatMap((x) => [...x]);
    const b = read(noisy.grads).flatMap((x) => [...x]);
    tf.dispose([quiet.grads, noisy.grads]);
    const z = b.map((v, i) => (v - a[i]!) / ((s.sigma * s.clip) / s.expectedBatch));
    const mean = z.reduce((x, y) => x + y, 0) / z.length;
    const sd = Math.sqrt(z.reduce((x, y) => x + (y - mean) ** 2, 0) / (z.length - 1));
    expect(z.length).toBeGreaterThan(500);
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(z.length));
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
    // An empty Poisson draw still releases noise: the mechanism's output whatever the sample.
    const none = privateGradients(vars, [], s, (k) => stream.normals(k));
    expect(normOf(read(none.grads))).toBeGreaterThan(0);
    tf.dispose(none.grads);
    expect(() => privateGradients(vars, [], { ...s, clip: 0 }, zeros)).toThrow('clipping norm above 0');
  });

  it('draws patients by Poisson sampling at rate q, reproducibly from the seed', () => {
    const rng = new Rng(5);
    const draw = poissonSample(10_000, 0.1, () => rng.next());
    expect(Math.abs(draw.length - 1000)).toBeLessThan(4 * Math.sqrt(10_000 * 0.1 * 0.9));
    expect(draw).toEqual([...draw].sort((x, y) => x - y));
    const again = new Rng(5);
    expect(poissonSample(10_000, 0.1, () => again.next())).toEqual(draw);
  });

  it('trains: private steps on real patients lower their loss, and the same seed gives the same weights', () => {
    const run = (seed: number) => {
      const before = vars.map((v) => v.clone());
      const optimizer = adam(0.01);
      const rng = new Rng(seed);
      const mean = () => tf.tidy(() => tf.addN(Array.from({ length: 32 }, (_, i) => lossOf(i))).dataSync()[0]! / 32);
      const start = mean();
      for (let step = 0; step < 25; step++) {
        const patients = poissonSample(data.n, 0.25, () => rng.next());
        privateStep(optimizer, vars, own(patients), { clip: 1, sigma: 0.5, expectedBatch: 0.25 * data.n }, (k) => rng.normals(k));
      }
      const end = mean();
      const weights = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
      vars.forEach((v, i) => v.assign(before[i]!));
      tf.dispose(before);
      optimizer.dispose();
      return { start, end, weights };
    };
    const first = run(3);
    const second = run(3);
    expect(first.end).toBeLessThan(first.start);
    expect(second.weights).toEqual(first.weights);
  }, 120_000);
});
