import type { Db } from '../store/database.js';
import { CohortRepository } from '../store/repositories/cohortRepository.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { isAlive } from '../common/processAlive.js';
import { epsilonSpent } from '../privacy/rdpAccountant.js';
import { storedConfig } from './config.js';
import { accountedDelta, factsMechanisms } from './privacyConfig.js';

/** Said of a run whose training process ended without saying how (killed, crashed, power cut). */
export const VANISHED_RUN_MESSAGE = 'The training process ended unexpectedly (killed or crashed); resume from the last checkpoint.';

/**
 * Every training run with its cohort's name@version. A run still marked
 * running whose process is gone is marked failed first, so that no run
 * stays "running" forever after a kill.
 */
export function listRuns(db: Db) {
  const cohorts = new CohortRepository(db);
  const repo = new TrainingRepository(db);
  for (const r of repo.runs()) if (r.status === 'running' && (r.pid === null || !isAlive(r.pid))) repo.setStatus(r.id, 'failed', VANISHED_RUN_MESSAGE);
  return repo.runs().map((r) => {
    const c = cohorts.find(String(r.cohortId));
    const warm = storedConfig(r.configJson).config.warmStart;
    return { ...r, cohort: c ? `${c.name}@${c.version}` : String(r.cohortId), privacy: runPrivacy(r.configJson, r.step), from: warm ? { run: warm.from, cohort: warm.cohort, step: warm.step } : null };
  });
}

/** A private run's budget and the epsilon its steps so far have spent; null for a run without differential privacy. */
export function runPrivacy(configJson: string, step: number): { epsilon: number; delta: number; spent: number } | null {
  const dp = storedConfig(configJson).config.privacy;
  if (!dp) return null;
  return { epsilon: dp.epsilon, delta: dp.delta, spent: step > 0 ? epsilonSpent([...factsMechanisms(dp.facts), { q: dp.sampleRate, sigma: dp.sigma, steps: step }], accountedDelta(dp)) : 0 };
}
