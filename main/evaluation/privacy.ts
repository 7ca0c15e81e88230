import { encodePatient } from '../sequence/encode.js';
import type { Encoding, StaticField } from '../sequence/encoding.js';
import type { EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';
import { binPair, type BinnedPair } from './binning.js';
import { auc, quantile } from './stats.js';
import { NeighbourIndex, type Neighbours } from './neighbours.js';

/**
 * A whole trajectory as one vector, in the model's scaled units: the statics,
 * the mean and the last value of every step channel over the patient's steps,
 * the length and the outcome. Distances between these compare patients.
 */
export function trajectoryFeatures(p: EvalPatient, enc: Encoding): Float64Array {
  const e = encodePatient(p.timeline, enc);
  const C = enc.stepWidth;
  const out = new Float64Array(enc.staticWidth + 2 * C + 1 + enc.outcomeWidth);
  out.set(e.statics, 0);
  const L = Math.max(1, e.length);
  for (let k = 0; k < e.length; k++) for (let c = 0; c < C; c++) out[enc.staticWidth + c]! += e.sequence[k * C + c]! / L;
  if (e.length > 0) out.set(e.sequence.subarray((e.length - 1) * C, e.length * C), enc.staticWidth + C);
  out[enc.staticWidth + 2 * C] = e.length / enc.maxLength;
  out.set(e.outcome, enc.staticWidth + 2 * C + 1);
  return out;
}

/**
 * A training patient the synthetic set lies closest to: for the steward's eyes
 * in the app only, never written to a report file. `row` is the store's
 * internal patient number, not the source id.
 */
export interface ClosestRow {
  row: number;
  /** Distance to the closest synthetic patient. */
  distance: number;
  /** That distance as a share of the holdout patients' 5th-percentile distance to training patients. */
  relative: number;
}

export interface PrivacyResult {
  metrics: Metric[];
  /** Each synthetic and holdout patient's nearest training patients: for the forest's grouping, never in a report. */
  toTrain: NearestTrain;
  /** What the report may hold: distances to the closest training patient, binned (`real` is the holdout). */
  details: { dcr: BinnedPair };
  /** The 20 training patients closest to a synthetic one; stays in the app. */
  closest: ClosestRow[];
}

/** Each synthetic and holdout patient's nearest training patients (trajectory features). */
export interface NearestTrain {
  synthetic: Neighbours[];
  holdout: Neighbours[];
}

const nearestTo = (ft: Float64Array[], fs: Float64Array[], fh: Float64Array[]): NearestTrain => {
  const index = new NeighbourIndex(ft);
  return { synthetic: index.query(fs), holdout: index.query(fh) };
};

/** Each synthetic and holdout patient's nearest training patients, by trajectory features. */
export function nearestTrain(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], enc: Encoding): NearestTrain {
  const features = (ps: EvalPatient[]) => ps.map((p) => trajectoryFeatures(p, enc));
  return nearestTo(features(train), features(synthetic), features(holdout));
}

/** The static attribute inference tries to guess: the one named, or by default the first categorical static. */
export function sensitiveField(enc: Encoding, name?: string): StaticField | undefined {
  return name === undefined ? enc.statics.find((f) => f.codec.type !== 'numeric') : enc.statics.find((f) => f.name === name);
}

/**
 * Whole-trajectory privacy: how close synthetic patients are to the training
 * patients compared with how close unseen (holdout) real patients are, copies,
 * a distance-based membership-inference attack, and attribute inference for a
 * sensitive static attribute.
 */
export function privacy(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], enc: Encoding, sensitive?: string): PrivacyResult {
  const ft = train.map((p) => trajectoryFeatures(p, enc));
  const fh = holdout.map((p) => trajectoryFeatures(p, enc));
  const fs = synthetic.map((p) => trajectoryFeatures(p, enc));
  const data = `synthetic (${synthetic.length}) and holdout (${holdout.length}) against train (${train.length})`;
  // Exact nearest neighbours (neighbours.ts), each reference set indexed once.
  const { synthetic: synToTrain, holdout: holdToTrain } = nearestTo(ft, fs, fh);
  const toSynthetic = new NeighbourIndex(fs);
  const dcrS = synToTrain.map((n) => n.d1);
  const dcrH = holdToTrain.map((n) => n.d1);
  const p5h = quantile(dcrH, 0.05);
  const p1h = quantile(dcrH, 0.01);
  const metrics: Metric[] = [];
  metrics.push(
    metric({
      group: 'privacy',
      name: 'DCR: share of synthetic closer to train than the holdout 5th percentile',
      value: dcrS.filter((d) => d < p5h).length / Math.max(1, dcrS.length),
      baseline: 0.05,
      threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
      data,
      note: 'a real unseen patient falls there 5% of the time',
    }),
  );
  metrics.push(
    metric({
      group: 'privacy',
      name: 'DCR: 5th percentile, synthetic / holdout',
      value: quantile(dcrS, 0.05) / p5h,
      baseline: 1,
      threshold: { pass: 0.9, warn: 0.7, better: 'higher' },
      data,
    }),
  );
  const nndr = (ns: { d1: number; d2: number }[]) => quantile(ns.map((n) => (n.d2 > 0 ? n.d1 / n.d2 : 0)), 0.5);
  metrics.push(
    metric({ group: 'privacy', name: 'nearest-neighbour distance ratio, median', value: nndr(synToTrain), baseline: nndr(holdToTrain), threshold: { pass: 0.7, warn: 0.5, better: 'higher' }, data }),
  );
  metrics.push(metric({ group: 'privacy', name: 'exact copies of training patients', value: dcrS.filter((d) => d < 1e-9).length, threshold: { pass: 0, warn: 0, better: 'lower' }, data }));
  metrics.push(
    metric({
      group: 'privacy',
      name: 'near copies (closer than the holdout 1st percentile)',
      value: dcrS.filter((d) => d < p1h).length / Math.max(1, dcrS.length),
      baseline: 0.01,
      threshold: { pass: 0.02, warn: 0.05, better: 'lower' },
      data,
    }),
  );
  // Membership inference: the attacker calls a real patient a member when a synthetic one lies close.
  const trainToSyn = toSynthetic.query(ft).map((n) => -n.d1);
  const holdToSyn = toSynthetic.query(fh).map((n) => -n.d1);
  metrics.push(
    metric({
      group: 'privacy',
      name: 'membership inference AUC (distance to closest synthetic)',
      value: auc(trainToSyn, holdToSyn),
      baseline: 0.5,
      threshold: { pass: 0.6, warn: 0.7, better: 'lower' },
      data: `train (${train.length}, members) vs holdout (${holdout.length}, non-members), scored against synthetic (${synthetic.length})`,
    }),
  );

  const field = sensitiveField(enc, sensitive);
  if (sensitive !== undefined && (!field || field.codec.type === 'numeric')) {
    const categorical = enc.statics.filter((f) => f.codec.type !== 'numeric').map((f) => f.name);
    metrics.push(
      metric({
        group: 'privacy',
        name: 'attribute inference: accuracy gain on members',
        variable: sensitive,
        value: NaN,
        baseline: 0,
        threshold: { pass: 0.05, warn: 0.1, better: 'lower' },
        data: `not computed: "${sensitive}" is not a categorical static of the cohort${categorical.length ? ` (those are: ${categorical.join(', ')})` : ''}`,
      }),
    );
  }
  if (field && field.codec.type !== 'numeric') {
    const width = field.codec.type === 'onehot' ? field.codec.levels.length : 1;
    const hidden = new Set(Array.from({ length: width }, (_, i) => field.offset + i));
    if (field.maskOffset !== null) hidden.add(field.maskOffset);
    const valueOf = (f: Float64Array) => Array.from({ length: width }, (_, i) => Math.round(f[field.offset + i]!)).join(',');
    const withoutIt = new NeighbourIndex(fs, hidden);
    const accuracy = (fq: Float64Array[]) => {
      const near = withoutIt.query(fq);
      return near.filter((n, i) => n.index >= 0 && valueOf(fs[n.index]!) === valueOf(fq[i]!)).length / Math.max(1, fq.length);
    };
    const onTrain = accuracy(ft);
    const onHoldout = accuracy(fh);
    metrics.push(
      metric({
        group: 'privacy',
        name: 'attribute inference: accuracy gain on members',
        variable: field.name,
        value: onTrain - onHoldout,
        baseline: 0,
        threshold: { pass: 0.05, warn: 0.1, better: 'lower' },
        data: `nearest synthetic neighbour on all other features; train ${(onTrain * 100).toFixed(1)}% vs holdout ${(onHoldout * 100).toFixed(1)}%`,
      }),
    );
  }

  const closest = train
    .map((p, i) => ({ row: p.timeline.patientId, distance: -trainToSyn[i]!, relative: -trainToSyn[i]! / p5h }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 20);
  return { metrics, toTrain: { synthetic: synToTrain, holdout: holdToTrain }, details: { dcr: binPair(dcrH, dcrS) }, closest };
}
