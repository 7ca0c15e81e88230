// One cell of `npm run bench:quality`, in its own process: either the real-vs-real
// baseline of a cohort (holdout against train) or one model family trained with its
// default configuration, a synthetic set as large as the training split, and its
// evaluation. Prints the figures as JSON on stdout; asserts nothing.
import { showCohort } from '../../main/cohort/cohortService.js';
import { outcomeSample, realPatients, syntheticPatients, type EvalPatient } from '../../main/evaluation/data.js';
import { evaluate, findSyntheticSet } from '../../main/evaluation/evaluate.js';
import { augmentationUtility, discriminativeScore } from '../../main/evaluation/posthoc.js';
import { cohortAttributes, OUTCOME_STATUS } from '../../main/cohort/attributes.js';
import { MIN_CELL } from '../../main/common/disclosure.js';
import type { Encoding } from '../../main/sequence/encoding.js';
import { ksStatistic } from '../../main/evaluation/stats.js';
import { largestKmGap, logRank } from '../../main/evaluation/survivalCompare.js';
import { openDatabase } from '../../main/store/database.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { train } from '../../main/training/engine.js';
import { storedConfig, type Family } from '../../main/training/config.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';

const [dbPath, cohortName, what, seedArg, configArg] = process.argv.slice(2) as [string, string, Family | 'baseline', string, string];
const seed = Number(seedArg ?? 1);
const overrides = JSON.parse(configArg ?? '{}') as Record<string, unknown>;

/** The median time of a run's steps (ms), and its privacy (epsilon, sigma, rate) where it trained privately. */
function stepFigures(runId: number) {
  const repo = new TrainingRepository(db);
  const ms = repo.losses(runId).map((l) => l.ms).sort((a, b) => a - b);
  const privacy = storedConfig(repo.run(runId)!.configJson).config.privacy ?? null;
  return { msPerStep: ms[Math.floor(ms.length / 2)] ?? null, privacy };
}

/** Follow-up KS, KM gap and log-rank p of a sample against the training patients. */
function survivalFigures(trainPs: EvalPatient[], other: EvalPatient[]) {
  const sample = outcomeSample;
  return {
    followUpKs: ksStatistic(sample(trainPs).days, sample(other).days),
    kmGap: largestKmGap(sample(trainPs), sample(other)),
    logRankP: logRank(sample(trainPs), sample(other)).p,
  };
}

/**
 * The rarest subgroup (fewest training patients; outcome status aside) that a C-index can be read on:
 * 10+ holdout patients of it with 3+ events.
 */
function rareSubgroup(enc: Encoding, trainPs: EvalPatient[], holdout: EvalPatient[]) {
  const candidates = cohortAttributes(enc)
    .filter((a) => a.name !== OUTCOME_STATUS)
    .flatMap((a) => a.levels.map((level) => ({ attribute: a.name, level, train: trainPs.filter((p) => a.levelOf(p.timeline) === level), holdout: holdout.filter((p) => a.levelOf(p.timeline) === level) })))
    .filter((c) => c.train.length >= MIN_CELL && c.holdout.length >= 10 && c.holdout.filter((p) => p.timeline.outcome.status === 1).length >= 3);
  return candidates.sort((x, y) => x.train.length - y.train.length)[0] ?? null;
}

/**
 * Augmentation: as many synthetic patients of the rare subgroup as train has, generated under its
 * condition; the C-index on its holdout patients of a Cox model on real train, and on real train plus them.
 */
async function augmentation(runId: number, enc: Encoding, trainPs: EvalPatient[]) {
  const group = rareSubgroup(enc, trainPs, realPatients(db, showCohort(db, cohortName), 'holdout'));
  if (!group) return null;
  const events = group.holdout.filter((p) => p.timeline.outcome.status === 1).length;
  const about = { subgroup: `${group.attribute} = ${group.level}`, train: group.train.length, holdout: group.holdout.length, events };
  let set: Awaited<ReturnType<typeof generateSyntheticSet>>;
  try {
    set = await generateSyntheticSet(db, { runId, patients: group.train.length, seed, balance: { attribute: group.attribute, target: { [group.level]: 1 } } });
  } catch (err) {
    // A run that rarely drafts such patients (a private one at a small epsilon) is refused them: a figure of the run, not a failure of the benchmark.
    if ((err as { code?: string }).code === 'training-refused') return { ...about, refused: (err as Error).message };
    throw err;
  }
  const extra = syntheticPatients(db, showCohort(db, cohortName), findSyntheticSet(db, set.dataset).datasetId);
  return { ...about, ...augmentationUtility(trainPs, group.holdout, extra, enc) };
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
    // `from` (bench:quality --transfer): the run starts from that run's weights.
    const { from, ...config } = overrides as { from?: number };
    const trained = await train(db, { cohort: cohortName, family: what, seed, config, ...(from !== undefined ? { from } : {}) });
    const generated = await generateSyntheticSet(db, { runId: trained.runId, patients: trainPs.length, seed });
    const report = await evaluate(db, generated.dataset);
    const synthetic = syntheticPatients(db, cohort, findSyntheticSet(db, generated.dataset).datasetId);
    const ks = report.metrics.filter((m) => m.name === 'Kolmogorov-Smirnov');
    const ksOf = (variable: string) => ks.find((m) => m.variable === variable)!;
    const values = ks.filter((m) => m.variable !== 'days between visits' && m.variable !== 'visits per patient');
    const worst = values.reduce((a, b) => (b.value > a.value ? b : a));
    const worstBaseline = values.reduce((a, b) => ((b.baseline ?? 0) > (a.baseline ?? 0) ? b : a));
    const h = report.headline;
    const augmented = await augmentation(trained.runId, cohort.encoding, trainPs);
    process.stdout.write(
      JSON.stringify({
        family: what,
        from: from ?? null,
        train: trainPs.length,
        steps: trained.steps,
        trainSeconds: trained.seconds,
        ...stepFigures(trained.runId),
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
        worstSubgroup: h.worstSubgroup,
        augmentation: augmented,
      }),
    );
  }
} finally {
  db.close();
}
