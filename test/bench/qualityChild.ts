// One cell of `npm run bench:quality`, in its own process: either the real-vs-real
// baseline of a cohort (holdout against train) or one model family trained with its
// default configuration, a synthetic set as large as the training split, and its
// evaluation. Prints the figures as JSON on stdout; asserts nothing.
import { showCohort } from '../../main/cohort/cohortService.js';
import { outcomeSample, realPatients, syntheticPatients, type EvalPatient } from '../../main/evaluation/data.js';
import { evaluate, findSyntheticSet } from '../../main/evaluation/evaluate.js';
import { discriminativeScore } from '../../main/evaluation/posthoc.js';
import { ksStatistic } from '../../main/evaluation/stats.js';
import { largestKmGap, logRank } from '../../main/evaluation/survivalCompare.js';
import { openDatabase } from '../../main/store/database.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { train } from '../../main/training/engine.js';
import type { Family } from '../../main/training/config.js';

const [dbPath, cohortName, what, seedArg, configArg] = process.argv.slice(2) as [string, string, Family | 'baseline', string, string];
const seed = Number(seedArg ?? 1);
const overrides = JSON.parse(configArg ?? '{}') as Record<string, number>;

/** Follow-up KS, KM gap and log-rank p of a sample against the training patients. */
function survivalFigures(trainPs: EvalPatient[], other: EvalPatient[]) {
  const sample = outcomeSample;
  return {
    followUpKs: ksStatistic(sample(trainPs).days, sample(other).days),
    kmGap: largestKmGap(sample(trainPs), sample(other)),
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
