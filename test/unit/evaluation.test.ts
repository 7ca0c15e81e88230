import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import { realPatients, type EvalPatient } from '../../main/evaluation/data.js';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { fidelity } from '../../main/evaluation/fidelity.js';
import { discriminativeScore, utility } from '../../main/evaluation/posthoc.js';
import { selectBackend } from '../../main/training/backend.js';
import { mulberry32 } from '../../main/cohort/split.js';
import { privacy } from '../../main/evaluation/privacy.js';
import { auc, ksStatistic, totalVariation, wasserstein1 } from '../../main/evaluation/stats.js';
import { logRank, rmst } from '../../main/evaluation/survivalCompare.js';
import { kaplanMeier } from '../../main/cohort/survival.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample } from '../support/store.js';

describe('two-sample statistics on known answers', () => {
  it('KS, Wasserstein, total variation and AUC', () => {
    expect(ksStatistic([1, 2, 3], [4, 5, 6])).toBe(1);
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
    expect(ksStatistic([5, 1, 3], [3, 1, 5])).toBe(0);
    expect(wasserstein1([0, 1], [1, 2])).toBeCloseTo(1, 12);
    expect(wasserstein1([0, 0, 0, 10], [0, 0, 0, 0])).toBeCloseTo(2.5, 12);
    expect(totalVariation(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b'])).toBeCloseTo(0.25, 12);
    expect(auc([3, 4], [1, 2])).toBe(1);
    expect(auc([1, 2], [1, 2])).toBe(0.5);
  });

  it('log-rank and RMST reproduce the Freireich 6-MP vs placebo trial', () => {
    const mp = { days: [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35], status: [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0] };
    const placebo = { days: [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23], status: new Array(21).fill(1) };
    // R: survdiff(Surv(time, status) ~ group) gives Chisq = 16.8 on 1 df, p = 4.17e-05.
    const test = logRank(mp, placebo);
    expect(test.chiSquare).toBeCloseTo(16.79, 1);
    expect(test.p).toBeCloseTo(4.17e-5, 6);
    // Every placebo patient relapses by week 23: the RMST to 23 is the mean relapse time, 182 / 21.
    expect(rmst(kaplanMeier(placebo.days, placebo.status), 23)).toBeCloseTo(182 / 21, 10);
  });
});

describe('fidelity and privacy on known answers (ICU cohort)', () => {
  let db: Db;
  let cohort: CohortReport;
  let trainSet: EvalPatient[];
  let holdoutA: EvalPatient[];
  let holdoutB: EvalPatient[];
  beforeAll(async () => {
    db = freshStore().db;
    await importWorkedExample(db, 'icu');
    cohort = createCohort(db, cohortDefinition('icu-death', { split: { holdout: 0.4, seed: 3 } }));
    trainSet = realPatients(db, cohort, 'train');
    const holdout = realPatients(db, cohort, 'holdout');
    holdoutA = holdout.filter((_, i) => i % 2 === 0);
    holdoutB = holdout.filter((_, i) => i % 2 === 1);
  });

  it('a copy of the training data has perfect fidelity and fails privacy', () => {
    const f = fidelity(trainSet, holdoutA, trainSet, cohort.encoding);
    for (const m of f.metrics.filter((x) => x.name === 'Kolmogorov-Smirnov' || x.name === 'total variation')) expect(m.value, `${m.name} ${m.variable}`).toBe(0);
    const p = privacy(trainSet, holdoutA, trainSet, cohort.encoding, 'sex');
    const byName = Object.fromEntries(p.metrics.map((m) => [m.name, m]));
    expect(byName['exact copies of training patients']!.value).toBe(trainSet.length);
    expect(byName['exact copies of training patients']!.verdict).toBe('fail');
    expect(byName['DCR: share of synthetic closer to train than the holdout 5th percentile']!.verdict).toBe('fail');
    expect(byName['membership inference AUC (distance to closest synthetic)']!.value).toBeGreaterThan(0.95);
    expect(byName['membership inference AUC (distance to closest synthetic)']!.verdict).toBe('fail');
    expect(p.details.risk[0]!.distance).toBe(0);
  });

  it('two real samples from one distribution score near chance and pass', () => {
    const p = privacy(trainSet, holdoutA, holdoutB, cohort.encoding, 'sex');
    const byName = Object.fromEntries(p.metrics.map((m) => [m.name, m]));
    expect(byName['membership inference AUC (distance to closest synthetic)']!.value).toBeGreaterThan(0.4);
    expect(byName['membership inference AUC (distance to closest synthetic)']!.value).toBeLessThan(0.6);
    expect(byName['membership inference AUC (distance to closest synthetic)']!.verdict).toBe('pass');
    expect(byName['exact copies of training patients']!.value).toBe(0);
    expect(byName['DCR: share of synthetic closer to train than the holdout 5th percentile']!.value).toBeLessThan(0.1);
    expect(byName['attribute inference: accuracy gain on members']!.verdict).not.toBe('fail');
    const f = fidelity(trainSet, holdoutA, holdoutB, cohort.encoding);
    const ks = f.metrics.filter((m) => m.name === 'Kolmogorov-Smirnov');
    expect(Math.max(...ks.map((m) => m.value))).toBeLessThan(0.1);
  });
});

describe('detection and utility on known answers (ICU cohort)', () => {
  let db: Db;
  let cohort: CohortReport;
  beforeAll(async () => {
    await selectBackend('auto');
    db = freshStore().db;
    await importWorkedExample(db, 'icu');
    cohort = createCohort(db, cohortDefinition('icu-death', { split: { holdout: 0.4, seed: 3 } }));
  });

  it('independent noise is detected almost always; a second real sample is not', () => {
    const trainSet = realPatients(db, cohort, 'train');
    const holdout = realPatients(db, cohort, 'holdout');
    const noise = mulberry32(5);
    const noisy = holdout.map((p) => ({
      key: p.key,
      timeline: { ...p.timeline, measurements: p.timeline.measurements.map((m) => ({ ...m, num: m.num === null ? null : noise() * 400 - 100 })) },
    }));
    const detected = discriminativeScore(trainSet, noisy, cohort.encoding, { steps: 200 });
    expect(detected.accuracy).toBeGreaterThan(0.9);
    expect(detected.metric.verdict).toBe('fail');
    const same = discriminativeScore(trainSet, holdout, cohort.encoding, { steps: 200 });
    expect(same.metric.value).toBeLessThan(0.1);
    expect(same.metric.verdict).toBe('pass');
  });

  it('a model fitted on a second real sample is as useful as one fitted on the training data', () => {
    const trainSet = realPatients(db, cohort, 'train');
    const holdout = realPatients(db, cohort, 'holdout');
    const testSet = holdout.filter((_, i) => i % 2 === 0);
    const other = holdout.filter((_, i) => i % 2 === 1);
    const u = utility(trainSet, testSet, other, cohort.encoding, { steps: 150 });
    expect(u.cIndex.trtr).toBeGreaterThan(0.6);
    expect(Math.abs(u.cIndex.trtr - u.cIndex.tstr)).toBeLessThan(0.05);
    expect(u.predictive.tstr / u.predictive.trtr).toBeLessThan(1.15);
  });
});

describe('evaluate', () => {
  it('reports every metric with its verdict and the data it used, for a generated set', async () => {
    const { db } = freshStore();
    await importWorkedExample(db, 'steno2');
    createCohort(db, cohortDefinition('steno2-death'));
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', config: { hidden: 16, steps: 60, batchSize: 32 } });
    const set = await generateSyntheticSet(db, { runId: run.runId, patients: 100 });
    const report = await evaluate(db, set.dataset, { sensitive: 'sex', posthocSteps: 60 });
    expect(report.dataUse).toMatchObject({ train: 127, holdout: 31, synthetic: 100 });
    expect(new Set(report.metrics.map((m) => m.group))).toEqual(new Set(['fidelity', 'survival', 'privacy', 'detection', 'utility']));
    expect(report.headline.cIndex.trtr).toBeGreaterThan(0.5);
    for (const m of report.metrics) {
      expect(m.data.length, m.name).toBeGreaterThan(10);
      expect(['pass', 'warn', 'fail', 'n/a']).toContain(m.verdict);
    }
    expect(report.verdicts.pass + report.verdicts.warn + report.verdicts.fail + report.verdicts['n/a']).toBe(report.metrics.length);
    expect(report.survival.real.km.n).toBe(127);
    expect(report.privacy.dcrSynthetic).toHaveLength(100);
    await expect(evaluate(db, 'nope')).rejects.toThrow(/No synthetic set "nope"\. Sets: steno2_death_vae_r1_s1\./);
  });
});
