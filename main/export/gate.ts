import type { Metric } from '../evaluation/metric.js';

export interface GateResult {
  passed: boolean;
  /** The privacy checks that failed, as "metric: value (threshold)". */
  failures: string[];
}

/** The privacy gate: an export needs the membership-inference and copy checks of the evaluation to pass. */
export function privacyGate(metrics: Metric[]): GateResult {
  const guarded = metrics.filter((m) => m.group === 'privacy' && (m.name.startsWith('membership inference') || m.name.startsWith('exact copies') || m.name.startsWith('near copies')));
  const failures = guarded
    .filter((m) => m.verdict === 'fail')
    .map((m) => `${m.name}: ${Number.isInteger(m.value) ? m.value : m.value.toFixed(3)} (pass ${m.threshold.better === 'lower' ? '<=' : '>='} ${m.threshold.pass})`);
  return { passed: failures.length === 0, failures };
}
