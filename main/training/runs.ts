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
