import * as tf from '@tensorflow/tfjs-core';
import { channelSpec, disposeWeights, lossWeights } from '../models/channels.js';
import { dense, denseParams } from '../models/dense.js';
import { gruParams, runGru } from '../models/gru.js';
import { logisticLoss } from '../models/heads.js';
import { adam, optimize } from '../models/optimize.js';
import { Params } from '../models/params.js';
import { Rng } from '../common/rng.js';
import { encodeBatch } from '../sequence/encode.js';
import type { Encoding } from '../sequence/encoding.js';
import { batchOf, trainingData, type MiniBatch, type TrainingData } from '../models/minibatch.js';
import { concordance, fitCox, riskScore } from './cox.js';
import type { EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';

/*
 * Post-hoc models (TimeGAN's evaluation): a recurrent classifier that tries to
 * tell real from synthetic (discriminative score), a recurrent next-visit
 * predictor and a baseline Cox model trained on synthetic and on real data and
 * tested on the real holdout (train-on-synthetic / test-on-real).
 */

const dataOf = (patients: EvalPatient[], enc: Encoding): TrainingData => trainingData(encodeBatch(patients.map((p) => p.timeline), enc), enc);

/** The tensors of a minibatch: inputs are the steps with the statics repeated at each step. */
function tensors(b: MiniBatch, d: TrainingData, input: 'x' | 'previous') {
  const T = d.steps;
  const statics = tf.tensor2d(b.statics, [b.size, d.staticWidth]);
  return {
    statics,
    keep: tf.tensor2d(b.keep, [T * b.size, 1]),
    input: tf.concat([tf.tensor2d(b[input], [T * b.size, d.stepWidth]), tf.tile(statics, [T, 1])], 1) as tf.Tensor2D,
  };
}

/**
 * Discriminative score: a GRU classifier trained on 80% of real (train) and
 * synthetic patients, tested on the other 20%; reported as |accuracy - 0.5|.
 */
export function discriminativeScore(real: EvalPatient[], synthetic: EvalPatient[], enc: Encoding, options: { steps?: number; seed?: number } = {}): { metric: Metric; accuracy: number } {
  const rng = new Rng(options.seed ?? 11);
  const n = Math.min(real.length, synthetic.length);
  const pick = (ps: EvalPatient[]) => rng.permutation(ps.length).slice(0, n).map((i) => ps[i]!);
  const r = dataOf(pick(real), enc);
  const s = dataOf(pick(synthetic), enc);
  const cut = Math.floor(n * 0.8);
  const order = rng.permutation(n);
  const trainIdx = order.slice(0, cut);
  const testIdx = order.slice(cut);
  const H = 16;
  const p = new Params(rng);
  const gru = gruParams(p, 'd.gru', enc.stepWidth + enc.staticWidth, H);
  const out = denseParams(p, 'd.out', H + enc.staticWidth, 1);
  const opt = adam(5e-3);
  const logits = (b: MiniBatch, d: TrainingData) => {
    const t = tensors(b, d, 'x');
    return dense(out, tf.concat([runGru(gru, t.input, d.steps, t.keep, undefined, false).last, t.statics], 1) as tf.Tensor2D);
  };
  const bce = (l: tf.Tensor, label: number) => tf.mean(logisticLoss(l, label)) as tf.Scalar;
  const half = Math.max(1, Math.min(32, trainIdx.length));
  try {
    for (let step = 0; step < (options.steps ?? 300); step++) {
      const ids = Array.from({ length: half }, () => trainIdx[rng.int(trainIdx.length)]!);
      const br = batchOf(r, ids);
      const bs = batchOf(s, Array.from({ length: half }, () => trainIdx[rng.int(trainIdx.length)]!));
      tf.tidy(() => optimize(opt, p.of('d.'), () => ({ total: tf.add(bce(logits(br, r), 1), bce(logits(bs, s), 0)) as tf.Scalar, parts: {} })));
    }
    const predict = (d: TrainingData) => tf.tidy(() => logits(batchOf(d, testIdx), d).dataSync() as Float32Array);
    const realScores = predict(r);
    const synScores = predict(s);
    const correct = [...realScores].filter((x) => x > 0).length + [...synScores].filter((x) => x <= 0).length;
    const accuracy = correct / (2 * testIdx.length);
    return { accuracy, metric: metric({
      group: 'detection',
      name: 'discriminative score |accuracy - 0.5|',
      value: Math.abs(accuracy - 0.5),
      baseline: 0,
      threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
      data: `GRU classifier trained on ${cut} real (train) + ${cut} synthetic, tested on ${testIdx.length} + ${testIdx.length} held out; accuracy ${(accuracy * 100).toFixed(1)}%`,
    }) };
  } finally {
    p.dispose();
    opt.dispose();
  }
}

/** A next-visit predictor's absolute errors on each test patient: their sum and the weight they carry (real channels observed). */
export interface PatientErrors {
  error: Float64Array;
  weight: Float64Array;
}

/**
 * Mean absolute error of a GRU next-visit predictor trained on `fit`, tested on `test` (real-valued
 * channels, scaled), and each test patient's share of it.
 */
function nextVisitError(fit: TrainingData, test: TrainingData, enc: Encoding, rng: Rng, steps: number): { mae: number; patients: PatientErrors } {
  const spec = channelSpec(enc);
  const H = 16;
  const p = new Params(rng);
  const gru = gruParams(p, 'p.gru', enc.stepWidth + enc.staticWidth, H);
  const out = denseParams(p, 'p.out', H, enc.stepWidth);
  const opt = adam(5e-3);
  const T = fit.steps;
  // Step t is predicted from steps before it (the input is the previous step); step 0 has no past.
  const rowWeights = (b: MiniBatch) => Float32Array.from(b.keep, (k, row) => (row < b.size ? 0 : k));
  const predict = (b: MiniBatch, d: TrainingData) => {
    const t = tensors(b, d, 'previous');
    return dense(out, runGru(gru, t.input, T, t.keep, undefined, false).all);
  };
  try {
    for (let step = 0; step < steps; step++) {
      const b = batchOf(fit, Array.from({ length: Math.min(32, fit.n) }, () => rng.int(fit.n)));
      const w = lossWeights(spec.step, b.x, T * b.size, rowWeights(b));
      try {
        tf.tidy(() =>
          optimize(opt, p.of('p.'), () => ({
            total: w.realTotal > 0 ? (tf.div(tf.sum(tf.mul(w.real, tf.square(tf.sub(predict(b, fit), tf.tensor2d(b.x, [T * b.size, enc.stepWidth]))))), w.realTotal) as tf.Scalar) : tf.scalar(0),
            parts: {},
          })),
        );
      } finally {
        disposeWeights(w);
      }
    }
    const b = batchOf(test, Array.from({ length: test.n }, (_, i) => i));
    const w = lossWeights(spec.step, b.x, T * b.size, rowWeights(b));
    try {
      const pred = tf.tidy(() => predict(b, test).dataSync() as Float32Array);
      const weights = w.real.dataSync();
      const C = enc.stepWidth;
      const patients = { error: new Float64Array(b.size), weight: new Float64Array(b.size) };
      let err = 0;
      let total = 0;
      for (let i = 0; i < pred.length; i++) {
        const e = weights[i]! * Math.abs(pred[i]! - b.x[i]!);
        err += e;
        total += weights[i]!;
        // Rows are time-major (t * B + b).
        const patient = Math.floor(i / C) % b.size;
        patients.error[patient]! += e;
        patients.weight[patient]! += weights[i]!;
      }
      return { mae: total ? err / total : NaN, patients };
    } finally {
      disposeWeights(w);
    }
  } finally {
    p.dispose();
    opt.dispose();
  }
}

/** Baseline features for the Cox model: the statics and the first step (what is known at the start). */
function baseline(d: TrainingData): Float64Array[] {
  return Array.from({ length: d.n }, (_, i) => {
    const row = new Float64Array(d.staticWidth + d.stepWidth);
    row.set(d.statics.subarray(i * d.staticWidth, (i + 1) * d.staticWidth), 0);
    row.set(d.sequences.subarray(i * d.steps * d.stepWidth, i * d.steps * d.stepWidth + d.stepWidth), d.staticWidth);
    return row;
  });
}

/** Train-on-synthetic / test-on-real against train-on-real / test-on-real, on the holdout. */
export function utility(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], enc: Encoding, options: { steps?: number; seed?: number } = {}): UtilityResult {
  const r = dataOf(train, enc);
  const h = dataOf(holdout, enc);
  const s = dataOf(synthetic, enc);
  const steps = options.steps ?? 300;
  // Both predictors start from the same weights and draw from the same stream: they differ by their data only (a copy of train scores 1).
  const synthetically = nextVisitError(s, h, enc, new Rng(options.seed ?? 13), steps);
  const really = nextVisitError(r, h, enc, new Rng(options.seed ?? 13), steps);
  const tstr = synthetically.mae;
  const trtr = really.mae;
  const survival = (ps: EvalPatient[]) => ({ days: ps.map((p) => p.timeline.outcome.days), event: ps.map((p) => (p.timeline.outcome.status === 1 ? 1 : 0)) });
  const test = survival(holdout);
  const holdoutRisk = (fitOn: TrainingData, fitPatients: EvalPatient[]) => {
    const f = survival(fitPatients);
    const model = fitCox(baseline(fitOn), f.days, f.event);
    return baseline(h).map((x) => riskScore(model, x));
  };
  const risks = { tstr: holdoutRisk(s, synthetic), trtr: holdoutRisk(r, train) };
  const cSyn = concordance(risks.tstr, test.days, test.event);
  const cReal = concordance(risks.trtr, test.days, test.event);
  const data = `fitted on synthetic (${synthetic.length}) or on real train (${train.length}), tested on the real holdout (${holdout.length})`;
  const metrics = [
    metric({
      group: 'utility',
      name: 'next-visit prediction error, train on synthetic / train on real',
      value: tstr / trtr,
      baseline: 1,
      threshold: { pass: 1.2, warn: 1.5, better: 'lower' },
      data: `${data}; mean absolute error (scaled units) TSTR ${tstr.toFixed(3)}, TRTR ${trtr.toFixed(3)}`,
    }),
    metric({
      group: 'utility',
      name: 'survival C-index loss, TRTR - TSTR',
      value: cReal - cSyn,
      baseline: 0,
      threshold: { pass: 0.05, warn: 0.1, better: 'lower' },
      data: `${data}; ridge Cox on statics and the first visit: C-index TSTR ${cSyn.toFixed(3)}, TRTR ${cReal.toFixed(3)}`,
    }),
  ];
  return { metrics, predictive: { tstr, trtr }, cIndex: { tstr: cSyn, trtr: cReal }, holdoutRisks: { ...risks, errors: { tstr: synthetically.patients, trtr: really.patients } } };
}

/**
 * What synthetic patients of a subgroup add to a model of it (augmentation): the C-index on the
 * subgroup's holdout patients of a Cox model fitted on real train alone and on real train plus the
 * synthetic patients `extra`, both with the same features (statics and the first visit).
 */
export function augmentationUtility(train: EvalPatient[], holdoutMembers: EvalPatient[], extra: EvalPatient[], enc: Encoding): { real: number; augmented: number } {
  const survival = (ps: EvalPatient[]) => ({ days: ps.map((p) => p.timeline.outcome.days), event: ps.map((p) => (p.timeline.outcome.status === 1 ? 1 : 0)) });
  const test = survival(holdoutMembers);
  const features = baseline(dataOf(holdoutMembers, enc));
  const cIndexFitOn = (ps: EvalPatient[]) => {
    const f = survival(ps);
    const model = fitCox(baseline(dataOf(ps, enc)), f.days, f.event);
    return concordance(features.map((x) => riskScore(model, x)), test.days, test.event);
  };
  return { real: cIndexFitOn(train), augmented: cIndexFitOn([...train, ...extra]) };
}

export interface UtilityResult {
  metrics: Metric[];
  /**
   * Each holdout patient's risk (in the holdout's order) under the Cox model fitted on synthetic
   * (TSTR) and on real train (TRTR): for the C-index within a subgroup. Never part of the report.
   */
  holdoutRisks: { tstr: number[]; trtr: number[]; errors: { tstr: PatientErrors; trtr: PatientErrors } };
  /** Next-visit mean absolute error on the holdout (scaled units). */
  predictive: { tstr: number; trtr: number };
  cIndex: { tstr: number; trtr: number };
}
