import type { Db } from '../database.js';

export interface PatientRow {
  id: number;
  sourceKey: string;
  indexTime: number | null;
}

export interface StaticValueRow {
  patientId: number;
  variableId: number;
  num: number | null;
  txt: string | null;
}

export interface EventRow {
  patientId: number;
  time: number;
  type: string;
}

export interface OutcomeRow {
  patientId: number;
  followupEnd: number;
  eventTime: number | null;
  eventType: string | null;
}

export interface DayWindowBounds {
  fromDays?: number;
  toDays?: number;
}

/**
 * What the cohort engine reads about a dataset's patients. Windowed queries
 * are relative to each candidate's index date, held in a temporary table.
 */
export class PatientFactsRepository {
  constructor(private readonly db: Db) {}

  patients(datasetId: number): PatientRow[] {
    return this.db
      .prepare('SELECT id, source_key AS sourceKey, index_time AS indexTime FROM patients WHERE dataset_id = ? ORDER BY id')
      .all(datasetId) as PatientRow[];
  }

  staticValues(datasetId: number): StaticValueRow[] {
    return this.db
      .prepare(
        `SELECT s.patient_id AS patientId, s.variable_id AS variableId, s.num, s.txt
           FROM static_values s JOIN patients p ON p.id = s.patient_id WHERE p.dataset_id = ?`,
      )
      .all(datasetId) as StaticValueRow[];
  }

  /** Events and the outcome table's events, one list. */
  events(datasetId: number): EventRow[] {
    return this.db
      .prepare(
        `SELECT e.patient_id AS patientId, e.time, e.type FROM events e JOIN patients p ON p.id = e.patient_id WHERE p.dataset_id = ?
         UNION
         SELECT o.patient_id, o.event_time, o.event_type FROM outcomes o JOIN patients p ON p.id = o.patient_id
          WHERE p.dataset_id = ? AND o.event_time IS NOT NULL`,
      )
      .all(datasetId, datasetId) as EventRow[];
  }

  outcomes(datasetId: number): OutcomeRow[] {
    return this.db
      .prepare(
        `SELECT o.patient_id AS patientId, o.followup_end AS followupEnd, o.event_time AS eventTime, o.event_type AS eventType
           FROM outcomes o JOIN patients p ON p.id = o.patient_id WHERE p.dataset_id = ?`,
      )
      .all(datasetId) as OutcomeRow[];
  }

  /** Per patient: first and last measurement time, and last event time. */
  recordSpan(datasetId: number): Map<number, { firstVisit: number | null; lastRecord: number | null }> {
    const rows = this.db
      .prepare(
        `SELECT p.id AS patientId,
                (SELECT min(time) FROM measurements m WHERE m.patient_id = p.id) AS firstVisit,
                max(coalesce((SELECT max(time) FROM measurements m WHERE m.patient_id = p.id), -1e300),
                    coalesce((SELECT max(time) FROM events e WHERE e.patient_id = p.id), -1e300)) AS lastRecord
           FROM patients p WHERE p.dataset_id = ?`,
      )
      .all(datasetId) as { patientId: number; firstVisit: number | null; lastRecord: number }[];
    return new Map(rows.map((r) => [r.patientId, { firstVisit: r.firstVisit, lastRecord: r.lastRecord === -1e300 ? null : r.lastRecord }]));
  }

  eventTypes(datasetId: number): string[] {
    return [...new Set(this.events(datasetId).map((e) => e.type))].sort();
  }

  /** Runs `fn` with `temp.candidate_index` holding the candidates' index times. */
  withCandidates<T>(index: ReadonlyMap<number, number>, fn: () => T): T {
    this.db.exec('CREATE TEMP TABLE IF NOT EXISTS candidate_index (patient_id INTEGER PRIMARY KEY, index_time REAL NOT NULL)');
    this.db.exec('DELETE FROM temp.candidate_index');
    const insert = this.db.prepare('INSERT INTO temp.candidate_index VALUES (?, ?)');
    for (const [id, t] of index) insert.run(id, t);
    try {
      return fn();
    } finally {
      this.db.exec('DROP TABLE temp.candidate_index');
    }
  }

  /** Candidates with at least `min` distinct measurement times within the window. */
  withVisits(min: number, window: DayWindowBounds = {}): Set<number> {
    const [lo, hi] = bounds(window);
    return this.ids(
      `SELECT c.patient_id FROM temp.candidate_index c
        WHERE (SELECT count(DISTINCT m.time) FROM measurements m
                WHERE m.patient_id = c.patient_id AND m.time >= c.index_time + ? AND m.time <= c.index_time + ?) >= ?`,
      lo,
      hi,
      min,
    );
  }

  /** Candidates with a measurement of the variable meeting the condition within the window. */
  withMeasurement(variableId: number, cond: { above?: number; below?: number; in?: string[] }, window: DayWindowBounds = {}): Set<number> {
    const [lo, hi] = bounds(window);
    const clauses: string[] = [];
    const args: unknown[] = [variableId, lo, hi];
    if (cond.above !== undefined) {
      clauses.push('m.num > ?');
      args.push(cond.above);
    }
    if (cond.below !== undefined) {
      clauses.push('m.num < ?');
      args.push(cond.below);
    }
    if (cond.in) {
      clauses.push(`coalesce(m.txt, ${NUM_AS_LEVEL}) IN (${cond.in.map(() => '?').join(', ')})`);
      args.push(...cond.in);
    }
    return this.ids(
      `SELECT c.patient_id FROM temp.candidate_index c
        WHERE EXISTS (SELECT 1 FROM measurements m
                       WHERE m.patient_id = c.patient_id AND m.variable_id = ?
                         AND m.time >= c.index_time + ? AND m.time <= c.index_time + ?
                         ${clauses.map((c) => `AND ${c}`).join(' ')})`,
      ...args,
    );
  }

  /** Candidates with an event of one of the types within the window. */
  withEvent(types: string[], window: DayWindowBounds = {}): Set<number> {
    const [lo, hi] = bounds(window);
    const marks = types.map(() => '?').join(', ');
    return this.ids(
      `SELECT c.patient_id FROM temp.candidate_index c
        WHERE EXISTS (SELECT 1 FROM events e WHERE e.patient_id = c.patient_id AND e.type IN (${marks})
                        AND e.time >= c.index_time + ? AND e.time <= c.index_time + ?)
           OR EXISTS (SELECT 1 FROM outcomes o WHERE o.patient_id = c.patient_id AND o.event_type IN (${marks})
                        AND o.event_time >= c.index_time + ? AND o.event_time <= c.index_time + ?)`,
      ...types,
      lo,
      hi,
      ...types,
      lo,
      hi,
    );
  }

  private ids(sql: string, ...args: unknown[]): Set<number> {
    return new Set(this.db.prepare(sql).pluck().all(...args) as number[]);
  }
}

/** How a number stored for a binary/categorical value reads as a level ("0", "1", "2.5"). */
export const NUM_AS_LEVEL = `CASE WHEN m.num = CAST(m.num AS INTEGER) THEN CAST(CAST(m.num AS INTEGER) AS TEXT) ELSE CAST(m.num AS TEXT) END`;

function bounds(w: DayWindowBounds): [number, number] {
  return [w.fromDays ?? -1e12, w.toDays ?? 1e12];
}
