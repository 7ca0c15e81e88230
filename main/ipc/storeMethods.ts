import type { z } from 'zod';
import type { Contract, Events } from '../../preload/contract.js';
import { cohortRowView, cohortView, previewView } from '../cohort/cohortView.js';
import { createCohort, listCohorts, showCohort } from '../cohort/cohortService.js';
import { listDatasets, summarizeDataset } from '../ingest/datasetSummary.js';
import { patientTimeline } from '../ingest/patientTimeline.js';
import { previewEncoding } from '../sequence/preview.js';
import { dirname, join } from 'node:path';
import { evaluate } from '../evaluation/evaluate.js';
import { writeReport } from '../evaluation/report.js';
import { evaluationView } from '../evaluation/view.js';
import type { Db } from '../store/database.js';
import { SyntheticRepository } from '../store/repositories/syntheticRepository.js';
import { CohortSequenceRepository } from '../store/repositories/cohortSequenceRepository.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { generateSyntheticSet } from '../training/generate.js';
import { listRuns, runView } from '../training/runs.js';

/** Contract methods answered from the store (the import and training runs have processes of their own). */
export type StoreMethod = Exclude<keyof Contract, 'importFromMapping' | 'pickImportFiles' | 'importWithMapping' | 'cancelImport' | 'startTraining' | 'resumeTraining' | 'cancelTraining'>;
export type StoreEvent = keyof Events;
export type Emit = <E extends StoreEvent>(event: E, payload: z.output<Events[E]['payload']>) => void;

type Implementation = {
  [K in StoreMethod]: (...args: z.output<Contract[K]['args']>) => z.output<Contract[K]['result']> | Promise<z.output<Contract[K]['result']>>;
};

/**
 * The contract implemented against one store connection, in plain Node: run in
 * the app's store utility process, and by the renderer tests' bridge.
 */
export function storeMethods(db: Db, emit: Emit, reportsDir = join(dirname(db.name), 'reports')) {
  return {
    listDatasets: () => listDatasets(db),
    inspectDataset: (nameOrId) => summarizeDataset(db, nameOrId),
    listCohorts: () => listCohorts(db).map(cohortRowView),
    patientTimeline: (dataset, key) => patientTimeline(db, dataset, key),
    createCohort: (definition) => cohortView(createCohort(db, definition, (stage) => emit('cohortProgress', { name: definition.name, stage }))),
    showCohort: (ref) => cohortView(showCohort(db, ref)),
    previewEncoding: (ref, patient, timesteps) => previewView(previewEncoding(db, showCohort(db, ref).id, patient, timesteps)),
    cohortPatients: (ref) => new CohortSequenceRepository(db).members(showCohort(db, ref).id).map((m) => ({ key: m.sourceKey, split: m.split, days: m.outcomeDays, status: m.status })),
    listRuns: () => listRuns(db).map(runView),
    trainingLosses: (runId) => new TrainingRepository(db).losses(runId),
    generateSynthetic: (runId, patients, seed) => generateSyntheticSet(db, { runId, patients, seed }),
    evaluate: async (set, sensitive) => {
      const report = await evaluate(db, set, { sensitive });
      return evaluationView(report, writeReport(report, reportsDir));
    },
    listSyntheticSets: () => new SyntheticRepository(db).list().map((s) => ({ id: s.id, dataset: s.datasetName, runId: s.runId, patients: s.patients, createdAt: s.createdAt })),
  } satisfies Implementation;
}
