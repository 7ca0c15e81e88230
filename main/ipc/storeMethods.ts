import type { z } from 'zod';
import type { Contract, Events } from '../../preload/contract.js';
import { cohortRowView, cohortView, previewView } from '../cohort/cohortView.js';
import { createCohort, listCohorts, showCohort } from '../cohort/cohortService.js';
import { listDatasets, summarizeDataset } from '../ingest/datasetSummary.js';
import { patientTimeline } from '../ingest/patientTimeline.js';
import { previewEncoding } from '../sequence/preview.js';
import { dirname, join } from 'node:path';
import { evaluateForSteward } from '../evaluation/evaluate.js';
import { writeReport } from '../evaluation/report.js';
import { evaluationView } from '../evaluation/view.js';
import type { Db } from '../store/database.js';
import { SyntheticRepository } from '../store/repositories/syntheticRepository.js';
import { ReviewRepository } from '../store/repositories/reviewRepository.js';
import { createReviewSession, type ReviewCase } from '../review/session.js';
import { reviewResults } from '../review/results.js';
import { exportSyntheticSet } from '../export/exportSet.js';
import { CohortSequenceRepository } from '../store/repositories/cohortSequenceRepository.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { generateSyntheticSet } from '../training/generate.js';
import { listRuns, runView } from '../training/runs.js';

/** Contract methods answered from the store (the import and training runs have processes of their own). */
export type StoreMethod = Exclude<keyof Contract, 'importFromMapping' | 'pickImportFiles' | 'importWithMapping' | 'cancelImport' | 'exportSynthetic' | 'startTraining' | 'resumeTraining' | 'cancelTraining'>;
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
    evaluate: async (set, sensitive, stratum) => {
      const { report, closest } = await evaluateForSteward(db, set, { sensitive, stratum });
      return evaluationView(report, writeReport(report, reportsDir), closest);
    },
    createReviewSession: (set, cases) => createReviewSession(db, { set, cases }),
    listReviewSessions: () => new ReviewRepository(db).list(),
    reviewCases: (session, reviewer) => {
      const repo = new ReviewRepository(db);
      return {
        cases: repo.cases(session).map((c) => JSON.parse(c.caseJson) as ReviewCase),
        answered: repo.answers(session).filter((a) => a.reviewer === reviewer).map((a) => a.position),
      };
    },
    answerReviewCase: (session, reviewer, position, answer, confidence, flags) => {
      const repo = new ReviewRepository(db);
      repo.answer(session, [{ position, reviewer, answer, confidence, flags }]);
      return { answered: repo.answers(session).filter((a) => a.reviewer === reviewer).length, total: repo.cases(session).length };
    },
    reviewResults: (session) => {
      const r = reviewResults(db, String(session));
      const finite = (s: typeof r.pooled) => ({ ...s, accuracy: Number.isFinite(s.accuracy) ? s.accuracy : null, sensitivity: Number.isFinite(s.sensitivity) ? s.sensitivity : null, specificity: Number.isFinite(s.specificity) ? s.specificity : null });
      return { ...r, reviewers: r.reviewers.map(finite), pooled: finite(r.pooled) };
    },
    listSyntheticSets: () => new SyntheticRepository(db).list().map((s) => ({ id: s.id, dataset: s.datasetName, runId: s.runId, patients: s.patients, createdAt: s.createdAt })),
  } satisfies Implementation;
}

/**
 * Store-process work that main asks for on the renderer's behalf, with
 * arguments only main may supply (a folder chosen in its dialog): not in the
 * contract, so the renderer cannot call it.
 */
export function internalStoreMethods(db: Db) {
  return {
    exportTo: async (set: string, format: 'csv' | 'fhir' | 'omop', directory: string, reason?: string) => {
      const r = await exportSyntheticSet(db, { set, format, directory, overrideReason: reason });
      return { directory: r.directory, files: r.files.map((f) => ({ name: f.name, rows: f.rows })), gate: r.gate, verdict: r.gate.verdict.line, overrideReason: r.overrideReason, dataCard: r.dataCard.markdown };
    },
  };
}
export type InternalStoreMethod = keyof ReturnType<typeof internalStoreMethods>;
