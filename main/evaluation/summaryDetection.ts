import { Rng } from '../common/rng.js';
import type { Encoding } from '../sequence/encoding.js';
import type { EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';
import { patientSummary, summaryFeatureNames } from './patientSummary.js';
import { nearestTrain, type NearestTrain } from './privacy.js';
import { binFeatures, fitForest, predictForest } from './randomForest.js';
import { auc } from './stats.js';

/** How much one summary feature helped tell synthetic from real: its share of the forest's total Gini decrease. */
export interface FeatureImportance {
  feature: string;
  importance: number;
}

export interface SummaryDetectionOptions {
  seed?: number;
  folds?: number;
  trees?: number;
  /** Put a synthetic near-copy in the fold of its training patient (default true; false only to show why it matters). */
  grouping?: boolean;
  /** The nearest training patient of each synthetic and each holdout patient, when already found (privacy's): not searched again. */
  toTrain?: NearestTrain;
}


export interface SummaryDetection {
  metric: Metric;
  accuracy: number;
  auc: number;
  /** The same procedure on holdout against train: two real samples. */
  baseline: { accuracy: number; auc: number };
  /** Synthetic patients put in the fold of the training patient they nearly copy. */
  grouped: number;
  /** The features that give the set away, most telling first (top 10). */
  features: FeatureImportance[];
  /**
   * Out of fold, whether each sampled patient was classified right: train and synthetic (`set`), train
   * and holdout (`baseline`); for detection within a subgroup. Never part of the report.
   */
  correct: { set: Map<EvalPatient, boolean>; baseline: Map<EvalPatient, boolean> };
}

const TOP_FEATURES = 10;

interface CrossValidated {
  accuracy: number;
  auc: number;
  n: number;
  importance: Float64Array;
  /** Each sampled patient (of either sample) and whether the forest of the fold it was held out of classified it right. */
  correct: Map<EvalPatient, boolean>;
}

/**
 * k-fold cross-validated random forest on a balanced sample of `real` (label 0)
 * and `other` (label 1). `sourceOf(j)` names the real patient (index into
 * `real`) whose fold other[j] must share, or -1.
 */
function crossValidate(real: EvalPatient[], other: EvalPatient[], enc: Encoding, sourceOf: (j: number) => number, o: Required<Omit<SummaryDetectionOptions, 'grouping' | 'toTrain'>>): CrossValidated {
  const rng = new Rng(o.seed);
  const n = Math.min(real.length, other.length);
  const realIdx = rng.permutation(real.length).slice(0, n);
  const otherIdx = rng.permutation(other.length).slice(0, n);
  const k = Math.max(2, Math.min(o.folds, n));
  // Real patients: round-robin folds over a shuffled order. Others: their source's fold when it is in the sample, else the emptiest fold.
  const realFold = new Map(realIdx.map((r, pos) => [r, pos % k]));
  const fold = new Int32Array(2 * n);
  realIdx.forEach((r, pos) => (fold[pos] = realFold.get(r)!));
  const filled = new Int32Array(k);
  const free: number[] = [];
  otherIdx.forEach((j, pos) => {
    const f = realFold.get(sourceOf(j));
    if (f === undefined) free.push(pos);
    else {
      fold[n + pos] = f;
      filled[f]!++;
    }
  });
  for (const pos of free) {
    let f = 0;
    for (let c = 1; c < k; c++) if (filled[c]! < filled[f]!) f = c;
    fold[n + pos] = f;
    filled[f]!++;
  }
  const rows = [...realIdx.map((r) => patientSummary(real[r]!.timeline, enc)), ...otherIdx.map((j) => patientSummary(other[j]!.timeline, enc))];
  const data = binFeatures(rows);
  const labels = Uint8Array.from({ length: 2 * n }, (_, i) => (i < n ? 0 : 1));
  const score = new Float64Array(2 * n);
  const importance = new Float64Array(data.features);
  for (let f = 0; f < k; f++) {
    const fit: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < 2 * n; i++) (fold[i] === f ? test : fit).push(i);
    if (!test.length || !fit.length) continue;
    const forest = fitForest(data, labels, fit, { trees: o.trees, seed: o.seed + 101 * (f + 1) });
    for (const i of test) score[i] = predictForest(forest, data, i);
    forest.importance.forEach((g, c) => (importance[c]! += g));
  }
  let correct = 0;
  const byPatient = new Map<EvalPatient, boolean>();
  for (let i = 0; i < 2 * n; i++) {
    const right = score[i]! > 0.5 === (labels[i] === 1);
    if (right) correct++;
    byPatient.set(i < n ? real[realIdx[i]!]! : other[otherIdx[i - n]!]!, right);
  }
  const scores = [...score];
  return { accuracy: n ? correct / (2 * n) : NaN, auc: auc(scores.slice(n), scores.slice(0, n)), n, importance, correct: byPatient };
}

/**
 * The strongest cheap detector: a random forest on per-patient summaries
 * (patientSummary), 5-fold cross-validated on a balanced sample of training
 * and synthetic patients. A synthetic patient closer to a training patient than
 * any holdout patient is goes into that training patient's fold: otherwise a
 * copy would be scored by a forest that learnt its twin as "real", and a
 * copied set would score below chance instead of at it.
 */
export function summaryDetection(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], enc: Encoding, options: SummaryDetectionOptions = {}): SummaryDetection {
  const o = { seed: options.seed ?? 23, folds: options.folds ?? 5, trees: options.trees ?? 100 };
  const source = new Int32Array(synthetic.length).fill(-1);
  if (options.grouping ?? true) {
    const toTrain = options.toTrain ?? nearestTrain(train, holdout, synthetic, enc);
    const closestHoldout = toTrain.holdout.reduce((m, x) => Math.min(m, x.d1), Infinity);
    toTrain.synthetic.forEach((x, j) => {
      if (x.d1 < closestHoldout) source[j] = x.index;
    });
  }
  const grouped = source.filter((s) => s >= 0).length;
  const cv = crossValidate(train, synthetic, enc, (j) => source[j]!, o);
  const base = crossValidate(train, holdout, enc, () => -1, o);
  const names = summaryFeatureNames(enc);
  const total = cv.importance.reduce((a, b) => a + b, 0);
  const features = [...cv.importance]
    .map((g, c) => ({ feature: names[c]!, importance: total > 0 ? g / total : 0 }))
    .filter((f) => f.importance > 0)
    .sort((a, b) => b.importance - a.importance)
    .slice(0, TOP_FEATURES);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return {
    accuracy: cv.accuracy,
    auc: cv.auc,
    baseline: { accuracy: base.accuracy, auc: base.auc },
    grouped,
    features,
    correct: { set: cv.correct, baseline: base.correct },
    metric: metric({
      group: 'detection',
      name: 'summary-feature random forest |accuracy - 0.5|',
      value: Math.abs(cv.accuracy - 0.5),
      baseline: Math.abs(base.accuracy - 0.5),
      threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
      data:
        `random forest (${o.trees} trees) on per-patient summaries, ${o.folds}-fold cross-validated on ${cv.n} real (train) + ${cv.n} synthetic; ` +
        `accuracy ${pct(cv.accuracy)}, AUC ${cv.auc.toFixed(3)}; baseline holdout vs train (${base.n} + ${base.n}) accuracy ${pct(base.accuracy)}; ` +
        `${grouped} synthetic patients closer to a training patient than any holdout patient kept in its fold`,
      note: features.length ? `gives the set away most: ${features.slice(0, 3).map((f) => f.feature).join(', ')}` : undefined,
    }),
  };
}
