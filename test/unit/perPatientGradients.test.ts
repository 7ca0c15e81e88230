import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../main/common/rng.js';
import { lossWeights, disposeWeights, partLoss, channelSpec } from '../../main/models/channels.js';
import { dense, denseParams } from '../../main/models/dense.js';
import { gruParams } from '../../main/models/gru.js';
import { runGruPacked } from '../../main/models/gruPacked.js';
import { batchOf, packBatch, type TrainingData } from '../../main/models/minibatch.js';
import { Params } from '../../main/models/params.js';
import { within, withinLogits } from '../../main/models/within.js';
import { onePassPerPatient, poissonSample } from '../../main/privacy/dpSgd.js';
import { perPatientGradients, rowOwners, type PerPatientGradients } from '../../main/privacy/perExample.js';
import { conditionAttributes, conditionNames as cohortConditions, conditionRow, stackRows } from '../../main/training/conditionInput.js';
import { defaultConfig } from '../../main/training/config.js';
import { buildModel, conditionsOf, loadTrainingData, modelView } from '../../main/training/engine.js';
import type { PatientTimeline } from '../../main/sequence/timeline.js';
import type { Encoding } from '../../main/sequence/encoding.js';
import { steno2CohortStore } from '../support/cohorts.js';

/*
 * The patients' own gradients from one batched backward pass (privacy/perExample.ts)
 * against one backward pass per patient, on real Steno-2 batches: the same, for every
 * weight of every kind of op that records them, and for the whole VAE.
 */
let raw: TrainingData;
let enc: Encoding;
let rows: Float32Array[];
let conditionNames: string[];

beforeAll(async () => {
  const { db } = await steno2CohortStore();
  const timelines: PatientTimeline[] = [];
  const loaded = loadTrainingData(db, 'steno2_death', (tl) => timelines.push(tl));
  raw = loaded.data;
  enc = loaded.cohort.encoding;
  // Every attribute the cohort has (the default of a new VAE run): sex, arm, age band, outcome status.
  conditionNames = cohortConditions(enc);
  expect(conditionNames.length).toBeGreaterThan(2);
  const given = conditionAttributes(enc, conditionNames);
  rows = timelines.map((tl) => conditionRow(tl, given));
}, 60_000);

/** Each weight's per-patient gradients as arrays (and disposed). */
function read(g: PerPatientGradients): Map<string, Float32Array> {
  const out = new Map([...g.grads].map(([name, t]) => [name, Float32Array.from(t.dataSync() as Float32Array)]));
  tf.dispose([...g.grads.values()]);
  return out;
}

function expectSame(recorded: Map<string, Float32Array>, baseline: Map<string, Float32Array>): void {
  expect([...recorded.keys()]).toEqual([...baseline.keys()]);
  for (const [name, want] of baseline) {
    const got = recorded.get(name)!;
    const scale = Math.max(1e-6, ...want.map(Math.abs));
    let worst = 0;
    want.forEach((w, i) => (worst = Math.max(worst, Math.abs(got[i]! - w))));
    expect(worst / scale, name).toBeLessThan(2e-4);
  }
}

describe("patients' own gradients from one batched pass", () => {
  it('are those of one pass per patient for dense layers, a packed GRU with per-patient columns, a within-step matrix and a learned log-variance', () => {
    opsAgainstOnePass(raw, poissonSample(raw.n, 0.2, ((r) => () => r.next())(new Rng(5))));
  });

  it('are exact for patients with no steps among longer ones, and a batch whose rows could be either layout is refused', () => {
    // Three patients of the draw with no steps: their rows must not take the longer patients' steps.
    const ids = poissonSample(raw.n, 0.2, ((r) => () => r.next())(new Rng(6)));
    const lengths = Int32Array.from(raw.lengths);
    for (const id of ids.slice(0, 3)) lengths[id] = 0;
    opsAgainstOnePass({ ...raw, lengths }, ids);
    // Lengths 2, 1, 0: three packed rows for three patients.
    const p = new Params(new Rng(2));
    const d = denseParams(p, 'd', raw.staticWidth, 3);
    const statics = batchOf(raw, [0, 1, 2]).statics;
    expect(() => perPatientGradients(p.of('d'), { patients: 3, counts: [2, 1] }, () => tf.sum(dense(d, tf.tensor2d(statics, [3, raw.staticWidth]))) as tf.Scalar)).toThrow(
      'A batch of 3 patients with 3 steps in all, some patients with none: a tensor of 3 rows could be either layout.',
    );
    p.dispose();
  });

  it('are those of one pass per patient for the whole conditional VAE, and so is its private step', () => {
    vaeAgainstOnePass(raw);
  }, 60_000);

  it('are those of one pass per patient for a VAE step that draws patients with no steps', () => {
    const lengths = Int32Array.from(raw.lengths);
    // Every third patient without steps: a step's draw has some, and packed rows equal to patients is avoided by batching them apart.
    for (let id = 0; id < raw.n; id += 3) lengths[id] = 0;
    vaeAgainstOnePass({ ...raw, lengths });
  }, 60_000);

  it('are those of one pass per patient for every phase of a private TimeGAN step, patients with no steps among them', () => {
    const lengths = Int32Array.from(raw.lengths);
    for (let id = 0; id < raw.n; id += 5) lengths[id] = 0;
    for (const data of [raw, { ...raw, lengths }]) {
      const config = { ...defaultConfig('timegan', data.n), hidden: 8, conditions: [] };
      const view = modelView(config, enc, data).data;
      const ids = poissonSample(view.n, 0.25, ((r) => () => r.next())(new Rng(9)));
      for (const phase of ['embedding', 'supervised', 'joint'] as const) {
        const step = (method: 'recorded' | 'onePass', clip: number) => {
          const model = buildModel(config, enc, 3, view);
          // Plain gradient descent at rate 1: a weight moves by its gradient (Adam's first step is its sign, which hides the gradient's size).
          for (const name of Object.keys(model.optimizers)) model.optimizers[name] = tf.train.sgd(1);
          const before = [...model.params.vars.values()].map((v) => Float32Array.from(v.dataSync() as Float32Array));
          const losses = model.privateStep!(phase, ids, view, { clip, sigma: 0, expectedBatch: ids.length, method });
          const moved = new Map([...model.params.vars.values()].map((v, i) => [v.name, Float32Array.from(v.dataSync() as Float32Array, (x, j) => before[i]![j]! - x)]));
          model.dispose();
          return { losses, moved };
        };
        for (const clip of [0.05, 1e6]) {
          const a = step('recorded', clip);
          const b = step('onePass', clip);
          expect(a.losses.patients).toBe(ids.length);
          expect(a.losses.clipped, `${phase}, clip ${clip}`).toBe(b.losses.clipped);
          expect(a.losses.total!).toBeCloseTo(b.losses.total!, 3);
          expectSame(a.moved, b.moved);
        }
      }
    }
  }, 120_000);

  function opsAgainstOnePass(data: TrainingData, ids: number[]): void {
    const C = data.stepWidth;
    const S = data.staticWidth;
    const H = 6;
    const spec = channelSpec(enc);
    const p = new Params(new Rng(11));
    const gru = gruParams(p, 'g', C + S, H);
    const out = denseParams(p, 'o', H, spec.step.headWidth);
    const w = within(p, 'w', spec.step);
    tf.tidy(() => w.weights.assign(tf.randomNormal(w.weights.shape, 0, 0.1, 'float32', 3)));
    const logVar = p.bias('lv', C);
    tf.tidy(() => logVar.assign(tf.randomNormal([C], 0, 0.3, 'float32', 4)));
    const vars = p.of('g', 'o', 'w', 'lv');
    // The patients' statics enter the GRU as per-patient columns (PatientInput), between nothing and the step.
    const lossOf = (ids: number[], owners: boolean) => {
      const packed = packBatch(batchOf(data, ids));
      const B = ids.length;
      const layout = { patients: B, counts: packed.counts };
      const lw = lossWeights(spec.step, packed.x, packed.rows, undefined, packed.previous, owners ? { of: rowOwners(layout, packed.rows), patients: B } : undefined);
      const loss = () => {
        const statics = tf.tensor2d(packed.batch.statics, [B, S]);
        const run = runGruPacked(gru, tf.tensor2d(packed.batch.previous, [data.steps * B, C]), packed.counts, tf.zeros([B, H]), true, { values: statics, at: 0 });
        const target = tf.tensor2d(packed.x, [packed.rows, C]);
        return partLoss(spec.step, withinLogits(w, dense(out, run.packed), target), target, lw, logVar as tf.Variable<tf.Rank.R1>);
      };
      return { layout, loss, dispose: () => disposeWeights(lw) };
    };
    expect(ids.length).toBeGreaterThan(15);
    const batched = lossOf(ids, true);
    const recorded = read(perPatientGradients(vars, batched.layout, batched.loss));
    batched.dispose();
    const sorted = packBatch(batchOf(data, ids)).order.map((b) => ids[b]!);
    const baseline = read(
      onePassPerPatient(vars, sorted, (id) => {
        const one = lossOf([id], false);
        return one.loss();
      }),
    );
    expectSame(recorded, baseline);
    p.dispose();
  }

  function vaeAgainstOnePass(training: TrainingData): void {
    const config = { ...defaultConfig('vae', training.n), hidden: 10, conditions: conditionNames };
    const view = modelView(config, enc, training).data;
    const data = { ...view, conditions: stackRows(rows, conditionsOf(config, enc)!.layout.width) };
    const ids = poissonSample(data.n, 0.25, ((r) => () => r.next())(new Rng(8)));
    const step = (method: 'recorded' | 'onePass', clip: number) => {
      const model = buildModel(config, enc, 3, data);
      const losses = model.privateStep!('vae', ids, data, { clip, sigma: 0, expectedBatch: ids.length, method });
      const weights = model.params.vars.size ? [...model.params.vars.values()].map((v) => Float32Array.from(v.dataSync() as Float32Array)) : [];
      model.dispose();
      return { losses, weights };
    };
    // A clip below every patient's norm (each clipped: the step reads every norm) and one above them all.
    for (const clip of [0.05, 1e6]) {
      const a = step('recorded', clip);
      const b = step('onePass', clip);
      expect(a.losses.patients).toBe(ids.length);
      expect(a.losses.clipped).toBe(b.losses.clipped);
      expect(a.losses.total!).toBeCloseTo(b.losses.total!, 3);
      a.weights.forEach((w, i) => w.forEach((x, j) => expect(Math.abs(x - b.weights[i]![j]!)).toBeLessThan(2e-5)));
    }
  }

  it('refuses a step where a weight is used by an op that does not record it', () => {
    const p = new Params(new Rng(2));
    const d = denseParams(p, 'd', raw.staticWidth, 3);
    const extra = p.matrix('x', raw.staticWidth, 3);
    const batch = batchOf(raw, [0, 1, 2, 3]);
    const loss = () => {
      const statics = tf.tensor2d(batch.statics, [4, raw.staticWidth]);
      return tf.sum(tf.square(tf.add(dense(d, statics), tf.matMul(statics, extra)))) as tf.Scalar;
    };
    expect(() => perPatientGradients(p.of('d', 'x'), { patients: 4, counts: [] }, loss)).toThrow(/Weight "x" reaches the loss through an op that does not record per-patient gradients/);
    // The same weights all recorded: accepted.
    const fine = perPatientGradients(p.of('d'), { patients: 4, counts: [] }, () => tf.sum(tf.square(dense(d, tf.tensor2d(batch.statics, [4, raw.staticWidth])))) as tf.Scalar);
    expect(fine.grads.get('d.w')!.shape).toEqual([4, raw.staticWidth * 3]);
    tf.dispose([...fine.grads.values()]);
    p.dispose();
  });
});
