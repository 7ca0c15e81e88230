// One cell of `npm run bench:quality`, in its own process: either the real-vs-real
// baseline of a cohort (holdout against train) or one model family trained with its
// default configuration, a synthetic set as large as the training split, and its
// evaluation. Prints the figures as JSON on stdout; asserts nothing.
import { kaplanMeier, type KaplanMeier } from '../../main/cohort/survival.js';
import { MIN_CELL } from '../../main/evaluation/binning.js';
import { showCohort } from '../../main/cohort/cohortService.js';
import { realPatients, syntheticPatients, type EvalPatient } from '../../main/evaluation/data.js';
import { evaluate, findSyntheticSet } from '../../main/evaluation/evaluate.js';
import { discriminativeScore } from '../../main/evaluation/posthoc.js';
import { ksStatistic } from '../../main/evaluation/stats.js';
import { logRank } from '../../main/evaluation/survivalCompare.js';
import { openDatabase } from '../../main/store/database.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { train } from '../../main/training/engine.js';
import type { Family } from '../../main/training/config.js';

const [dbPath, cohortName, what, seedArg, configArg] = process.argv.slice(2) as [string, string, Family | 'baseline', string, string];
const seed = Number(seedArg ?? 1);
const overrides = JSON.parse(configArg ?? '{}') as Record<string, number>;

/** Survival of a Kaplan-Meier estimate at time t (a right-continuous step function). */
function survivalAt(km: KaplanMeier, t: number): number {
  let s = 1;
  for (const p of km.points) {
    if (p.time > t) break;
    s = p.survival;
  }
  return s;
}

/**
 * The largest vertical distance between two Kaplan-Meier curves, over every time
 * either steps at while both still have MIN_CELL patients at risk (as the report
 * draws them: past that, one death moves a curve by a fifth).
 */
function largestKmGap(a: EvalPatient[], b: EvalPatient[]): number {
  const days = (ps: EvalPatient[]) => ps.map((p) => p.timeline.outcome.days);
  const km = (ps: EvalPatient[]) => kaplanMeier(days(ps), ps.map((p) => (p.timeline.outcome.status === 1 ? 1 : 0)));
  const ka = km(a);
  const kb = km(b);
  const atRisk = (ps: EvalPatient[], t: number) => days(ps).filter((d) => d >= t).length;
  const times = [...new Set([...ka.points, ...kb.points].map((p) => p.time))].filter((t) => atRisk(a, t) >= MIN_CELL && atRisk(b, t) >= MIN_CELL);
  return Math.max(0, ...times.map((t) => Math.abs(survivalAt(ka, t) - survivalAt(kb, t))));
}

/** Follow-up KS, KM gap and log-rank p of a sample against the training patients. */
function survivalFigures(trainPs: EvalPatient[], other: EvalPatient[]) {
  const sample = (ps: EvalPatient[]) => ({ days: ps.map((p) => p.timeline.outcome.days), status: ps.map((p) => (p.timeline.outcome.status === 1 ? 1 : 0)) });
  return {
    followUpKs: ksStatistic(sample(trainPs).days, sample(other).days),
    kmGap: largestKmGap(trainPs, other),
    logRankP: logRank(sample(trainPs), sample(other)).p,
  };
}

const db = openDatabase(dbPath);
try {
  const cohort = showCohort(db, cohortName);
  const trainPs = realPatients(db, cohort, 'train');
  if (what === 'baseline') {
    const holdout = realPatients(db, cohort, 'holdout');
    const gru = discriminativeScore(trainPs, holdout, cohort.encoding);
    process.stdout.write(JSON.stringify({ train: trainPs.length, holdout: holdout.length, gruAccuracy: gru.accuracy, ...survivalFigures(trainPs, holdout) }));
  } else {
    const trained = await train(db, { cohort: cohortName, family: what, seed, config: overrides });
    const generated = await generateSyntheticSet(db, { runId: trained.runId, patients: trainPs.length, seed });
    const report = await evaluate(db, generated.dataset);
    const synthetic = syntheticPatients(db, cohort, findSyntheticSet(db, generated.dataset).datasetId);
    const ks = report.metrics.filter((m) => m.name === 'Kolmogorov-Smirnov');
    const ksOf = (variable: string) => ks.find((m) => m.variable === variable)!;
    const values = ks.filter((m) => m.variable !== 'days between visits' && m.variable !== 'visits per patient');
    const worst = values.reduce((a, b) => (b.value > a.value ? b : a));
    const worstBaseline = values.reduce((a, b) => ((b.baseline ?? 0) > (a.baseline ?? 0) ? b : a));
    const h = report.headline;
    process.stdout.write(
      JSON.stringify({
        family: what,
        steps: trained.steps,
        trainSeconds: trained.seconds,
        backend: trained.backend.name,
        forest: { accuracy: h.detectors.forest.accuracy, baseline: h.detectors.forest.baselineAccuracy },
        gruAccuracy: h.detectors.gru.accuracy,
        gapsKs: { value: ksOf('days between visits').value, baseline: ksOf('days between visits').baseline },
        visitsKs: { value: ksOf('visits per patient').value, baseline: ksOf('visits per patient').baseline },
        valueKsMean: { value: values.reduce((s, m) => s + m.value, 0) / values.length, baseline: values.reduce((s, m) => s + (m.baseline ?? 0), 0) / values.length },
        valueKsWorst: { value: worst.value, variable: worst.variable, baseline: worstBaseline.baseline, baselineVariable: worstBaseline.variable },
        ...survivalFigures(trainPs, synthetic),
        cIndex: h.cIndex,
        mia: h.membershipInferenceAuc,
        dcrShare: h.dcrShare,
        exactCopies: report.metrics.find((m) => m.name === 'exact copies of training patients')!.value,
        topFeatures: report.detection.features.slice(0, 3).map((f) => `${f.feature} ${(f.importance * 100).toFixed(0)}%`),
      }),
    );
  }
} finally {
  db.close();
}
