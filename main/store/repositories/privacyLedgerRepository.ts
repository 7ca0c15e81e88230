import type { Db } from '../database.js';

/** One release of a synthetic set (an export), as the ledger keeps it. */
export interface ReleaseRow {
  id: number;
  sourceDatasetId: number;
  sourceDataset: string;
  runId: number;
  syntheticSet: string;
  exportAuditId: number | null;
  /** The producing model's epsilon; null: trained without differential privacy (no bound). */
  epsilon: number | null;
  delta: number | null;
  /** The dataset's budget in force when released (null: none). */
  budgetEpsilon: number | null;
  overBudgetReason: string | null;
  releasedAt: string;
}

/** The release ledger and the per-dataset budgets (migration 12). Append only: nothing here is ever updated or deleted. */
export class PrivacyLedgerRepository {
  constructor(private readonly db: Db) {}

  addRelease(r: Omit<ReleaseRow, 'id' | 'releasedAt'>): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO privacy_releases (source_dataset_id, source_dataset, run_id, synthetic_set, export_audit_id, epsilon, delta, budget_epsilon, over_budget_reason, released_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(r.sourceDatasetId, r.sourceDataset, r.runId, r.syntheticSet, r.exportAuditId, r.epsilon, r.delta, r.budgetEpsilon, r.overBudgetReason, new Date().toISOString()).lastInsertRowid,
    );
  }

  releases(sourceDatasetId: number): ReleaseRow[] {
    return this.db
      .prepare(
        `SELECT id, source_dataset_id AS sourceDatasetId, source_dataset AS sourceDataset, run_id AS runId, synthetic_set AS syntheticSet, export_audit_id AS exportAuditId,
                epsilon, delta, budget_epsilon AS budgetEpsilon, over_budget_reason AS overBudgetReason, released_at AS releasedAt
           FROM privacy_releases WHERE source_dataset_id = ? ORDER BY id`,
      )
      .all(sourceDatasetId) as ReleaseRow[];
  }

  /** Every source dataset that has releases or a budget, by id. */
  sources(): number[] {
    return this.db.prepare('SELECT source_dataset_id FROM privacy_releases UNION SELECT source_dataset_id FROM privacy_budgets ORDER BY 1').pluck().all() as number[];
  }

  /** The budget in force (the latest set; null: none, or removed). */
  budget(sourceDatasetId: number): { epsilon: number | null; setAt: string } | null {
    return (this.db.prepare('SELECT epsilon, set_at AS setAt FROM privacy_budgets WHERE source_dataset_id = ? ORDER BY id DESC LIMIT 1').get(sourceDatasetId) as { epsilon: number | null; setAt: string } | undefined) ?? null;
  }

  setBudget(sourceDatasetId: number, epsilon: number | null): void {
    this.db.prepare('INSERT INTO privacy_budgets (source_dataset_id, epsilon, set_at) VALUES (?, ?, ?)').run(sourceDatasetId, epsilon, new Date().toISOString());
  }
}
