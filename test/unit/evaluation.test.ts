import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, showCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import { realPatients, type EvalPatient } from '../../main/evaluation/data.js';
import { evaluate, type EvaluationReport } from '../../main/evaluation/evaluate.js';
import { MIN_CELL } from '../../main/evaluation/binning.js';
import { reportHtml, writeReport } from '../../main/evaluation/report.js';
import { printEvaluation } from '../../main/cli/print/evaluation.js';
import { readFileSync } from 'node:fs';
import { fidelity } from '../../main/evaluation/fidelity.js';
import { discriminativeScore, utility } from '../../main/evaluation/posthoc.js';
import { selectBackend } from '../../main/training/backend.js';
import { rng } from '../support/syntheticLabs.js';
import { privacy } from '../../main/evaluation/privacy.js';
import { auc, ksStatistic, totalVariation, wasserstein1 } from '../../main/evaluation/stats.js';
import { logRank, rmst } from '../../main/evaluation/survivalCompare.js';
import { kaplanMeier } from '../../main/cohort/survival.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition } from '../support/cohorts.js';
import { icuRealSamples } from '../support/fixtures.js';
import { freshStore, importWorkedExample, tempDir } from '../support/store.js';

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
  let cohort: CohortReport;
  let trainSet: EvalPatient[];
  let holdoutA: EvalPatient[];
  let holdoutB: EvalPatient[];
  beforeAll(async () => {
    ({ cohort, trainSet, holdoutA, holdoutB } = await icuRealSamples());
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
    expect(p.closest[0]!.distance).toBe(0);
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
    const noise = rng(5);
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
  let db: Db;
  let report: EvaluationReport;
  beforeAll(async () => {
    db = freshStore().db;
    await importWorkedExample(db, 'steno2');
    createCohort(db, cohortDefinition('steno2-death'));
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', config: { hidden: 16, steps: 60, batchSize: 32 } });
    const set = await generateSyntheticSet(db, { runId: run.runId, patients: 100 });
    report = await evaluate(db, set.dataset, { sensitive: 'sex', posthocSteps: 60 });
  });

  it('reports every metric with its verdict and the data it used, for a generated set', async () => {
    expect(report.dataUse).toMatchObject({ train: 127, holdout: 31, synthetic: 100 });
    expect(new Set(report.metrics.map((m) => m.group))).toEqual(new Set(['fidelity', 'survival', 'privacy', 'detection', 'utility']));
    expect(report.headline.cIndex.trtr).toBeGreaterThan(0.5);
    // Each verdict from its value and threshold, worked out here on a scale where higher is better.
    const expected = { pass: 0, warn: 0, fail: 0, 'n/a': 0 };
    for (const m of report.metrics) {
      const label = m.variable ? `${m.name} [${m.variable}]` : m.name;
      expect(m.data.length, label).toBeGreaterThan(10);
      const sign = m.threshold.better === 'higher' ? 1 : -1;
      const [value, pass, warn] = [m.value, m.threshold.pass, m.threshold.warn].map((x) => sign * x) as [number, number, number];
      expect(pass, `${label}: the pass threshold is stricter than the warn one`).toBeGreaterThanOrEqual(warn);
      const verdict = !Number.isFinite(value) ? 'n/a' : value >= pass ? 'pass' : value >= warn ? 'warn' : 'fail';
      expect(m.verdict, `${label}: ${m.value} against pass ${m.threshold.pass}, warn ${m.threshold.warn} (${m.threshold.better} is better)`).toBe(verdict);
      expected[verdict]++;
    }
    expect(report.verdicts).toEqual(expected);
    expect(report.survival.real.km.n).toBe(127);
    expect(report.privacy.dcr.synthetic.reduce((a, b) => a + b, 0)).toBe(100);
    await expect(evaluate(db, 'nope')).rejects.toThrow(/No synthetic set "nope"\. Sets: steno2_death_vae_r1_s1\./);
  });

  it('the report files hold only aggregates: no training patient\'s value outside an aggregate, no closest-patient list', () => {
    const cohort = showCohort(db, 'steno2_death');
    const trained = realPatients(db, cohort, 'train');
    // Values that identify a patient's record: every index date, every date static (as a date and as days from the index),
    // every recorded lab value with decimals, and every follow-up length.
    const distinctive = new Set<number>();
    const add = (x: number | null) => {
      if (x !== null && (!Number.isInteger(x) || Math.abs(x) >= 1000)) distinctive.add(x);
    };
    for (const p of trained) {
      const tl = p.timeline;
      add(tl.indexTime);
      add(tl.outcome.days);
      for (const s of tl.statics.values()) {
        add(s.num);
        if (s.num !== null) add(s.num - tl.indexTime);
      }
      for (const m of tl.measurements) add(m.num);
    }
    expect(distinctive.size).toBeGreaterThan(1000);
    const dir = tempDir();
    const paths = writeReport(report, dir);
    const json = JSON.parse(readFileSync(paths.json, 'utf8')) as unknown;
    const html = readFileSync(paths.html, 'utf8');
    const charts = JSON.parse(/<script id="data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as unknown;
    for (const [what, doc] of [['JSON', json], ['HTML chart data', charts]] as const) {
      const leaks = numericLeaves(doc).filter(([path, x]) => distinctive.has(x) && !AGGREGATE_FIELDS.some((re) => re.test(path)));
      expect(leaks.slice(0, 5), `${what}: ${leaks.length} training values verbatim`).toEqual([]);
    }
    expect(JSON.stringify(json)).not.toMatch(/"(patient|risk|closest)"/);
    expect(html).not.toMatch(/closest training patients/i);
    // Curves and trajectories: cells of fewer than MIN_CELL patients are not shown.
    const curves = [report.survival.real.km, report.survival.synthetic.km, ...(report.clinical.survivalByStratum?.levels.flatMap((l) => [l.real, l.synthetic]) ?? [])];
    expect(curves.length).toBeGreaterThan(2);
    for (const curve of curves) {
      for (const p of curve.points) {
        expect(p.atRisk).toBeGreaterThanOrEqual(MIN_CELL);
        expect(p.time % curve.step).toBe(0);
      }
    }
    for (const t of report.clinical.trajectories) t.real.n.forEach((n, i) => expect(n === null ? t.real.median[i] === null : n >= MIN_CELL, t.variable).toBe(true));
    for (const n of report.fidelity.numeric) for (const c of n.real) expect(c === null || c === 0 || c >= MIN_CELL, n.variable).toBe(true);
    const perPatient = new Set(cohort.encoding.statics.map((f) => f.name)); // one value per patient: shares times patients are counts
    for (const c of report.fidelity.categorical.filter((x) => perPatient.has(x.variable))) for (const x of c.real) expect(x === null || x === 0 || x * trained.length >= MIN_CELL - 1e-9, c.variable).toBe(true);
  });

  it('draws survival by a stratum the user picks (default: the first categorical static), and names the choices when it is unknown', async () => {
    expect(report.clinical.survivalByStratum!.variable).toBe('arm');
    const bySex = await evaluate(db, 'steno2_death_vae_r1_s1', { stratum: 'sex', posthocSteps: 20 });
    expect(bySex.clinical.survivalByStratum!.levels.map((l) => l.level)).toEqual(['F', 'M']);
    expect(bySex.metrics.filter((m) => m.variable?.startsWith('sex = ')).map((m) => m.name)).toEqual(['log-rank test p-value', 'log-rank test p-value']);
    await expect(evaluate(db, 'steno2_death_vae_r1_s1', { stratum: 'a1c' })).rejects.toThrow('No categorical static "a1c" with 2 to 8 levels to stratify survival by. Choose one of: arm, sex, baseCVD, deathCVD.');
  });

  it('the report opens with the share verdict and the rule it follows', () => {
    expect(report.verdict.line).toMatch(/^(Fit to share|Share with caution|Not fit to share)/);
    const html = reportHtml(report);
    const body = html.slice(html.indexOf('<body>'));
    expect(body.indexOf(escapeForHtml(report.verdict.line))).toBeGreaterThan(0);
    expect(body.indexOf(escapeForHtml(report.verdict.line))).toBeLessThan(body.indexOf('<h2>'));
    expect(body).toContain(escapeForHtml(report.verdict.rule));
    const lines: string[] = [];
    printEvaluation((s) => lines.push(s), report, { json: 'r.json', html: 'r.html' });
    expect(lines[0]).toBe(report.verdict.line);
  });
});

/** Report fields that are aggregates by construction: metric values, chart axes on a grid, quantiles of five or more patients. */
const AGGREGATE_FIELDS = [
  /^metrics\.\d+\.(value|baseline)$/,
  /^headline\./,
  /\.edges\.\d+$/,
  /\.(tau|median|rmst|rmstDifference)$/,
  /\.points\.\d+\.time$/,
  /\.(q1|q3|median)\.\d+$/,
];

function numericLeaves(x: unknown, path = ''): [string, number][] {
  if (typeof x === 'number') return [[path, x]];
  if (Array.isArray(x)) return x.flatMap((v, i) => numericLeaves(v, path ? `${path}.${i}` : String(i)));
  if (x && typeof x === 'object') return Object.entries(x).flatMap(([k, v]) => numericLeaves(v, path ? `${path}.${k}` : k));
  return [];
}

const escapeForHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
