import type { Encoding } from '../sequence/encoding.js';
import { cohortAttributes } from '../cohort/attributes.js';
import { MIN_CELL } from './binning.js';
import { concordance } from './cox.js';
import { measuredValues, outcomeSample, type EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';
import { ksStatistic } from './stats.js';
import { largestKmGap } from './survivalCompare.js';

/** Holdout patients a subgroup needs to be judged: fewer, and two real samples differ too much to tell. */
export const MIN_SUBGROUP_HOLDOUT = 20;
/** Differences in share that pass (warn) whatever the samples' sizes: 5 (10) percentage points. */
const SHARE_PASS = 0.05;
const SHARE_WARN = 0.1;
const round = (x: number) => Math.round(x * 1000) / 1000;

/** A share in one sample; null where it rests on 1 to MIN_CELL - 1 real patients (suppressed). */
export interface SubgroupShare {
  patients: number | null;
  share: number | null;
}

/** One subgroup (an attribute's level) and how much of each sample it is. */
export interface SubgroupRow {
  attribute: string;
  level: string;
  train: SubgroupShare;
  holdout: SubgroupShare;
  synthetic: { patients: number; share: number };
  /** False when the holdout has fewer than MIN_SUBGROUP_HOLDOUT of its patients: shown, never scored. */
  judged: boolean;
  /**
   * Judged: the difference in share, the largest Kaplan-Meier gap, the worst value KS and the
   * survival C-index lost (TRTR - TSTR on the subgroup's holdout patients), each beside the same
   * measure between holdout and train. Not judged: the share alone, 'n/a'.
   */
  metrics: Metric[];
}

export interface SubgroupReport {
  minimumHoldout: number;
  /** The attributes the patients were grouped by (categorical statics, age band at index, outcome status). */
  attributes: string[];
  rows: SubgroupRow[];
  /** The judged subgroup and measure furthest past its pass line (value / pass threshold), or null when none can be judged. */
  worst: { subgroup: string; metric: string; value: number; baseline: number | null; pass: number; verdict: Metric['verdict'] } | null;
}

/** Whether the summary forest classified each patient of its samples right, out of fold (summaryDetection's `correct`). */
export interface DetectionByPatient {
  set: Map<EvalPatient, boolean>;
  baseline: Map<EvalPatient, boolean>;
}

/** Each holdout patient's risk under the Cox models fitted on synthetic and on train (posthoc.ts utility), in the holdout's order. */
export interface HoldoutRisks {
  tstr: number[];
  trtr: number[];
  /** Each holdout patient's absolute errors (sum and weight) under the next-visit predictors trained on synthetic and on train. */
  errors?: { tstr: { error: Float64Array; weight: Float64Array }; trtr: { error: Float64Array; weight: Float64Array } };
}

/** The attributes a set is judged by, subgroup by subgroup (see cohortAttributes). */
export const subgroupAttributes = cohortAttributes;

/**
 * The synthetic set judged subgroup by subgroup: a set can pass as a whole while
 * one group is missing, swollen or unlike its real members. For each subgroup
 * with MIN_SUBGROUP_HOLDOUT or more holdout patients: its share against the
 * training patients', survival (largest Kaplan-Meier gap), values (the worst
 * variable's Kolmogorov-Smirnov) and, given the holdout risks, the C-index a
 * model fitted on synthetic patients loses on the subgroup's holdout patients
 * against one fitted on train; each beside the same measure between holdout and
 * train. Smaller subgroups are listed and not judged.
 */
export function subgroupReport(
  train: EvalPatient[],
  holdout: EvalPatient[],
  synthetic: EvalPatient[],
  enc: Encoding,
  risks?: HoldoutRisks,
  balanced?: string,
  detection?: DetectionByPatient,
): SubgroupReport {
  const attributes = subgroupAttributes(enc);
  const rows: SubgroupRow[] = [];
  for (const a of attributes) {
    const members = (ps: EvalPatient[], level: string) => ps.filter((p) => a.levelOf(p.timeline) === level);
    for (const level of a.levels) {
      const t = members(train, level);
      const h = members(holdout, level);
      const s = members(synthetic, level);
      if (t.length === 0 && h.length === 0 && s.length === 0) continue;
      const share = (n: number, of: number) => (of ? n / of : 0);
      const real = (n: number, of: number): SubgroupShare => (n > 0 && n < MIN_CELL ? { patients: null, share: null } : { patients: n, share: share(n, of) });
      // A level of 1 to MIN_CELL - 1 training patients is never judged: its figures would give their count away.
      const judged = h.length >= MIN_SUBGROUP_HOLDOUT && !(t.length > 0 && t.length < MIN_CELL);
      const variable = `${a.name} = ${level}`;
      // The shares of the attribute a set was balanced on differ from the real ones by design: shown, not judged.
      const shareMetric = a.name === balanced ? byDesign(variable) : shareDifference(variable, t.length, h.length, s.length, train.length, holdout.length, synthetic.length, judged);
      const metrics = judged
        ? [shareMetric, kmGap(variable, t, h, s), worstValueKs(variable, t, h, s, enc), ...(risks ? [cIndexLoss(variable, holdout, h, risks)] : []), ...(risks?.errors ? [nextVisitWithin(variable, holdout, h, risks.errors)] : []), ...(detection ? [detectionWithin(variable, t, h, s, detection)] : [])]
        : [shareMetric];
      rows.push({ attribute: a.name, level, train: real(t.length, train.length), holdout: real(h.length, holdout.length), synthetic: { patients: s.length, share: share(s.length, synthetic.length) }, judged, metrics });
    }
  }
  return { minimumHoldout: MIN_SUBGROUP_HOLDOUT, attributes: attributes.map((a) => a.name), rows, worst: worstOf(rows) };
}

function shareDifference(variable: string, nt: number, nh: number, ns: number, ofTrain: number, ofHoldout: number, ofSynthetic: number, judged: boolean): Metric {
  const share = (n: number, of: number) => (of ? n / of : 0);
  const trainShare = share(nt, ofTrain);
  // Two samples of these sizes differ by chance: a difference within twice its standard error passes
  // (three: a warning), as does one of at most 5 points (10) however large the samples.
  const se = Math.sqrt(trainShare * (1 - trainShare) * (1 / Math.max(1, ofTrain) + 1 / Math.max(1, ofSynthetic)));
  return metric({
    group: 'fidelity',
    name: 'subgroup share, difference',
    variable,
    value: judged ? Math.abs(share(ns, ofSynthetic) - trainShare) : NaN,
    baseline: judged ? Math.abs(share(nh, ofHoldout) - trainShare) : undefined,
    threshold: { pass: round(Math.max(SHARE_PASS, 2 * se)), warn: round(Math.max(SHARE_WARN, 3 * se)), better: 'lower' },
    data: `share of train (${ofTrain}), holdout (${ofHoldout}) and synthetic (${ofSynthetic}) patients with ${variable}`,
    ...(judged ? {} : { note: `too small to judge: ${nh < MIN_SUBGROUP_HOLDOUT ? `${count(nh)} holdout patients (fewer than ${MIN_SUBGROUP_HOLDOUT})` : `fewer than ${MIN_CELL} training patients`}` }),
  });
}

/**
 * The summary forest within a subgroup: of the subgroup's patients in its sample (train and synthetic),
 * the share it told apart out of fold, as |accuracy - 0.5|, beside the same for train and holdout.
 */
function detectionWithin(variable: string, t: EvalPatient[], h: EvalPatient[], s: EvalPatient[], d: DetectionByPatient): Metric {
  const accuracy = (map: Map<EvalPatient, boolean>, ps: EvalPatient[]) => {
    const seen = ps.flatMap((p) => (map.has(p) ? [map.get(p)!] : []));
    return { n: seen.length, value: seen.length ? seen.filter(Boolean).length / seen.length : NaN };
  };
  const set = accuracy(d.set, [...t, ...s]);
  const base = accuracy(d.baseline, [...t, ...h]);
  return metric({
    group: 'detection',
    name: 'subgroup detection, |accuracy - 0.5|',
    variable,
    value: Math.abs(set.value - 0.5),
    baseline: Math.abs(base.value - 0.5),
    threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
    data: `the summary forest's out-of-fold answers on the ${set.n} patients with ${variable} in its train and synthetic sample (accuracy ${(100 * set.value).toFixed(1)}%); holdout against train: ${base.n}`,
  });
}

function byDesign(variable: string): Metric {
  return metric({
    group: 'fidelity',
    name: 'subgroup share, difference',
    variable,
    value: NaN,
    threshold: { pass: SHARE_PASS, warn: SHARE_WARN, better: 'lower' },
    data: 'the set was balanced on this attribute',
    note: 'set by the balance target, not judged',
  });
}

/** A count of real patients as a file may show it: 1 to MIN_CELL - 1 is not given. */
const count = (n: number) => (n > 0 && n < MIN_CELL ? `fewer than ${MIN_CELL}` : String(n));

function kmGap(variable: string, t: EvalPatient[], h: EvalPatient[], s: EvalPatient[]): Metric {
  return metric({
    group: 'survival',
    name: 'subgroup Kaplan-Meier, largest gap',
    variable,
    value: s.length ? largestKmGap(outcomeSample(t), outcomeSample(s)) : NaN,
    baseline: largestKmGap(outcomeSample(t), outcomeSample(h)),
    threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
    data: `train (${t.length}) vs synthetic (${s.length}) with ${variable}, while ${MIN_CELL}+ are at risk in both; baseline: holdout (${h.length})`,
    ...(s.length ? {} : { note: 'no synthetic patient in the subgroup' }),
  });
}

/** The numeric measurement whose values differ most (KS) between the subgroup's training and synthetic patients. */
function worstValueKs(variable: string, t: EvalPatient[], h: EvalPatient[], s: EvalPatient[], enc: Encoding): Metric {
  const values = (ps: EvalPatient[], id: number) => measuredValues(ps, id);
  let worst: { name: string; value: number; baseline: number } | undefined;
  for (const f of enc.measurements) {
    if (f.kind !== 'numeric') continue;
    const [vt, vh, vs] = [values(t, f.variableId), values(h, f.variableId), values(s, f.variableId)];
    if (vt.length < MIN_CELL || vs.length < MIN_CELL || vh.length < MIN_CELL) continue;
    const value = ksStatistic(vt, vs);
    if (!worst || value > worst.value) worst = { name: f.name, value, baseline: ksStatistic(vt, vh) };
  }
  return metric({
    group: 'fidelity',
    name: 'subgroup values, worst Kolmogorov-Smirnov',
    variable,
    value: worst?.value ?? NaN,
    baseline: worst?.baseline,
    threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
    data: `values of train (${t.length}) vs synthetic (${s.length}) patients with ${variable}; baseline: holdout (${h.length})`,
    note: worst ? `worst variable: ${worst.name}` : `no numeric variable with ${MIN_CELL}+ values in every sample`,
  });
}

/** Where the members of `h` stand in `holdout` (what the per-holdout-patient risks and errors are read by). */
function positionsIn(holdout: EvalPatient[], h: EvalPatient[]): number[] {
  const inGroup = new Set(h);
  return holdout.flatMap((p, i) => (inGroup.has(p) ? [i] : []));
}

/** Harrell's C on the subgroup's holdout patients, of the model fitted on train (TRTR) minus the one fitted on synthetic (TSTR). */
function cIndexLoss(variable: string, holdout: EvalPatient[], h: EvalPatient[], risks: HoldoutRisks): Metric {
  const index = positionsIn(holdout, h);
  const test = outcomeSample(h);
  const c = (risk: number[]) => concordance(index.map((i) => risk[i]!), test.days, test.status);
  const tstr = c(risks.tstr);
  const trtr = c(risks.trtr);
  return metric({
    group: 'utility',
    name: 'subgroup survival C-index loss, TRTR - TSTR',
    variable,
    value: trtr - tstr,
    baseline: 0,
    threshold: { pass: 0.05, warn: 0.1, better: 'lower' },
    data: `ridge Cox fitted on synthetic or on real train, tested on the ${h.length} holdout patients with ${variable}`,
    note: Number.isFinite(tstr) && Number.isFinite(trtr) ? `C-index TSTR ${tstr.toFixed(3)}, TRTR ${trtr.toFixed(3)}` : 'no comparable pair of holdout patients (no event)',
  });
}

/**
 * The next-visit error on the subgroup's holdout patients of the predictor trained on synthetic over the
 * one trained on train, less 1 (0: as good), as the whole set's is judged (within 20%).
 */
function nextVisitWithin(variable: string, holdout: EvalPatient[], h: EvalPatient[], errors: NonNullable<HoldoutRisks['errors']>): Metric {
  const index = positionsIn(holdout, h);
  const mae = (e: { error: Float64Array; weight: Float64Array }) => index.reduce((a, i) => a + e.error[i]!, 0) / Math.max(1e-12, index.reduce((a, i) => a + e.weight[i]!, 0));
  const tstr = mae(errors.tstr);
  const trtr = mae(errors.trtr);
  return metric({
    group: 'utility',
    name: 'subgroup next-visit error, TSTR / TRTR - 1',
    variable,
    value: tstr / trtr - 1,
    baseline: 0,
    threshold: { pass: 0.2, warn: 0.5, better: 'lower' },
    data: `GRU next-visit predictors trained on synthetic or on real train, tested on the ${h.length} holdout patients with ${variable}`,
    note: `mean absolute error (scaled units) TSTR ${tstr.toFixed(3)}, TRTR ${trtr.toFixed(3)}`,
  });
}

/** The judged measure furthest past its pass line. */
function worstOf(rows: SubgroupRow[]): SubgroupReport['worst'] {
  let worst: SubgroupReport['worst'] = null;
  let ratio = -Infinity;
  for (const m of rows.flatMap((r) => r.metrics)) {
    if (m.verdict === 'n/a') continue;
    const r = m.value / Math.max(1e-9, m.threshold.pass);
    if (r > ratio) {
      ratio = r;
      worst = { subgroup: m.variable!, metric: m.name, value: m.value, baseline: m.baseline ?? null, pass: m.threshold.pass, verdict: m.verdict };
    }
  }
  return worst;
}
