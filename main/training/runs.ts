import type { RunRowDto } from '../../preload/contract.js';
import type { Db } from '../store/database.js';
import { CohortRepository } from '../store/repositories/cohortRepository.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';

/** Every training run with its cohort's name@version. */
export function listRuns(db: Db) {
  const cohorts = new CohortRepository(db);
  return new TrainingRepository(db).runs().map((r) => {
    const c = cohorts.find(String(r.cohortId));
    return { ...r, cohort: c ? `${c.name}@${c.version}` : String(r.cohortId) };
  });
}

/** A run as the app shows it. */
export function runView(r: ReturnType<typeof listRuns>[number]): RunRowDto {
  return {
    id: r.id,
    cohort: r.cohort,
    family: r.family,
    status: r.status,
    step: r.step,
    totalSteps: r.totalSteps,
    backend: r.backend,
    device: r.device,
    backendReason: r.backendReason,
    error: r.error,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
