import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import type { EvalPatient } from '../../main/evaluation/data.js';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { fidelity } from '../../main/evaluation/fidelity.js';
import { metric, type Metric } from '../../main/evaluation/metric.js';
import { privacy } from '../../main/evaluation/privacy.js';
import { MANY_FAIL_SHARE, MIN_SHARE_PATIENTS, shareVerdict } from '../../main/evaluation/verdict.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { cohortDefinition } from '../support/cohorts.js';
import { icuRealSamples } from '../support/fixtures.js';
import { freshStore, importWorkedExample } from '../support/store.js';

describe('share verdict on two real samples (ICU cohort)', () => {
  let cohort: CohortReport;
  let trainSet: EvalPatient[];
  let holdoutA: EvalPatient[];
  let holdoutB: EvalPatient[];
  /** Fidelity and privacy of a second real sample against the training patients: what a perfect generator would give. */
  let realMetrics: Metric[];
  beforeAll(async () => {
    ({ cohort, trainSet, holdoutA, holdoutB } = await icuRealSamples());
    realMetrics = [...fidelity(trainSet, holdoutA, holdoutB, cohort.encoding).metrics, ...privacy(trainSet, holdoutA, holdoutB, cohort.encoding, 'sex').metrics];
  });
  const sized = (metrics: Metric[]) => ({ metrics, syntheticSet: { patients: holdoutB.length } });

  it('a second real sample is fit to share, and the rule is written out', () => {
    expect(holdoutB.length).toBeGreaterThanOrEqual(MIN_SHARE_PATIENTS);
    const v = shareVerdict(sized(realMetrics));
    expect(v.level, v.line).toBe('fit');
    expect(v.line).toMatch(/^Fit to share: all \d+ privacy checks pass/);
    expect(v.rule).toContain(`fewer than ${MIN_SHARE_PATIENTS} patients`);
    expect(v.rule).toMatch(/could not be computed \(n\/a\)/);
  });

  it('a privacy metric that could not be computed (n/a) makes the set unfit', () => {
    const metrics = realMetrics.map((m) => (m.name.startsWith('membership inference') ? metric({ ...m, value: NaN }) : m));
    const v = shareVerdict(sized(metrics));
    expect(v.level).toBe('unfit');
    expect(v.line).toBe('Not fit to share: membership inference AUC could not be computed');
  });

  it('a sensitive attribute that is not a categorical static is not silently swapped for another: n/a, so unfit', () => {
    const metrics = [...fidelity(trainSet, holdoutA, holdoutB, cohort.encoding).metrics, ...privacy(trainSet, holdoutA, holdoutB, cohort.encoding, 'age').metrics];
    const attribute = metrics.filter((m) => m.name.startsWith('attribute inference'));
    expect(attribute.map((m) => [m.variable, m.verdict])).toEqual([['age', 'n/a']]);
    expect(attribute[0]!.data).toMatch(/^not computed: "age" is not a categorical static of the cohort \(those are: .*sex/);
    const v = shareVerdict(sized(metrics));
    expect(v.level).toBe('unfit');
    expect(v.line).toBe('Not fit to share: attribute inference [age] could not be computed');
  });

  it('a missing privacy check makes the set unfit', () => {
    const v = shareVerdict(sized(realMetrics.filter((m) => !m.name.startsWith('exact copies'))));
    expect(v.level).toBe('unfit');
    expect(v.reasons).toEqual(['exact copies not computed']);
  });

  it('a failed attribute inference alone makes the set unfit', () => {
    // The attribute inference of a copy of the training patients: the nearest synthetic neighbour is the patient.
    const leaked = privacy(trainSet, holdoutA, trainSet, cohort.encoding, 'sex').metrics.find((m) => m.name.startsWith('attribute inference'))!;
    expect(leaked.verdict).toBe('fail');
    const metrics = realMetrics.map((m) => (m.name.startsWith('attribute inference') ? leaked : m));
    const v = shareVerdict(sized(metrics));
    expect(v.level).toBe('unfit');
    expect(v.reasons).toHaveLength(1);
    expect(v.line).toMatch(/^Not fit to share: attribute inference \[sex\] 0\.\d{3} > 0\.1$/);
    expect(v.advice).toEqual([expect.stringMatching(/^Privacy: generate a more private set/)]);
  });

  it('a copy of the training data is unfit, with every failed privacy check named', () => {
    const copy = privacy(trainSet, holdoutA, trainSet, cohort.encoding, 'sex').metrics;
    const v = shareVerdict({ metrics: copy, syntheticSet: { patients: trainSet.length } });
    expect(v.level).toBe('unfit');
    expect(v.line).toContain(`exact copies of training patients ${trainSet.length} > 0`);
    expect(v.line).toMatch(/membership inference AUC [\d.]+ > 0\.7/);
    expect(v.line).toContain('attribute inference [sex]');
  });

  it('a failed fidelity metric with clean privacy means caution, and says which', () => {
    // One variable three times too large: a failed metric or two, not a set unlike the real one.
    const variable = holdoutB.flatMap((p) => p.timeline.measurements).find((m) => m.num !== null)!.variableId;
    const noisy = holdoutB.map((p) => ({ key: p.key, timeline: { ...p.timeline, measurements: p.timeline.measurements.map((m) => ({ ...m, num: m.num === null || m.variableId !== variable ? m.num : m.num * 3 })) } }));
    const metrics = [...fidelity(trainSet, holdoutA, noisy, cohort.encoding).metrics, ...realMetrics.filter((m) => m.group === 'privacy')];
    const v = shareVerdict(sized(metrics));
    expect(v.level).toBe('caution');
    expect(v.line).toMatch(/^Share with caution: \d+ metrics? FAIL: Kolmogorov-Smirnov \[\w+\] [\d.]+ > 0\.2/);
  });

  it('many failed fidelity metrics make the set unfit even with clean privacy', () => {
    // Every value ten times too large, every follow-up a tenth: most fidelity checks fail.
    const unlike = holdoutB.map((p) => ({
      key: p.key,
      timeline: { ...p.timeline, outcome: { ...p.timeline.outcome, days: p.timeline.outcome.days / 10 }, measurements: p.timeline.measurements.map((m) => ({ ...m, num: m.num === null ? null : m.num * 10 })) },
    }));
    const metrics = [...fidelity(trainSet, holdoutA, unlike, cohort.encoding).metrics, ...realMetrics.filter((m) => m.group === 'privacy')];
    const failed = metrics.filter((m) => m.verdict === 'fail').length;
    const judged = metrics.filter((m) => m.verdict !== 'n/a').length;
    expect(failed / judged).toBeGreaterThanOrEqual(MANY_FAIL_SHARE);
    const v = shareVerdict(sized(metrics));
    expect(v.level).toBe('unfit');
    expect(v.line).toMatch(new RegExp(`^Not fit to share: ${failed} of ${judged} metrics FAIL: `));
    // What to do next is about fidelity, not privacy.
    expect(v.advice).toEqual([expect.stringMatching(/^Fidelity: the set is too unlike the real cohort/)]);
  });

  it('a set below the minimum size is unfit even when every metric passes', () => {
    const v = shareVerdict({ metrics: realMetrics, syntheticSet: { patients: 1 } });
    expect(v.level).toBe('unfit');
    expect(v.line).toBe(`Not fit to share: 1 patient (minimum ${MIN_SHARE_PATIENTS})`);
    expect(v.advice).toEqual([`Size: generate at least ${MIN_SHARE_PATIENTS} patients (the privacy checks need a sample).`]);
  });
});

describe('share verdict in the evaluation report (Steno-2)', () => {
  it('a generated set of one patient is reported not fit to share', async () => {
    const { db } = freshStore();
    await importWorkedExample(db, 'steno2');
    createCohort(db, cohortDefinition('steno2-death'));
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', config: { hidden: 8, steps: 20, batchSize: 32 } });
    const set = await generateSyntheticSet(db, { runId: run.runId, patients: 1 });
    const report = await evaluate(db, set.dataset, { posthocSteps: 20 });
    expect(report.verdict.level).toBe('unfit');
    expect(report.verdict.reasons).toContain(`1 patient (minimum ${MIN_SHARE_PATIENTS})`);
    expect(report.verdict.line.startsWith('Not fit to share: ')).toBe(true);
  });
});
