import { createCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import { realPatients, type EvalPatient } from '../../main/evaluation/data.js';
import type { Db } from '../../main/store/database.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { cohortDefinition } from './cohorts.js';
import { freshStore, importWorkedExample } from './store.js';

/** A fresh store with Steno-2, its death cohort, a short VAE run and a 40-patient synthetic set from it. */
export async function steno2WithSyntheticSet(): Promise<{ db: Db; set: string }> {
  const { db } = freshStore();
  await importWorkedExample(db, 'steno2');
  createCohort(db, cohortDefinition('steno2-death'));
  const run = await train(db, { cohort: 'steno2_death', family: 'vae', config: { hidden: 8, steps: 30, batchSize: 32 } });
  return { db, set: (await generateSyntheticSet(db, { runId: run.runId, patients: 40 })).dataset };
}

/**
 * The ICU death cohort with a 40% holdout split in two halves: two independent
 * real samples, what a perfect generator would give against the training patients.
 */
export async function icuRealSamples(): Promise<{ db: Db; cohort: CohortReport; trainSet: EvalPatient[]; holdoutA: EvalPatient[]; holdoutB: EvalPatient[] }> {
  const { db } = freshStore();
  await importWorkedExample(db, 'icu');
  const cohort = createCohort(db, cohortDefinition('icu-death', { split: { holdout: 0.4, seed: 3 } }));
  const holdout = realPatients(db, cohort, 'holdout');
  return {
    db,
    cohort,
    trainSet: realPatients(db, cohort, 'train'),
    holdoutA: holdout.filter((_, i) => i % 2 === 0),
    holdoutB: holdout.filter((_, i) => i % 2 === 1),
  };
}
