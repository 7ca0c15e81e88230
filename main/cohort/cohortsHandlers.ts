import type { CohortRowDto, CohortViewDto, EncodingPreviewDto, Emit, Implementation } from '../../preload/contract.js';
import { describeTransforms } from '../sequence/describeEncoding.js';
import { previewEncoding, type EncodingPreview } from '../sequence/preview.js';
import type { Db } from '../store/database.js';
import { CohortSequenceRepository } from '../store/repositories/cohortSequenceRepository.js';
import type { CohortRow } from '../store/repositories/cohortRepository.js';
import { createCohort, listCohorts, showCohort, type CohortReport } from './cohortService.js';

/** The cohorts slice of the contract, answered from the store. */
export function cohortsHandlers(db: Db, emit: Emit) {
  return {
    listCohorts: () => listCohorts(db).map(cohortRowView),
    createCohort: (definition) => cohortView(createCohort(db, definition, (stage) => emit('cohortProgress', { name: definition.name, stage }))),
    showCohort: (ref) => cohortView(showCohort(db, ref)),
    previewEncoding: (ref, patient, timesteps) => previewView(previewEncoding(db, showCohort(db, ref).id, patient, timesteps)),
    cohortPatients: (ref) =>
      new CohortSequenceRepository(db).members(showCohort(db, ref).id).map((m) => ({ key: m.sourceKey, split: m.split, days: m.outcomeDays, status: m.status })),
  } satisfies Partial<Implementation>;
}

/* What the app receives: the report without the raw fitted encoding, which stays in main. */

function cohortView(r: CohortReport): CohortViewDto {
  const { encoding, ...rest } = r;
  return { ...rest, transforms: describeTransforms(encoding) };
}

function cohortRowView(c: CohortRow): CohortRowDto {
  return { id: c.id, name: c.name, version: c.version, dataset: c.datasetName, patients: c.patients, train: c.train, holdout: c.holdout, createdAt: c.createdAt };
}

function previewView(p: EncodingPreview): EncodingPreviewDto {
  const { encoding: enc, ...rest } = p;
  return {
    ...rest,
    settings: { mode: enc.mode, binDays: enc.binDays, carryForward: enc.carryForward, maxLength: enc.maxLength },
    measurements: enc.measurements.map((m) => ({ name: m.name, kind: m.kind, unit: m.unit })),
  };
}
