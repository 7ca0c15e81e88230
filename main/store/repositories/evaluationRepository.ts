import type { Db } from '../database.js';

export interface EvaluationRow {
  id: number;
  syntheticSetId: number;
  evaluationVersion: number;
  inputsJson: string;
  reportJson: string;
  createdAt: string;
}

type Key = Pick<EvaluationRow, 'syntheticSetId' | 'evaluationVersion' | 'inputsJson'>;

/** Stored evaluation reports: the latest one per synthetic set, evaluation version and inputs. */
export class EvaluationRepository {
  constructor(private readonly db: Db) {}

  /** Stores a report, replacing the one of the same key; returns the new row's id. */
  save(e: Omit<EvaluationRow, 'id'>): number {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM evaluations WHERE synthetic_set_id = ? AND evaluation_version = ? AND inputs_json = ?').run(e.syntheticSetId, e.evaluationVersion, e.inputsJson);
      return Number(
        this.db
          .prepare('INSERT INTO evaluations (synthetic_set_id, evaluation_version, inputs_json, report_json, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(e.syntheticSetId, e.evaluationVersion, e.inputsJson, e.reportJson, e.createdAt).lastInsertRowid,
      );
    })();
  }

  find(k: Key): EvaluationRow | undefined {
    return this.db
      .prepare(
        `SELECT id, synthetic_set_id AS syntheticSetId, evaluation_version AS evaluationVersion, inputs_json AS inputsJson, report_json AS reportJson, created_at AS createdAt
           FROM evaluations WHERE synthetic_set_id = ? AND evaluation_version = ? AND inputs_json = ?`,
      )
      .get(k.syntheticSetId, k.evaluationVersion, k.inputsJson) as EvaluationRow | undefined;
  }

  /** The stored evaluations of a set, oldest first, without their reports. */
  listForSet(syntheticSetId: number): Omit<EvaluationRow, 'reportJson'>[] {
    return this.db
      .prepare(
        `SELECT id, synthetic_set_id AS syntheticSetId, evaluation_version AS evaluationVersion, inputs_json AS inputsJson, created_at AS createdAt
           FROM evaluations WHERE synthetic_set_id = ? ORDER BY id`,
      )
      .all(syntheticSetId) as Omit<EvaluationRow, 'reportJson'>[];
  }
}
