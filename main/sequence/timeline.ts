import type { Db } from '../store/database.js';
import { byPatient } from '../common/groupBy.js';
import { CohortSequenceRepository } from '../store/repositories/cohortSequenceRepository.js';

export interface StoredValue {
  num: number | null;
  txt: string | null;
}

export interface Observation extends StoredValue {
  time: number;
  variableId: number;
}

export interface TimelineEvent {
  time: number;
  type: string;
}

export interface TimelineOutcome {
  /** Days from the index date to the event or censoring. */
  days: number;
  /** 0 censored, 1 outcome event, 2 competing event. */
  status: 0 | 1 | 2;
  eventType: string | null;
}

/**
 * One patient as the encoder sees them: statics, and the measurements and
 * events inside the sequence window (from index + fromDays to the end of
 * follow-up), in store units and store days.
 */
export interface PatientTimeline {
  patientId: number;
  split?: 'train' | 'holdout';
  indexTime: number;
  statics: Map<number, StoredValue>;
  /** Ascending by time, then variable id. */
  measurements: Observation[];
  /** Ascending by time, then type. */
  events: TimelineEvent[];
  outcome: TimelineOutcome;
}

export interface TimelineQuery {
  cohortId: number;
  /** Window start relative to the index date (days, <= 0). */
  fromDays: number;
  split?: 'train' | 'holdout';
  /** Patients read per round trip to SQLite; bounds memory. */
  batchSize?: number;
  /** Only these patients. */
  patientIds?: number[];
}

/** Streams a cohort's timelines in patient-id order, a batch of patients at a time. */
export function* iterateTimelines(db: Db, q: TimelineQuery): Generator<PatientTimeline> {
  const repo = new CohortSequenceRepository(db);
  const only = q.patientIds ? new Set(q.patientIds) : null;
  const members = repo.members(q.cohortId, q.split).filter((m) => !only || only.has(m.patientId));
  const size = q.batchSize ?? 1000;
  for (let i = 0; i < members.length; i += size) {
    const batch = members.slice(i, i + size);
    const lo = batch[0]!.patientId;
    const hi = batch[batch.length - 1]!.patientId;
    const measurements = byPatient(repo.measurements(q.cohortId, q.fromDays, lo, hi));
    const events = byPatient(repo.events(q.cohortId, q.fromDays, lo, hi));
    const statics = byPatient(repo.statics(q.cohortId, lo, hi));
    for (const m of batch) {
      yield {
        patientId: m.patientId,
        split: m.split,
        indexTime: m.indexTime,
        statics: new Map((statics.get(m.patientId) ?? []).map((s) => [s.variableId, { num: s.num, txt: s.txt }])),
        measurements: (measurements.get(m.patientId) ?? []).map(({ time, variableId, num, txt }) => ({ time, variableId, num, txt })),
        events: (events.get(m.patientId) ?? []).map(({ time, type }) => ({ time, type })),
        outcome: { days: m.outcomeDays, status: m.status, eventType: m.eventType },
      };
    }
  }
}
