import { showCohort } from '../cohort/cohortService.js';
import type { Db } from '../store/database.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { outcomeSample, realPatients, syntheticPatients, type EvalPatient } from './data.js';
import { fidelity, type FidelityDetails } from './fidelity.js';
import { metric, type Metric } from './metric.js';
import { privacy, type ClosestRow, type PrivacyResult } from './privacy.js';
import { MIN_CELL } from './binning.js';
import { coxEffects, type CoxEffect } from './coxEffects.js';
import { eventRates, type EventRate } from './eventRates.js';
import { stratifiable, stratumField, stratumSurvival, type StratumSurvival } from './stratumSurvival.js';
import { subgroupReport, type SubgroupReport } from './subgroups.js';
import { trajectories, type Trajectory } from './trajectories.js';
import { discriminativeScore, utility } from './posthoc.js';
import { selectBackend, type BackendName } from '../training/backend.js';
import { compareSurvival, type SurvivalComparison } from './survivalCompare.js';
import { shareVerdict, type ShareVerdict } from './verdict.js';
import { summaryDetection, type FeatureImportance } from './summaryDetection.js';
import { EvaluationError, findSyntheticSet } from './syntheticSet.js';
import { meets, parseCondition } from '../training/conditions.js';
import type { SetCondition } from '../training/setCondition.js';
import type { SetBalance } from '../training/balance.js';
import { cohortAttributes } from '../cohort/attributes.js';
import type { Encoding } from '../sequence/encoding.js';
import { evaluationInputs, storedEvaluation, storeEvaluation, type EvaluationRecord } from './storedEvaluation.js';

export interface EvaluationReport {
  version: 1;
  generatedAt: string;
  /** The one line a steward acts on (fit / caution / unfit), with the rule it follows. */
  verdict: ShareVerdict;
  cohort: { id: number; name: string; version: number; dataset: string };
  syntheticSet: { id: number; dataset: string; patients: number; seed: number; runId: number; checkpointStep: number; violations: Record<string, number> };
  run: { id: number; family: string; backend: string; device: string; steps: number } | null;
  /** Which patients every part used. */
  dataUse: { train: number; holdout: number; synthetic: number; note: string };
  /**
   * A set generated under a condition: what it asked, the share of the set that meets it, and how the
   * model was told it; the set is then judged against the real patients who meet it. Null: the whole cohort.
   */
  condition: {
    text: string;
    met: number;
    modelled: string[];
    acceptance: number;
    /** A set balanced on an attribute: each level's target share and its share of the set. */
    balance?: { attribute: string; levels: { level: string; target: number; achieved: number }[]; omitted: string[] };
  } | null;
  /** The numbers people ask for first. */
  headline: {
    /** The worse of the two detectors, |accuracy - 0.5| (0: chance, 0.5: always told apart). */
    discriminativeScore: number;
    /** The accuracy of that worse detector. */
    classifierAccuracy: number;
    /** Which detector the headline comes from. */
    detector: DetectorName;
    /** Both detectors on the same scale: score = |accuracy - 0.5|. */
    detectors: {
      gru: { score: number; accuracy: number };
      forest: { score: number; accuracy: number; auc: number; baselineAccuracy: number; grouped: number };
    };
    predictive: { tstr: number; trtr: number };
    cIndex: { tstr: number; trtr: number };
    membershipInferenceAuc: number;
    dcrShare: number;
    /** The subgroup (an attribute's level) and measure furthest past its pass line, with the holdout's figure beside it. */
    worstSubgroup: SubgroupReport['worst'];
  };
  metrics: Metric[];
  /**
   * The set judged subgroup by subgroup (categorical statics, age band at index, outcome status):
   * share, survival, values and C-index of each. Kept apart from `metrics` and the verdict's counts.
   */
  subgroups: SubgroupReport;
  /** The summary features that give the set away: aggregate shares of the forest's Gini decrease, top 10. */
  detection: { features: FeatureImportance[] };
  verdicts: { pass: number; warn: number; fail: number; 'n/a': number };
  survival: SurvivalComparison;
  fidelity: FidelityDetails;
  /** What clinicians check first: event rates, covariate effects, survival by a stratum, lab trajectories. */
  clinical: {
    eventRates: EventRate[];
    coxEffects: CoxEffect[];
    survivalByStratum: StratumSurvival | null;
    /** The categorical statics survival can be stratified by (the `stratum` option). */
    stratumChoices: string[];
    trajectories: Trajectory[];
  };
  privacy: PrivacyResult['details'];
  /** How the file keeps real patients out: aggregates only, small cells suppressed. */
  disclosure: { minimumCell: number; note: string };
}

export type DetectorName = 'GRU classifier' | 'summary-feature random forest';

export interface EvaluateOptions {
  sensitive?: string;
  /** A categorical static to draw survival by (default: the first one with 2 to 8 levels). */
  stratum?: string;
  posthocSteps?: number;
  backend?: BackendName | 'auto';
}

export { EvaluationError, findSyntheticSet } from './syntheticSet.js';

/** A balanced set's levels: the target share of each beside its share of the set's patients. */
function achievedBalance(b: SetBalance, synthetic: EvalPatient[], enc: Encoding): NonNullable<NonNullable<EvaluationReport['condition']>['balance']> {
  const attribute = cohortAttributes(enc).find((a) => a.name === b.attribute);
  const share = (level: string) => (attribute ? synthetic.filter((p) => attribute.levelOf(p.timeline) === level).length / Math.max(1, synthetic.length) : NaN);
  return { attribute: b.attribute, levels: b.levels.map((l) => ({ level: l.level, target: l.target, achieved: share(l.level) })), omitted: b.omitted };
}

/**
 * Fidelity, survival and privacy of a synthetic set against its cohort: the
 * training patients (what the model saw), with the holdout patients (what it
 * never saw) as the yardstick of how two real samples differ. The report is
 * stored (storedEvaluation.ts) for the export's gate to reuse.
 */
export async function evaluate(db: Db, ref: string, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  return (await evaluateForSteward(db, ref, options)).report;
}

/**
 * The stored report of the set made with these options by this evaluation
 * version (`reused`), else a new evaluation, stored. What an export's gate acts on.
 */
export async function evaluateOrReuse(db: Db, ref: string, options: EvaluateOptions = {}): Promise<{ report: EvaluationReport; evaluation: EvaluationRecord; reused: boolean }> {
  const set = findSyntheticSet(db, ref);
  const stored = storedEvaluation(db, set.id, evaluationInputs(showCohort(db, String(set.cohortId)).encoding, options));
  if (stored) return { ...stored, reused: true };
  const { report, evaluation } = await evaluateForSteward(db, ref, options);
  return { report, evaluation, reused: false };
}

/**
 * The evaluation, stored, and beside it what only the data steward sees in the
 * app: the training patients closest to a synthetic one (by internal row
 * number). That list is never part of the report, so never of a file or the store.
 */
export async function evaluateForSteward(db: Db, ref: string, options: EvaluateOptions = {}): Promise<{ report: EvaluationReport; closest: ClosestRow[]; evaluation: EvaluationRecord }> {
  await selectBackend(options.backend ?? 'auto');
  const set = findSyntheticSet(db, ref);
  const cohort = showCohort(db, String(set.cohortId));
  const asked = set.conditionJson ? (JSON.parse(set.conditionJson) as SetCondition) : null;
  // A set of patients who meet a condition is judged against the real patients who meet it.
  const parsed = asked ? parseCondition(asked.request, cohort.encoding, cohort.definition) : null;
  const condition = parsed && parsed.clauses.length ? parsed : null;
  const among = (ps: EvalPatient[]) => (condition ? ps.filter((p) => meets(condition, p.timeline)) : ps);
  const train = among(realPatients(db, cohort, 'train'));
  const holdout = among(realPatients(db, cohort, 'holdout'));
  const synthetic = syntheticPatients(db, cohort, set.datasetId);
  if (holdout.length < 5) {
    const who = condition ? `fewer than 5 holdout patients who meet ${condition.text}` : `${holdout.length} holdout patients`;
    throw new EvaluationError(`Cohort ${cohort.name}@${cohort.version} has ${who}; evaluation needs at least 5 (${condition ? 'loosen the condition' : 'raise split.holdout'}).`);
  }
  const met = condition ? synthetic.filter((p) => meets(condition, p.timeline)).length / Math.max(1, synthetic.length) : null;
  const balance = asked?.balance ? achievedBalance(asked.balance, synthetic, cohort.encoding) : null;
  const stratum = stratumField(cohort.encoding, options.stratum);
  if (options.stratum !== undefined && !stratum) {
    const names = stratifiable(cohort.encoding).map((f) => f.name);
    throw new EvaluationError(`No categorical static "${options.stratum}" with 2 to 8 levels to stratify survival by.${names.length ? ` Choose one of: ${names.join(', ')}.` : ''}`);
  }
  const fid = fidelity(train, holdout, synthetic, cohort.encoding);
  const rates = eventRates(train, holdout, synthetic, [...cohort.definition.outcome.events, ...cohort.definition.outcome.competing]);
  const traj = trajectories(train, holdout, synthetic, cohort.encoding);
  const effects = coxEffects(train, holdout, synthetic, cohort.encoding);
  const byStratum = stratum ? stratumSurvival(train, holdout, synthetic, stratum) : null;
  const surv = survival(train, synthetic);
  const priv = privacy(train, holdout, synthetic, cohort.encoding, options.sensitive);
  const detection = discriminativeScore(train, synthetic, cohort.encoding, { steps: options.posthocSteps });
  // The forest groups near-copies by the nearest training patients privacy found.
  const forest = summaryDetection(train, holdout, synthetic, cohort.encoding, { toTrain: priv.toTrain });
  // The headline detection is the worse of the two detectors, both as |accuracy - 0.5|.
  const forestWorse = forest.metric.value > detection.metric.value;
  const use = utility(train, holdout, synthetic, cohort.encoding, { steps: options.posthocSteps });
  const groups = subgroupReport(train, holdout, synthetic, cohort.encoding, use.holdoutRisks, asked?.balance?.attribute, forest.correct);
  const survivalData = `train (${train.length}) vs synthetic (${synthetic.length})`;
  const metrics: Metric[] = [
    ...(condition && met !== null
      ? [metric({ group: 'fidelity', name: 'share meeting the condition', variable: condition.text, value: met, threshold: { pass: 1, warn: 0.99, better: 'higher' }, data: `synthetic (${synthetic.length})` })]
      : []),
    ...(balance
      ? [
          metric({
            group: 'fidelity',
            name: 'balance: largest gap between target and achieved share',
            variable: balance.attribute,
            value: Math.max(...balance.levels.map((l) => Math.abs(l.achieved - l.target))),
            threshold: { pass: 0.01, warn: 0.05, better: 'lower' },
            data: `synthetic (${synthetic.length})`,
          }),
        ]
      : []),
    ...fid.metrics,
    ...rates.metrics,
    ...traj.metrics,
    metric({ group: 'survival', name: 'log-rank test p-value', value: surv.logRank.p, threshold: { pass: 0.05, warn: 0.01, better: 'higher' }, data: survivalData }),
    metric({
      group: 'survival',
      name: 'restricted mean survival time, relative difference',
      value: Math.abs(surv.rmstDifference) / Math.max(1e-9, surv.real.rmst),
      threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
      data: `${survivalData}, up to day ${Math.round(surv.tau)}`,
    }),
    metric({ group: 'survival', name: 'censoring rate difference', value: Math.abs(surv.synthetic.censoringRate - surv.real.censoringRate), threshold: { pass: 0.05, warn: 0.1, better: 'lower' }, data: survivalData }),
    ...effects.metrics,
    ...(byStratum?.metrics ?? []),
    ...priv.metrics,
    detection.metric,
    forest.metric,
    ...use.metrics,
  ];
  const run = new TrainingRepository(db).run(set.runId);
  const verdicts = { pass: 0, warn: 0, fail: 0, 'n/a': 0 };
  for (const m of metrics) verdicts[m.verdict]++;
  const report: EvaluationReport = {
    version: 1,
    generatedAt: new Date().toISOString(),
    verdict: shareVerdict({ metrics, syntheticSet: { patients: synthetic.length } }),
    cohort: { id: cohort.id, name: cohort.name, version: cohort.version, dataset: cohort.dataset },
    syntheticSet: { id: set.id, dataset: set.datasetName, patients: set.patients, seed: set.seed, runId: set.runId, checkpointStep: set.checkpointStep, violations: JSON.parse(set.violationsJson) as Record<string, number> },
    run: run ? { id: run.id, family: run.family, backend: run.backend, device: run.device, steps: run.step } : null,
    condition: asked ? { text: condition?.text ?? '', met: met ?? 1, modelled: asked.modelled, acceptance: asked.accepted / Math.max(1, asked.drafts), ...(balance ? { balance } : {}) } : null,
    dataUse: {
      train: train.length,
      holdout: holdout.length,
      synthetic: synthetic.length,
      note: `${condition ? `Every part compares with the real patients who meet ${condition.text} (train and holdout alike). ` : ''}The model was trained on the train split only. Fidelity, survival and detection compare synthetic with train (the headline detection is the worse of a GRU classifier and a random forest on per-patient summaries); holdout vs train is the baseline of two real samples. Utility fits on synthetic or on train and tests on holdout. Privacy measures how much closer synthetic patients are to train patients than unseen holdout patients are.`,
    },
    headline: {
      discriminativeScore: forestWorse ? forest.metric.value : detection.metric.value,
      classifierAccuracy: forestWorse ? forest.accuracy : detection.accuracy,
      detector: forestWorse ? 'summary-feature random forest' : 'GRU classifier',
      detectors: {
        gru: { score: detection.metric.value, accuracy: detection.accuracy },
        forest: { score: forest.metric.value, accuracy: forest.accuracy, auc: forest.auc, baselineAccuracy: forest.baseline.accuracy, grouped: forest.grouped },
      },
      predictive: use.predictive,
      cIndex: use.cIndex,
      membershipInferenceAuc: priv.metrics.find((m) => m.name.startsWith('membership inference'))!.value,
      dcrShare: priv.metrics.find((m) => m.name.startsWith('DCR: share'))!.value,
      worstSubgroup: groups.worst,
    },
    metrics,
    subgroups: groups,
    detection: { features: forest.features },
    verdicts,
    survival: surv,
    fidelity: fid.details,
    clinical: { eventRates: rates.rates, coxEffects: effects.effects, survivalByStratum: byStratum?.survival ?? null, stratumChoices: stratifiable(cohort.encoding).map((f) => f.name), trajectories: traj.trajectories },
    privacy: priv.details,
    disclosure: {
      minimumCell: MIN_CELL,
      note: `Aggregates only: distributions are counts on round bin edges, survival curves are read on a grid of round times while ${MIN_CELL}+ patients are at risk, trajectories show quartiles only for years with ${MIN_CELL}+ patients, and counts of 1 to ${MIN_CELL - 1} real patients or values are suppressed. No patient identifier or closest-patient list is included.`,
    },
  };
  return { report, closest: priv.closest, evaluation: storeEvaluation(db, report, evaluationInputs(cohort.encoding, options)) };
}

function survival(train: EvalPatient[], synthetic: EvalPatient[]): SurvivalComparison {
  const sample = outcomeSample;
  return compareSurvival(sample(train), sample(synthetic));
}
