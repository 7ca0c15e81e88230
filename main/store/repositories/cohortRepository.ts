import type { Db } from '../database.js';

export interface CohortRow {
  id: number;
  datasetId: number;
  datasetName: string;
  name: string;
  version: number;
  definitionJson: string;
  definitionSha256: string;
  membersSha256: string;
  encodingJson: string;
  summaryJson: string;
  createdAt: string;
  patients: number;
  train: number;
  holdout: number;
}

export interface NewCohort {
  datasetId: number;
  name: string;
  definitionJson: string;
  definitionSha256: string;
  membersSha256: string;
  createdAt: string;
}

export interface NewMember {
  patientId: number;
  split: 'train' | 'holdout';
  indexTime: number;
  outcomeDays: number;
  status: 0 | 1 | 2;
  eventType: string | null;
}

const COLUMNS = `
  c.id, c.dataset_id AS datasetId, d.name AS datasetName, c.name, c.version, c.definition_json AS definitionJson,
  c.definition_sha256 AS definitionSha256, c.members_sha256 AS membersSha256, c.encoding_json AS encodingJson,
  c.summary_json AS summaryJson, c.created_at AS createdAt,
  (SELECT count(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS patients,
  (SELECT count(*) FROM cohort_members m WHERE m.cohort_id = c.id AND m.split = 'train') AS train,
  (SELECT count(*) FROM cohort_members m WHERE m.cohort_id = c.id AND m.split = 'holdout') AS holdout`;

/** Cohort versions, their attrition and members. */
export class CohortRepository {
  constructor(private readonly db: Db) {}

  list(): CohortRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM cohorts c JOIN datasets d ON d.id = c.dataset_id ORDER BY c.name, c.version`).all() as CohortRow[];
  }

  /** `name` (latest version), `name@version`, or the numeric id. */
  find(ref: string): CohortRow | undefined {
    const at = ref.lastIndexOf('@');
    if (at > 0 && /^\d+$/.test(ref.slice(at + 1))) {
      return this.db
        .prepare(`SELECT ${COLUMNS} FROM cohorts c JOIN datasets d ON d.id = c.dataset_id WHERE c.name = ? AND c.version = ?`)
        .get(ref.slice(0, at), Number(ref.slice(at + 1))) as CohortRow | undefined;
    }
    return (this.latest(ref) ??
      (/^\d+$/.test(ref)
        ? this.db.prepare(`SELECT ${COLUMNS} FROM cohorts c JOIN datasets d ON d.id = c.dataset_id WHERE c.id = ?`).get(Number(ref))
        : undefined)) as CohortRow | undefined;
  }

  latest(name: string): CohortRow | undefined {
    return this.db
      .prepare(`SELECT ${COLUMNS} FROM cohorts c JOIN datasets d ON d.id = c.dataset_id WHERE c.name = ? ORDER BY c.version DESC LIMIT 1`)
      .get(name) as CohortRow | undefined;
  }

  /** Inserts the next version of `name` with its members and attrition; returns its id and version. */
  insert(c: NewCohort, members: NewMember[], attrition: { step: number; label: string; remaining: number; removed: number }[]): { id: number; version: number } {
    const version = ((this.db.prepare('SELECT max(version) FROM cohorts WHERE name = ?').pluck().get(c.name) as number | null) ?? 0) + 1;
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO cohorts (dataset_id, name, version, definition_json, definition_sha256, members_sha256, encoding_json, summary_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, '{}', '{}', ?)`,
        )
        .run(c.datasetId, c.name, version, c.definitionJson, c.definitionSha256, c.membersSha256, c.createdAt).lastInsertRowid,
    );
    const member = this.db.prepare('INSERT INTO cohort_members VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const m of members) member.run(id, m.patientId, m.split, m.indexTime, m.outcomeDays, m.status, m.eventType);
    const step = this.db.prepare('INSERT INTO cohort_attrition VALUES (?, ?, ?, ?, ?)');
    for (const a of attrition) step.run(id, a.step, a.label, a.remaining, a.removed);
    return { id, version };
  }

  setEncoding(id: number, encodingJson: string, summaryJson: string): void {
    this.db.prepare('UPDATE cohorts SET encoding_json = ?, summary_json = ? WHERE id = ?').run(encodingJson, summaryJson, id);
  }

  attrition(id: number): { step: number; label: string; remaining: number; removed: number }[] {
    return this.db.prepare('SELECT step, label, remaining, removed FROM cohort_attrition WHERE cohort_id = ? ORDER BY step').all(id) as {
      step: number;
      label: string;
      remaining: number;
      removed: number;
    }[];
  }

  /** The patient id of a source key, when that patient is a member. */
  memberBySourceKey(id: number, sourceKey: string): number | undefined {
    return this.db
      .prepare('SELECT m.patient_id FROM cohort_members m JOIN patients p ON p.id = m.patient_id WHERE m.cohort_id = ? AND p.source_key = ?')
      .pluck()
      .get(id, sourceKey) as number | undefined;
  }
}
