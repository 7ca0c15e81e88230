import { beforeAll, describe, expect, it } from 'vitest';
import type { CohortReport } from '../../main/cohort/cohortService.js';
import { rng } from '../support/syntheticLabs.js';
import type { EvalPatient } from '../../main/evaluation/data.js';
import { patientSummary, summaryFeatureNames } from '../../main/evaluation/patientSummary.js';
import { summaryDetection } from '../../main/evaluation/summaryDetection.js';
import { privacy } from '../../main/evaluation/privacy.js';
import { icuRealSamples } from '../support/fixtures.js';

/** Three standard errors of an accuracy measured on n + n patients at chance: the noise of two real samples. */
const chanceNoise = (n: number) => 3 * Math.sqrt(0.25 / (2 * n));

describe('summary-feature random forest detector on known answers (ICU cohort)', () => {
  let cohort: CohortReport;
  let trainSet: EvalPatient[];
  let holdoutA: EvalPatient[];
  let holdoutB: EvalPatient[];
  beforeAll(async () => {
    ({ cohort, trainSet, holdoutA, holdoutB } = await icuRealSamples());
  });

  it('summarises every patient in one row per feature name', () => {
    const names = summaryFeatureNames(cohort.encoding);
    expect(names).toContain(`${cohort.encoding.measurements[0]!.name}: slope per year`);
    expect(names).toContain('days between visits: spread');
    for (const p of trainSet.slice(0, 20)) expect(patientSummary(p.timeline, cohort.encoding).length).toBe(names.length);
  });

  it('a copy of the training patients scores at chance with the grouping, far from it without', () => {
    const grouped = summaryDetection(trainSet, holdoutA, trainSet, cohort.encoding);
    expect(grouped.grouped).toBe(trainSet.length);
    expect(Math.abs(grouped.accuracy - 0.5)).toBeLessThan(0.05);
    expect(grouped.metric.verdict).toBe('pass');
    // Without it each copy is scored by a forest that learnt its twin with the other label: below chance.
    const naive = summaryDetection(trainSet, holdoutA, trainSet, cohort.encoding, { grouping: false });
    expect(naive.grouped).toBe(0);
    expect(naive.accuracy).toBeLessThan(0.35);
    expect(naive.metric.value).toBeGreaterThan(grouped.metric.value + 0.15);
  });

  it('groups the same way with the nearest training patients privacy found as with its own search', () => {
    const mixed = [...trainSet.slice(0, 40), ...holdoutB];
    const own = summaryDetection(trainSet, holdoutA, mixed, cohort.encoding);
    const given = summaryDetection(trainSet, holdoutA, mixed, cohort.encoding, { toTrain: privacy(trainSet, holdoutA, mixed, cohort.encoding).toTrain });
    expect(own.grouped).toBeGreaterThanOrEqual(40);
    expect(given).toEqual(own);
  });

  it('independent noise is detected almost always', () => {
    const noise = rng(5);
    const noisy = holdoutA.map((p) => ({ key: p.key, timeline: { ...p.timeline, measurements: p.timeline.measurements.map((m) => ({ ...m, num: m.num === null ? null : noise() * 400 - 100 })) } }));
    const d = summaryDetection(trainSet, holdoutB, noisy, cohort.encoding);
    expect(d.accuracy).toBeGreaterThan(0.9);
    expect(d.auc).toBeGreaterThan(0.95);
    expect(d.metric.verdict).toBe('fail');
  });

  it('two real halves score within the noise of two real samples', () => {
    const d = summaryDetection(trainSet, holdoutB, holdoutA, cohort.encoding);
    const n = Math.min(trainSet.length, holdoutA.length);
    expect(d.metric.value).toBeLessThan(chanceNoise(n));
    expect(d.baseline.accuracy).toBeGreaterThan(0.5 - chanceNoise(Math.min(trainSet.length, holdoutB.length)));
    expect(d.metric.baseline).toBeLessThan(chanceNoise(Math.min(trainSet.length, holdoutB.length)));
  });

  it('is deterministic for a seed', () => {
    const a = summaryDetection(trainSet, holdoutB, holdoutA, cohort.encoding, { seed: 7 });
    const b = summaryDetection(trainSet, holdoutB, holdoutA, cohort.encoding, { seed: 7 });
    expect(b).toEqual(a);
  });

  it('names the variable that was shifted as what gives the set away', () => {
    const counts = new Map<number, number>();
    for (const p of trainSet) for (const m of p.timeline.measurements) if (m.num !== null) counts.set(m.variableId, (counts.get(m.variableId) ?? 0) + 1);
    const field = cohort.encoding.measurements.filter((f) => f.codec.type === 'numeric').sort((a, b) => (counts.get(b.variableId) ?? 0) - (counts.get(a.variableId) ?? 0))[0]!;
    const values = trainSet.flatMap((p) => p.timeline.measurements.filter((m) => m.variableId === field.variableId && m.num !== null).map((m) => m.num!));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    const shifted = holdoutA.map((p) => ({
      key: p.key,
      timeline: { ...p.timeline, measurements: p.timeline.measurements.map((m) => (m.variableId === field.variableId && m.num !== null ? { ...m, num: m.num + 1.5 * sd } : m)) },
    }));
    const d = summaryDetection(trainSet, holdoutB, shifted, cohort.encoding);
    expect(d.accuracy).toBeGreaterThan(0.7);
    expect(d.features.length).toBeGreaterThan(0);
    expect(d.features[0]!.feature.startsWith(`${field.name}: `), JSON.stringify(d.features.slice(0, 3))).toBe(true);
    expect(d.features.slice(0, 3).every((f) => f.feature.startsWith(`${field.name}: `))).toBe(true);
    const total = d.features.reduce((a, f) => a + f.importance, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
  });
});
