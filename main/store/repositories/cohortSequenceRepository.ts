import type { Db } from '../database.js';

export interface MemberRow {
  patientId: number;
  sourceKey: string;
  split: 'train' | 'holdout';
  indexTime: number;
  outcomeDays: number;
  status: 0 | 1 | 2;
  eventType: string | null;
}

// A hair of slack so that an end computed as index + days still includes a record at the end.
const END_SLACK = 1e-9;

/** Reads a cohort's members and, per range of patient ids, what lies in their sequence window. */
export class CohortSequenceRepository {
  constructor(private readonly db: Db) {}

  members(cohortId: number, split?: 'train' | 'holdout'): MemberRow[] {
    return this.db
      .prepare(
        `SELECT c.patient_id AS patientId, p.source_key AS sourceKey, c.split, c.index_time AS indexTime,
                c.outcome_days AS outcomeDays, c.status, c.event_type AS eventType
           FROM cohort_members c JOIN patients p ON p.id = c.patient_id
          WHERE c.cohort_id = ? AND (? IS NULL OR c.split = ?) ORDER BY c.patient_id`,
      )
      .all(cohortId, split ?? null, split ?? null) as MemberRow[];
  }

  measurements(cohortId: number, fromDays: number, loId: number, hiId: number) {
    return this.db
      .prepare(
        `SELECT m.patient_id AS patientId, m.time, m.variable_id AS variableId, m.num, m.txt
           FROM cohort_members c JOIN measurements m ON m.patient_id = c.patient_id
          WHERE c.cohort_id = ? AND c.patient_id BETWEEN ? AND ?
            AND m.time >= c.index_time + ? AND m.time <= c.index_time + c.outcome_days + ${END_SLACK}
          ORDER BY m.patient_id, m.time, m.variable_id`,
      )
      .all(cohortId, loId, hiId, fromDays) as { patientId: number; time: number; variableId: number; num: number | null; txt: string | null }[];
  }

  events(cohortId: number, fromDays: number, loId: number, hiId: number) {
    return this.db
      .prepare(
        `SELECT e.patient_id AS patientId, e.time, e.type
           FROM cohort_members c JOIN events e ON e.patient_id = c.patient_id
          WHERE c.cohort_id = ? AND c.patient_id BETWEEN ? AND ?
            AND e.time >= c.index_time + ? AND e.time <= c.index_time + c.outcome_days + ${END_SLACK}
          ORDER BY e.patient_id, e.time, e.type`,
      )
      .all(cohortId, loId, hiId, fromDays) as { patientId: number; time: number; type: string }[];
  }

  statics(cohortId: number, loId: number, hiId: number) {
    return this.db
      .prepare(
        `SELECT s.patient_id AS patientId, s.variable_id AS variableId, s.num, s.txt
           FROM cohort_members c JOIN static_values s ON s.patient_id = c.patient_id
          WHERE c.cohort_id = ? AND c.patient_id BETWEEN ? AND ?`,
      )
      .all(cohortId, loId, hiId) as { patientId: number; variableId: number; num: number | null; txt: string | null }[];
  }
}
