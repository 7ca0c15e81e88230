import type { Db } from '../database.js';

/** Every record of one dataset, grouped by patient (for synthetic sets, which are small enough). */
export class DatasetTimelineRepository {
  constructor(private readonly db: Db) {}

  /** One patient's records, by source key (null when absent). */
  patient(datasetId: number, sourceKey: string) {
    const p = this.db.prepare('SELECT id, source_key AS sourceKey, index_time AS indexTime FROM patients WHERE dataset_id = ? AND source_key = ?').get(datasetId, sourceKey) as
      | { id: number; sourceKey: string; indexTime: number | null }
      | undefined;
    if (!p) return null;
    return {
      ...p,
      measurements: this.db
        .prepare('SELECT m.time, v.name AS variable, m.num, m.txt FROM measurements m JOIN variables v ON v.id = m.variable_id WHERE m.patient_id = ? ORDER BY m.time, v.id')
        .all(p.id) as { time: number; variable: string; num: number | null; txt: string | null }[],
      events: this.db.prepare('SELECT time, type FROM events WHERE patient_id = ? ORDER BY time, type').all(p.id) as { time: number; type: string }[],
      outcome: this.db.prepare('SELECT followup_end AS followupEnd, event_time AS eventTime, event_type AS eventType FROM outcomes WHERE patient_id = ?').get(p.id) as
        | { followupEnd: number; eventTime: number | null; eventType: string | null }
        | undefined,
    };
  }

  /** The first `limit` patients' source keys. */
  keys(datasetId: number, limit = 500): string[] {
    return this.db.prepare('SELECT source_key FROM patients WHERE dataset_id = ? ORDER BY id LIMIT ?').pluck().all(datasetId, limit) as string[];
  }

  patients(datasetId: number) {
    return this.db
      .prepare('SELECT id, source_key AS sourceKey, index_time AS indexTime FROM patients WHERE dataset_id = ? ORDER BY id')
      .all(datasetId) as { id: number; sourceKey: string; indexTime: number | null }[];
  }

  measurements(datasetId: number) {
    return this.db
      .prepare(
        `SELECT m.patient_id AS patientId, m.time, v.name AS variable, m.num, m.txt FROM measurements m
           JOIN patients p ON p.id = m.patient_id JOIN variables v ON v.id = m.variable_id
          WHERE p.dataset_id = ? ORDER BY m.patient_id, m.time, m.variable_id`,
      )
      .all(datasetId) as { patientId: number; time: number; variable: string; num: number | null; txt: string | null }[];
  }

  statics(datasetId: number) {
    return this.db
      .prepare(
        `SELECT s.patient_id AS patientId, v.name AS variable, s.num, s.txt FROM static_values s
           JOIN patients p ON p.id = s.patient_id JOIN variables v ON v.id = s.variable_id WHERE p.dataset_id = ?`,
      )
      .all(datasetId) as { patientId: number; variable: string; num: number | null; txt: string | null }[];
  }

  events(datasetId: number) {
    return this.db
      .prepare('SELECT e.patient_id AS patientId, e.time, e.type FROM events e JOIN patients p ON p.id = e.patient_id WHERE p.dataset_id = ? ORDER BY e.patient_id, e.time, e.type')
      .all(datasetId) as { patientId: number; time: number; type: string }[];
  }

  outcomes(datasetId: number) {
    return this.db
      .prepare(
        `SELECT o.patient_id AS patientId, o.followup_end AS followupEnd, o.event_time AS eventTime, o.event_type AS eventType
           FROM outcomes o JOIN patients p ON p.id = o.patient_id WHERE p.dataset_id = ?`,
      )
      .all(datasetId) as { patientId: number; followupEnd: number; eventTime: number | null; eventType: string | null }[];
  }
}
