import type { CohortDefinition, TimestepOverrides } from '../../preload/cohortDefinition.js';
import { CohortDefinitionError, UserError, type ErrorCode } from '../common/errors.js';
import type { Db } from '../store/database.js';
import { CohortRepository } from '../store/repositories/cohortRepository.js';
import { DatasetRepository } from '../store/repositories/datasetRepository.js';
import { channelNames } from './channels.js';
import { decodePatient } from './decode.js';
import { encodePatient, gridOptionsOf } from './encode.js';
import type { Encoding } from './encoding.js';
import { fitEncoding } from './fitEncoding.js';
import { stepsOf } from './steps.js';
import { iterateTimelines, type PatientTimeline, type StoredValue } from './timeline.js';

export interface PreviewStep {
  step: number;
  /** Days from the index date. */
  relTime: number;
  /** Absolute store time (days). */
  time: number;
  values: Record<string, string | number | null>;
  events: string[];
  encoded: number[];
}

export interface EncodingPreview {
  cohort: { id: number; name: string; version: number };
  patient: { id: number; sourceKey: string; split: 'train' | 'holdout' };
  timeBasis: 'calendar' | 'relative';
  indexTime: number;
  encoding: Encoding;
  channels: ReturnType<typeof channelNames>;
  statics: { name: string; kind: string; unit: string | null; value: string | number | null }[];
  staticsEncoded: number[];
  steps: PreviewStep[];
  /** Steps beyond maxLength, not encoded. */
  droppedSteps: number;
  outcome: { days: number; status: 0 | 1 | 2; eventType: string | null; encoded: number[] };
  /** Decoding the encoded patient gives back its timeline (irregular: exactly; grid: to the bin). */
  roundTrip: boolean;
}

export class PatientNotInCohortError extends UserError {
  readonly code: ErrorCode = 'patient-not-in-cohort';
  constructor(sourceKey: string, cohort: string) {
    super(`Patient "${sourceKey}" is not in cohort "${cohort}" (wrong id, or removed by a criterion: see "synthehr cohort show ${cohort}").`);
    this.name = 'PatientNotInCohortError';
  }
}

/**
 * One patient of a stored cohort, encoded with the cohort's transforms or,
 * when timestep settings are overridden, with transforms fitted afresh on the
 * cohort for those settings (nothing is stored).
 */
export function previewEncoding(db: Db, cohortId: number, sourceKey: string, timesteps?: TimestepOverrides): EncodingPreview {
  const repo = new CohortRepository(db);
  const row = repo.find(String(cohortId));
  if (!row) throw new Error(`No cohort with id ${cohortId}.`);
  const def = JSON.parse(row.definitionJson) as CohortDefinition;
  const patientId = repo.memberBySourceKey(cohortId, sourceKey);
  if (patientId === undefined) throw new PatientNotInCohortError(sourceKey, `${row.name}@${row.version}`);
  const datasets = new DatasetRepository(db);
  const dataset = datasets.find(String(row.datasetId))!;
  let enc = JSON.parse(row.encodingJson) as Encoding;
  if (timesteps && Object.keys(timesteps).length) {
    const ts = { ...def.timesteps, ...timesteps };
    if (ts.mode === 'grid' && ts.binDays === undefined) throw new CohortDefinitionError('grid mode needs a bin width (--bin DAYS).');
    if (timesteps.mode && timesteps.mode !== def.timesteps.mode && timesteps.maxLength === undefined) delete ts.maxLength;
    enc = fitEncoding({
      def,
      variables: datasets.variables(row.datasetId),
      timeBasis: dataset.timeBasis,
      timelines: () => iterateTimelines(db, { cohortId, fromDays: def.window.fromDays }),
      timesteps: ts,
    });
  }
  const tl = iterateTimelines(db, { cohortId, fromDays: def.window.fromDays, patientIds: [patientId] }).next().value as PatientTimeline;
  const encoded = encodePatient(tl, enc);
  const all = stepsOf(tl, enc.mode, gridOptionsOf(enc));
  const steps = all.slice(0, enc.maxLength).map((s, k) => ({
    step: k + 1,
    relTime: s.relTime,
    time: tl.indexTime + s.relTime,
    values: Object.fromEntries(enc.measurements.map((m) => [m.name, display(s.values.get(m.variableId))])),
    events: [...s.events].flatMap(([type, n]) => Array<string>(n).fill(type)),
    encoded: [...encoded.sequence.subarray(k * enc.stepWidth, (k + 1) * enc.stepWidth)],
  }));
  const decoded = decodePatient(encoded, enc);
  return {
    cohort: { id: row.id, name: row.name, version: row.version },
    patient: { id: patientId, sourceKey, split: tl.split! },
    timeBasis: dataset.timeBasis,
    indexTime: tl.indexTime,
    encoding: enc,
    channels: channelNames(enc),
    statics: enc.statics
      .filter((f) => f.variableId !== null)
      .map((f) => ({ name: f.name, kind: f.kind, unit: f.unit, value: display(tl.statics.get(f.variableId!)) })),
    staticsEncoded: [...encoded.statics],
    steps,
    droppedSteps: all.length - steps.length,
    outcome: { ...tl.outcome, encoded: [...encoded.outcome] },
    roundTrip: sameTimeline(decoded, tl, enc),
  };
}

function display(v: StoredValue | undefined): string | number | null {
  if (!v) return null;
  return v.txt ?? (v.num === null ? null : v.num);
}

/**
 * Irregular: decoded equals the original; grid: the same binned steps. Numbers
 * agree to 1e-9 (relative): exact where the source's precision is known.
 */
export function sameTimeline(decoded: PatientTimeline, original: PatientTimeline, enc: Encoding): boolean {
  const encodedStatics = (tl: PatientTimeline) =>
    [...tl.statics].filter(([id]) => enc.statics.some((f) => f.variableId === id)).sort((a, b) => a[0] - b[0]).map(([id, v]) => [id, v.num, v.txt]);
  const steps = (tl: PatientTimeline) =>
    stepsOf(tl, enc.mode, gridOptionsOf(enc))
      .slice(0, enc.maxLength)
      .map((s) => [
        s.relTime,
        [...s.values].filter(([id]) => enc.measurements.some((m) => m.variableId === id)).sort((a, b) => a[0] - b[0]).map(([id, v]) => [id, v.num, v.txt]),
        [...s.events].sort(),
      ]);
  const view = (tl: PatientTimeline) => [tl.indexTime, encodedStatics(tl), steps(tl), tl.outcome.days, tl.outcome.status, tl.outcome.eventType];
  return approxEqual(view(decoded), view(original));
}

function approxEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => approxEqual(x, b[i]));
  return a === b;
}
