import type { Migration } from './types.js';

/*
 * The release ledger (issue 16): each export of a synthetic set, with the
 * epsilon and delta of the model that produced it (NULL: trained without
 * differential privacy, no bound) and the real dataset it comes from; and the
 * per-dataset epsilon budgets a steward sets, as a history (the latest row is
 * in force; NULL epsilon: none). Neither cascades: a release is never undone,
 * whatever is deleted later. Exports made before the ledger are entered from
 * the export audit log, with their run's epsilon where it trained privately.
 */
export const privacyLedger: Migration = {
  version: 12,
  name: 'privacy ledger and budgets',
  up: `
    CREATE TABLE privacy_releases (
      id                 INTEGER PRIMARY KEY,
      source_dataset_id  INTEGER NOT NULL,
      source_dataset     TEXT NOT NULL,
      run_id             INTEGER NOT NULL,
      synthetic_set      TEXT NOT NULL,
      export_audit_id    INTEGER,
      epsilon            REAL CHECK (epsilon IS NULL OR epsilon > 0),
      delta              REAL,
      budget_epsilon     REAL,
      over_budget_reason TEXT,
      released_at        TEXT NOT NULL
    );
    CREATE INDEX privacy_releases_source ON privacy_releases (source_dataset_id);

    CREATE TABLE privacy_budgets (
      id                 INTEGER PRIMARY KEY,
      source_dataset_id  INTEGER NOT NULL,
      epsilon            REAL CHECK (epsilon IS NULL OR epsilon > 0),
      set_at             TEXT NOT NULL
    );

    INSERT INTO privacy_releases (source_dataset_id, source_dataset, run_id, synthetic_set, export_audit_id, epsilon, delta, released_at)
      SELECT c.dataset_id, d.name, s.run_id, sd.name, a.id,
             json_extract(r.config_json, '$.privacy.epsilon'), json_extract(r.config_json, '$.privacy.delta'), a.created_at
      FROM export_audit a
      JOIN synthetic_sets s ON s.id = a.synthetic_set_id
      JOIN datasets sd ON sd.id = s.dataset_id
      JOIN training_runs r ON r.id = s.run_id
      JOIN cohorts c ON c.id = s.cohort_id
      JOIN datasets d ON d.id = c.dataset_id
      ORDER BY a.id;
  `,
};
