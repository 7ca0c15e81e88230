import type { CohortRowDto, CohortViewDto, EncodingPreviewDto } from '../../preload/contract.js';
import { describeTransforms } from '../sequence/describeEncoding.js';
import type { EncodingPreview } from '../sequence/preview.js';
import type { CohortRow } from '../store/repositories/cohortRepository.js';
import type { CohortReport } from './cohortService.js';

/* What the app receives: the report without the raw fitted encoding, which stays in main. */

export function cohortView(r: CohortReport): CohortViewDto {
  const { encoding, ...rest } = r;
  return { ...rest, transforms: describeTransforms(encoding) };
}

export function cohortRowView(c: CohortRow): CohortRowDto {
  return { id: c.id, name: c.name, version: c.version, dataset: c.datasetName, patients: c.patients, train: c.train, holdout: c.holdout, createdAt: c.createdAt };
}

export function previewView(p: EncodingPreview): EncodingPreviewDto {
  const { encoding: enc, ...rest } = p;
  return {
    ...rest,
    settings: { mode: enc.mode, binDays: enc.binDays, carryForward: enc.carryForward, maxLength: enc.maxLength },
    measurements: enc.measurements.map((m) => ({ name: m.name, kind: m.kind, unit: m.unit })),
  };
}
