import type { Metric } from './metric.js';

/**
 * Fewer synthetic patients than this and the privacy checks say little: the
 * distance percentiles and the membership-inference AUC need a sample.
 */
export const MIN_SHARE_PATIENTS = 50;

/** What a data steward reads first: may this synthetic set leave, and why (not). */
export interface ShareVerdict {
  level: 'fit' | 'caution' | 'unfit';
  /** The one line, e.g. "Not fit to share: membership inference AUC 0.712 > 0.7; 1 patient (minimum 50)". */
  line: string;
  reasons: string[];
  /** The rule the level was derived by, in words. */
  rule: string;
  /** What to do next for each kind of reason found (empty when fit). */
  advice: string[];
}

const ADVICE = {
  privacy: 'Privacy: generate a more private set (fewer training steps, a smaller model, or a larger cohort) and evaluate it again.',
  size: `Size: generate at least ${MIN_SHARE_PATIENTS} patients (the privacy checks need a sample).`,
  fidelity: 'Fidelity: the set is too unlike the real cohort; train longer or with the other model family, and evaluate again.',
} as const;

/** What the verdict needs of a report (an EvaluationReport has it). */
export interface VerdictInput {
  metrics: Metric[];
  syntheticSet: { patients: number };
}

/** Privacy checks that must have been computed; attribute inference counts whenever present. */
export const REQUIRED_PRIVACY = ['membership inference', 'exact copies', 'near copies', 'DCR: share'] as const;

/** At least this share of the judged metrics on WARN makes a set "share with caution". */
const MANY_WARN_SHARE = 0.25;

/**
 * At least this share of the judged metrics on FAIL makes a set not fit to share
 * even with clean privacy: it is too unlike the real cohort to stand in for it
 * (an analysis of it would mislead), whatever a single failed metric says.
 */
export const MANY_FAIL_SHARE = 0.1;

export const SHARE_RULE =
  `Not fit to share when the set has fewer than ${MIN_SHARE_PATIENTS} patients, when any privacy metric (distance to closest record, ` +
  `nearest-neighbour ratio, exact and near copies, membership inference, attribute inference) FAILs or could not be computed (n/a), ` +
  `when a required privacy check (${REQUIRED_PRIVACY.join(', ')}) is missing, ` +
  `or when at least ${MANY_FAIL_SHARE * 100}% of the judged metrics FAIL (too unlike the real cohort to stand in for it). ` +
  `Share with caution when any other metric FAILs, when a metric that is measurable between two real samples (finite baseline) could not be computed on the synthetic set, ` +
  `when any privacy metric WARNs, or when at least ${MANY_WARN_SHARE * 100}% of the judged metrics WARN. Fit to share otherwise.`;

const figure = (x: number) => (!Number.isFinite(x) ? 'n/a' : Math.abs(x) >= 100 || Number.isInteger(x) ? String(Math.round(x)) : x.toFixed(3));

const SHORT_NAMES: [string, string][] = [
  ['DCR: share', 'DCR share closer than the holdout 5th percentile'],
  ['DCR: 5th percentile', 'DCR 5th percentile ratio'],
  ['attribute inference', 'attribute inference'],
];

/** A short name for a metric in the verdict line. */
function label(m: Metric): string {
  const name = (SHORT_NAMES.find(([long]) => m.name.startsWith(long))?.[1] ?? m.name).replace(/ \(.*\)$/, '');
  return m.variable ? `${name} [${m.variable}]` : name;
}

/** "membership inference AUC 0.712 > 0.7": the value against the limit it crossed. */
function crossed(m: Metric): string {
  const limit = m.verdict === 'fail' ? m.threshold.warn : m.threshold.pass;
  const op = m.threshold.better === 'lower' ? '>' : '<';
  return `${label(m)} ${figure(m.value)} ${op} ${limit}`;
}

/** "a, b, c and 4 more": the first few of a list. */
function firstFew(items: string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** The share verdict of an evaluation, by SHARE_RULE. Pure: the same metrics give the same verdict. */
export function shareVerdict(report: VerdictInput): ShareVerdict {
  const n = report.syntheticSet.patients;
  const privacy = report.metrics.filter((m) => m.group === 'privacy');
  const others = report.metrics.filter((m) => m.group !== 'privacy');

  const unfit: string[] = [];
  const advice = new Set<string>();
  for (const m of privacy) {
    if (m.verdict === 'fail') unfit.push(crossed(m));
    else if (m.verdict === 'n/a') unfit.push(`${label(m)} could not be computed`);
  }
  for (const name of REQUIRED_PRIVACY) if (!privacy.some((m) => m.name.startsWith(name))) unfit.push(`${name} not computed`);
  if (unfit.length) advice.add(ADVICE.privacy);
  if (n < MIN_SHARE_PATIENTS) {
    unfit.push(`${n} patient${n === 1 ? '' : 's'} (minimum ${MIN_SHARE_PATIENTS})`);
    advice.add(ADVICE.size);
  }
  const judged = report.metrics.filter((m) => m.verdict !== 'n/a');
  const failedOthers = others.filter((m) => m.verdict === 'fail').map(crossed);
  if (judged.length && failedOthers.length / judged.length >= MANY_FAIL_SHARE) {
    unfit.push(`${failedOthers.length} of ${judged.length} metrics FAIL: ${firstFew(failedOthers)}`);
    advice.add(ADVICE.fidelity);
  }
  if (unfit.length) return { level: 'unfit', line: `Not fit to share: ${unfit.join('; ')}`, reasons: unfit, rule: SHARE_RULE, advice: [...advice] };

  const caution: string[] = [];
  if (failedOthers.length) caution.push(`${failedOthers.length} metric${failedOthers.length === 1 ? '' : 's'} FAIL: ${firstFew(failedOthers)}`);
  const unmeasured = others.filter((m) => m.verdict === 'n/a' && m.baseline !== undefined && Number.isFinite(m.baseline));
  if (unmeasured.length) caution.push(`not measurable on the synthetic set: ${firstFew(unmeasured.map(label))}`);
  for (const m of privacy.filter((x) => x.verdict === 'warn')) caution.push(crossed(m));
  const warns = judged.filter((m) => m.verdict === 'warn').length;
  if (judged.length && warns / judged.length >= MANY_WARN_SHARE) caution.push(`${warns} of ${judged.length} metrics WARN`);
  if (caution.length) return { level: 'caution', line: `Share with caution: ${caution.join('; ')}`, reasons: caution, rule: SHARE_RULE, advice: [] };

  const reasons = [`all ${privacy.length} privacy checks pass`, `${judged.length - warns} of ${judged.length} metrics pass, none fail`];
  return { level: 'fit', line: `Fit to share: ${reasons.join('; ')}`, reasons, rule: SHARE_RULE, advice: [] };
}
