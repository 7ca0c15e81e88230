import type { Db } from '../database.js';

export interface SyntheticSetRow {
  id: number;
  datasetId: number;
  datasetName: string;
  runId: number;
  cohortId: number;
  checkpointStep: number;
  patients: number;
  seed: number;
  violationsJson: string;
  /** What the set was generated under (SetCondition, JSON), or null: the whole cohort. */
  conditionJson: string | null;
  createdAt: string;
  /** The cohort as name@version. */
  cohort: string;
}

/** Synthetic sets: the link from a generated dataset to its run and cohort, with the plausibility counts. */
export class SyntheticRepository {
  constructor(private readonly db: Db) {}

  insert(s: Omit<SyntheticSetRow, 'id' | 'datasetName' | 'createdAt' | 'cohort'>): number {
    return Number(
      this.db
        .prepare('INSERT INTO synthetic_sets (dataset_id, run_id, cohort_id, checkpoint_step, patients, seed, violations_json, condition_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(s.datasetId, s.runId, s.cohortId, s.checkpointStep, s.patients, s.seed, s.violationsJson, s.conditionJson, new Date().toISOString()).lastInsertRowid,
    );
  }

  list(): SyntheticSetRow[] {
    return this.db
      .prepare(
        `SELECT s.id, s.dataset_id AS datasetId, d.name AS datasetName, s.run_id AS runId, s.cohort_id AS cohortId, s.checkpoint_step AS checkpointStep,
                s.patients, s.seed, s.violations_json AS violationsJson, s.condition_json AS conditionJson, s.created_at AS createdAt,
                c.name || '@' || c.version AS cohort
           FROM synthetic_sets s JOIN datasets d ON d.id = s.dataset_id JOIN cohorts c ON c.id = s.cohort_id ORDER BY s.id`,
      )
      .all() as SyntheticSetRow[];
  }

  countForRun(runId: number): number {
    return this.db.prepare('SELECT count(*) FROM synthetic_sets WHERE run_id = ?').pluck().get(runId) as number;
  }
}
