import { showCohort } from '../cohort/cohortService.js';
import type { Db } from '../store/database.js';
import { SyntheticRepository, type SyntheticSetRow } from '../store/repositories/syntheticRepository.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { realPatients, syntheticPatients, type EvalPatient } from './data.js';
import { fidelity, type FidelityDetails } from './fidelity.js';
import { metric, type Metric } from './metric.js';
import { privacy, type PrivacyResult } from './privacy.js';
import { discriminativeScore, utility } from './posthoc.js';
import { selectBackend, type BackendName } from '../training/backend.js';
import { compareSurvival, type SurvivalComparison } from './survivalCompare.js';

export interface EvaluationReport {
  version: 1;
  generatedAt: string;
  cohort: { id: number; name: string; version: number; dataset: string };
  syntheticSet: { id: number; dataset: string; patients: number; seed: number; runId: number; checkpointStep: number; violations: Record<string, number> };
  run: { id: number; family: string; backend: string; device: string; steps: number } | null;
  /** Which patients every part used. */
  dataUse: { train: number; holdout: number; synthetic: number; note: string };
  /** The numbers people ask for first. */
  headline: {
    discriminativeScore: number;
    classifierAccuracy: number;
    predictive: { tstr: number; trtr: number };
    cIndex: { tstr: number; trtr: number };
    membershipInferenceAuc: number;
    dcrShare: number;
  };
  metrics: Metric[];
  verdicts: { pass: number; warn: number; fail: number; 'n/a': number };
  survival: SurvivalComparison;
  fidelity: FidelityDetails;
  privacy: PrivacyResult['details'];
}

export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

export function findSyntheticSet(db: Db, ref: string): SyntheticSetRow {
  const sets = new SyntheticRepository(db).list();
  const found = sets.find((s) => s.datasetName === ref) ?? sets.find((s) => String(s.id) === ref);
  if (!found) throw new EvaluationError(`No synthetic set "${ref}".${sets.length ? ` Sets: ${sets.map((s) => s.datasetName).join(', ')}.` : ' Generate one with: synthehr generate RUN --patients N'}`);
  return found;
}

/**
 * Fidelity, survival and privacy of a synthetic set against its cohort: the
 * training patients (what the model saw), with the holdout patients (what it
 * never saw) as the yardstick of how two real samples differ.
 */
export async function evaluate(db: Db, ref: string, options: { sensitive?: string; posthocSteps?: number; backend?: BackendName | 'auto' } = {}): Promise<EvaluationReport> {
  await selectBackend(options.backend ?? 'auto');
  const set = findSyntheticSet(db, ref);
  const cohort = showCohort(db, String(set.cohortId));
  const train = realPatients(db, cohort, 'train');
  const holdout = realPatients(db, cohort, 'holdout');
  const synthetic = syntheticPatients(db, cohort, set.datasetId);
  if (holdout.length < 5) throw new EvaluationError(`Cohort ${cohort.name}@${cohort.version} has ${holdout.length} holdout patients; evaluation needs at least 5 (raise split.holdout).`);
  const fid = fidelity(train, holdout, synthetic, cohort.encoding);
  const surv = survival(train, synthetic);
  const priv = privacy(train, holdout, synthetic, cohort.encoding, options.sensitive);
  const detection = discriminativeScore(train, synthetic, cohort.encoding, { steps: options.posthocSteps });
  const use = utility(train, holdout, synthetic, cohort.encoding, { steps: options.posthocSteps });
  const survivalData = `train (${train.length}) vs synthetic (${synthetic.length})`;
  const metrics: Metric[] = [
    ...fid.metrics,
    metric({ group: 'survival', name: 'log-rank test p-value', value: surv.logRank.p, threshold: { pass: 0.05, warn: 0.01, better: 'higher' }, data: survivalData }),
    metric({
      group: 'survival',
      name: 'restricted mean survival time, relative difference',
      value: Math.abs(surv.rmstDifference) / Math.max(1e-9, surv.real.rmst),
      threshold: { pass: 0.1, warn: 0.2, better: 'lower' },
      data: `${survivalData}, up to day ${Math.round(surv.tau)}`,
    }),
    metric({ group: 'survival', name: 'censoring rate difference', value: Math.abs(surv.synthetic.censoringRate - surv.real.censoringRate), threshold: { pass: 0.05, warn: 0.1, better: 'lower' }, data: survivalData }),
    ...priv.metrics,
    detection.metric,
    ...use.metrics,
  ];
  const run = new TrainingRepository(db).run(set.runId);
  const verdicts = { pass: 0, warn: 0, fail: 0, 'n/a': 0 };
  for (const m of metrics) verdicts[m.verdict]++;
  return {
    version: 1,
    generatedAt: new Date().toISOString(),
    cohort: { id: cohort.id, name: cohort.name, version: cohort.version, dataset: cohort.dataset },
    syntheticSet: { id: set.id, dataset: set.datasetName, patients: set.patients, seed: set.seed, runId: set.runId, checkpointStep: set.checkpointStep, violations: JSON.parse(set.violationsJson) as Record<string, number> },
    run: run ? { id: run.id, family: run.family, backend: run.backend, device: run.device, steps: run.step } : null,
    dataUse: {
      train: train.length,
      holdout: holdout.length,
      synthetic: synthetic.length,
      note: 'The model was trained on the train split only. Fidelity, survival and detection compare synthetic with train; holdout vs train is the baseline of two real samples. Utility fits on synthetic or on train and tests on holdout. Privacy measures how much closer synthetic patients are to train patients than unseen holdout patients are.',
    },
    headline: {
      discriminativeScore: detection.metric.value,
      classifierAccuracy: detection.accuracy,
      predictive: use.predictive,
      cIndex: use.cIndex,
      membershipInferenceAuc: priv.metrics.find((m) => m.name.startsWith('membership inference'))!.value,
      dcrShare: priv.metrics.find((m) => m.name.startsWith('DCR: share'))!.value,
    },
    metrics,
    verdicts,
    survival: surv,
    fidelity: fid.details,
    privacy: priv.details,
  };
}

function survival(train: EvalPatient[], synthetic: EvalPatient[]): SurvivalComparison {
  const sample = (ps: EvalPatient[]) => ({ days: ps.map((p) => p.timeline.outcome.days), status: ps.map((p) => (p.timeline.outcome.status === 1 ? 1 : 0)) });
  return compareSurvival(sample(train), sample(synthetic));
}
