import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gruCell, gruParams, project, recordingGradients, runGru } from '../../main/models/gru.js';
import { tileRows } from '../../main/models/ops.js';
import { runGruPacked, unpackSteps } from '../../main/models/gruPacked.js';
import { packRows, sortedByLength, stepCounts, type MiniBatch } from '../../main/models/minibatch.js';
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

/** A GRU (D = 3 inputs, H = 4 units) and a seeded time-major input of sequences of these lengths, with its keep mask. */
function gruCase(prefix: string, T: number, lengths: number[], seed: number) {
  const name = `${prefix}${cases++}`;
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
  return { name, B, D, H, rng, p, w, x, h0, keepData, keep };
}

/** States and gradients (by weight: wz, ..., h0, x) of the sequence op and of autodiff through the plain cell, for one input. */
function bothWays(T: number, lengths: number[], inputGradient: boolean, seed = 3) {
  const { name, B, D, H, rng, p, w, x, h0, keep } = gruCase('c', T, lengths, seed);
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

/** The packed run against the padded one on a batch sorted by length: loss values and every gradient. */
/** The same loss and gradients (to 4 places) for every variable, each of them nonzero where `computed` says it is computed. */
function expectSameGradients(ours: { value: tf.Scalar; grads: tf.NamedTensorMap }, theirs: { value: tf.Scalar; grads: tf.NamedTensorMap }, vars: tf.Variable[], computed: (v: tf.Variable) => boolean) {
  expect(ours.value.dataSync()[0]).toBeCloseTo(theirs.value.dataSync()[0]!, 4);
  for (const v of vars) {
    const a = ours.grads[v.name]!.dataSync();
    const b = theirs.grads[v.name]!.dataSync();
    expect(a.length, v.name).toBe(b.length);
    a.forEach((g, i) => expect(g, `${v.name}[${i}]`).toBeCloseTo(b[i]!, 4));
    if (computed(v)) expect(Array.from(a).some((g) => Math.abs(g) > 1e-3), v.name).toBe(true);
  }
}

function packedVsPadded(T: number, lengths: number[], inputGradient: boolean, seed: number) {
  const { name, B, H, rng, p, w, x, h0, keepData, keep } = gruCase('p', T, lengths, seed);
  const counts = stepCounts(lengths, T);
  // Weights of each state in the loss: random on real steps, 0 on padding; and of the last states.
  const stepWeights = Float32Array.from(rng.normals(T * B * H), (v, i) => v * keepData[Math.floor(i / H)]!);
  const lastWeights = tf.tensor2d(rng.normals(B * H), [B, H]);
  const vars = [...p.of(`${name}.`), x, h0];
  const packed = tf.variableGrads(() => {
    const run = runGruPacked(w, x, counts, h0, inputGradient);
    return tf.add(tf.sum(tf.mul(run.packed, tf.tensor2d(packRows(stepWeights, H, B, counts), [run.packed.shape[0], H]))), tf.sum(tf.mul(run.last, lastWeights))) as tf.Scalar;
  }, vars);
  const padded = tf.variableGrads(() => {
    const run = runGru(w, x, T, keep, h0, inputGradient);
    return tf.add(tf.sum(tf.mul(run.all, tf.tensor2d(stepWeights, [T * B, H]))), tf.sum(tf.mul(run.last, lastWeights))) as tf.Scalar;
  }, vars);
  // The packed states laid out as runGru's (zeros at padded steps).
  const sorted = tf.variableGrads(() => {
    const run = runGruPacked(w, x, counts, h0, inputGradient);
    return tf.add(tf.sum(tf.mul(unpackSteps(run.packed, counts, B), tf.tensor2d(stepWeights, [T * B, H]))), tf.sum(tf.mul(run.last, lastWeights))) as tf.Scalar;
  }, vars);
  for (const other of [packed, sorted]) expectSameGradients(other, padded, vars, (v) => v !== x || inputGradient);
  // Unpacked: the padded run's states at real steps, zeros at padded ones.
  const paddedStates = runGru(w, x, T, keep, h0).all.dataSync();
  Array.from(unpackSteps(runGruPacked(w, x, counts, h0).packed, counts, B).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(keepData[Math.floor(i / H)] ? paddedStates[i]! : 0, 5));
  // The packed rows are the padded run's real rows, in order; the last states are the same.
  const full = runGru(w, x, T, keep, h0);
  const run = runGruPacked(w, x, counts, h0);
  const fromFull = packRows(full.all.dataSync() as Float32Array, H, B, counts);
  expect(run.packed.shape).toEqual([fromFull.length / H, H]);
  Array.from(run.packed.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(fromFull[i]!, 5));
  Array.from(run.last.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(full.last.dataSync()[i]!, 5));
  p.dispose();
  return counts;
}

describe('the packed GRU run (real steps only, for a batch sorted by length)', () => {
  it('gives the states of real steps and the last states, and the same gradients as the padded run with padding weighing nothing', () => {
    expect(packedVsPadded(7, [7, 7, 5, 3, 1, 0], true, 21)).toEqual([5, 4, 4, 3, 3, 2, 2]);
  });

  it('the same when the longest is shorter than T, without the input gradient, and over one step', () => {
    expect(packedVsPadded(6, [4, 2, 2, 1], false, 22)).toEqual([4, 3, 1, 1, 0, 0]);
    expect(packedVsPadded(1, [1, 1, 0], true, 23)).toEqual([2]);
  });

  it('refuses lengths that are not sorted longest first', () => {
    expect(() => stepCounts([3, 5, 1], 5)).toThrow(/sorted longest first/);
  });

  it('sorts a batch by length with every per-patient quantity moving with its patient', () => {
    const T = 3;
    const lengths = [1, 3, 0, 3];
    const B = lengths.length;
    // Patient b's values are b + t/10 at step t (one channel), its static 10 b.
    const x = new Float32Array(T * B);
    const keep = new Float32Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
      x[t * B + b] = b + t / 10;
      keep[t * B + b] = t < lengths[b]! ? 1 : 0;
    }
    const perPatient = (f: (b: number) => number) => Float32Array.from({ length: B }, (_, b) => f(b));
    const batch: MiniBatch = { size: B, steps: T, x, previous: x.map((v) => -v), keep, statics: perPatient((b) => 10 * b), outcomes: perPatient((b) => 100 * b), lengths: Int32Array.from(lengths), lengthOneHot: new Float32Array(B * T).map((_, i) => (i % T === Math.max(0, lengths[Math.floor(i / T)]! - 1) ? 1 : 0)), last: perPatient((b) => b) };
    const { batch: sorted, order } = sortedByLength(batch);
    expect(order).toEqual([1, 3, 0, 2]);
    expect(Array.from(sorted.lengths)).toEqual([3, 3, 1, 0]);
    expect(Array.from(sorted.statics)).toEqual([10, 30, 0, 20]);
    expect(Array.from(sorted.last)).toEqual([1, 3, 0, 2]);
    expect(Array.from(sorted.x.subarray(B, 2 * B)).map((v) => Math.round(v * 10) / 10)).toEqual([1.1, 3.1, 0.1, 2.1]);
    expect(Array.from(sorted.keep)).toEqual([1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(sorted.lengthOneHot)).toEqual([0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0]);
    // Packed: step 0's three real rows, then two at steps 1 and 2.
    const counts = stepCounts(sorted.lengths, T);
    expect(Array.from(packRows(sorted.x, 1, B, counts)).map((v) => Math.round(v * 10) / 10)).toEqual([1, 3, 0, 1.1, 3.1, 1.2, 3.2]);
  });
});

describe('forward passes with no gradient tape recording', () => {
  it('give the same states, to the bit, as the same runs under a tape (padded and packed)', () => {
    const T = 6;
    const lengths = [6, 4, 4, 1, 0];
    const { name, p, w, x, h0, keep } = gruCase('f', T, lengths, 31);
    const counts = stepCounts(lengths, T);
    const outside = { padded: runGru(w, x, T, keep, h0), packed: runGruPacked(w, x, counts, h0) };
    expect(recordingGradients()).toBe(false);
    let recorded: Record<string, Float32Array> = {};
    tf.variableGrads(() => {
      expect(recordingGradients()).toBe(true);
      const padded = runGru(w, x, T, keep, h0);
      const packed = runGruPacked(w, x, counts, h0);
      recorded = { all: padded.all.dataSync() as Float32Array, last: padded.last.dataSync() as Float32Array, packed: packed.packed.dataSync() as Float32Array, packedLast: packed.last.dataSync() as Float32Array };
      return tf.add(tf.sum(padded.all), tf.sum(packed.packed)) as tf.Scalar;
    }, p.of(`${name}.`));
    expect(Array.from(outside.padded.all.dataSync())).toEqual(Array.from(recorded.all!));
    expect(Array.from(outside.padded.last.dataSync())).toEqual(Array.from(recorded.last!));
    expect(Array.from(outside.packed.packed.dataSync())).toEqual(Array.from(recorded.packed!));
    expect(Array.from(outside.packed.last.dataSync())).toEqual(Array.from(recorded.packedLast!));
    expect(outside.packed.packed.shape).toEqual([lengths.reduce((a, b) => a + b, 0), 4]);
    p.dispose();
  });
});

describe('tileRows', () => {
  it('stacks copies of a per-patient input as tf.tile does, with the same gradient to the bit', () => {
    const rng = new Rng(5);
    const x = tf.variable(tf.tensor2d(rng.normals(3 * 4), [3, 4]), true, 'tileRows.x');
    const w = tf.tensor2d(rng.normals(5 * 3 * 4), [15, 4]);
    const ours = tf.variableGrads(() => tf.sum(tf.mul(tileRows(x, 5), w)) as tf.Scalar, [x]);
    const theirs = tf.variableGrads(() => tf.sum(tf.mul(tf.tile(x, [5, 1]), w)) as tf.Scalar, [x]);
    expect(tileRows(x, 5).shape).toEqual([15, 4]);
    expect(Array.from(tileRows(x, 5).dataSync())).toEqual(Array.from(tf.tile(x, [5, 1]).dataSync()));
    expect(Array.from(ours.grads['tileRows.x']!.dataSync())).toEqual(Array.from(theirs.grads['tileRows.x']!.dataSync()));
    expect(ours.grads['tileRows.x']!.dataSync().some((g) => Math.abs(g) > 0.5)).toBe(true);
    x.dispose();
  });
});

describe('the packed GRU run with per-patient input columns', () => {
  function patientVsTiled(at: number, inputGradient: boolean, seed: number) {
    const T = 5;
    const lengths = [5, 4, 4, 2, 1, 0];
    const B = lengths.length;
    const [Dx, Dc, H] = [3, 2, 4];
    const name = `pp${cases++}`;
    const rng = new Rng(seed);
    const p = new Params(rng);
    const w = gruParams(p, name, Dx + Dc, H);
    const x = tf.variable(tf.tensor2d(rng.normals(T * B * Dx), [T * B, Dx]), true, `${name}.x`);
    const values = tf.variable(tf.tensor2d(rng.normals(B * Dc), [B, Dc]), true, `${name}.values`);
    const h0 = tf.variable(tf.tensor2d(rng.normals(B * H, 0.5), [B, H]), true, `${name}.h0`);
    const keepData = new Float32Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) keepData[t * B + b] = t < lengths[b]! ? 1 : 0;
    const counts = stepCounts(lengths, T);
    const stepWeights = Float32Array.from(rng.normals(T * B * H), (v, i) => v * keepData[Math.floor(i / H)]!);
    const lastWeights = tf.tensor2d(rng.normals(B * H), [B, H]);
    const vars = [...p.of(`${name}.`), x, values, h0];
    const loss = (states: tf.Tensor2D, last: tf.Tensor2D) => tf.add(tf.sum(tf.mul(states, tf.tensor2d(stepWeights, [T * B, H]))), tf.sum(tf.mul(last, lastWeights))) as tf.Scalar;
    const patient = tf.variableGrads(() => {
      const run = runGruPacked(w, x, counts, h0, inputGradient, { values, at });
      return loss(unpackSteps(run.packed, counts, B), run.last);
    }, vars);
    // The columns as the padded run reads them: tiled to every step, between the step columns.
    const tiledInput = () => tf.concat([...(at > 0 ? [tf.slice(x, [0, 0], [-1, at])] : []), tf.tile(values, [T, 1]), ...(at < Dx ? [tf.slice(x, [0, at], [-1, Dx - at])] : [])], 1) as tf.Tensor2D;
    const tiled = tf.variableGrads(() => {
      const run = runGru(w, tiledInput(), T, tf.tensor2d(keepData, [T * B, 1]), h0, inputGradient);
      return loss(run.all, run.last);
    }, vars);
    expectSameGradients(patient, tiled, vars, (v) => (v !== x && v !== values) || inputGradient);
    // Outside a gradient tape, the same states.
    const forward = runGruPacked(w, x, counts, h0, inputGradient, { values, at });
    const recorded = runGru(w, tiledInput(), T, tf.tensor2d(keepData, [T * B, 1]), h0);
    const fromPadded = packRows(recorded.all.dataSync() as Float32Array, H, B, counts);
    Array.from(forward.packed.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(fromPadded[i]!, 5));
    Array.from(forward.last.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(recorded.last.dataSync()[i]!, 5));
    p.dispose();
  }

  it('gives the states and gradients of the padded run on the columns tiled at every step, the columns at the end', () => {
    patientVsTiled(3, true, 41);
  });

  it('the same with the columns between step columns, and without the input gradient', () => {
    patientVsTiled(1, true, 42);
    patientVsTiled(0, false, 43);
  });
});
