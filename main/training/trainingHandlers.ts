import type { Implementation, RunRowDto } from '../../preload/contract.js';
import type { Db } from '../store/database.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { showCohort } from '../cohort/cohortService.js';
import { parseTarget } from './balance.js';
import { conditionChoices } from './conditions.js';
import { generateSyntheticSet } from './generate.js';
import { listRuns } from './runs.js';
import { privateFactsPlan } from './runFacts.js';
import { warmStartPlan } from './startFrom.js';

/** The training slice of the contract answered from the store (runs themselves train in processes of their own: main/ipc/appHandlers.ts). */
export function trainingHandlers(db: Db) {
  return {
    listRuns: () => listRuns(db).map(runView),
    trainingLosses: (runId) => new TrainingRepository(db).losses(runId),
    generateSynthetic: (runId, patients, seed, condition, balance) =>
      generateSyntheticSet(db, {
        runId,
        patients,
        seed,
        ...(condition ? { condition } : {}),
        ...(balance ? { balance: { attribute: balance.attribute, ...(balance.target?.trim() ? { target: parseTarget(balance.target) } : {}) } } : {}),
      }),
    conditionChoices: (cohort) => conditionChoices(showCohort(db, cohort)),
    warmStartPlan: (from, cohort, family) => warmStartPlan(db, from, showCohort(db, cohort), family),
    privateFactsPlan: (cohort, family, epsilon, declared) => privateFactsPlan(db, showCohort(db, cohort), family, epsilon, declared),
  } satisfies Partial<Implementation>;
}

/** A run as the app shows it. */
function runView(r: ReturnType<typeof listRuns>[number]): RunRowDto {
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
    privacy: r.privacy,
    from: r.from,
  };
}
