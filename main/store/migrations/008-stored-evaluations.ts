import type { Migration } from './types.js';

/**
 * The latest evaluation report of each synthetic set, per evaluation version and
 * inputs (options that change its figures, as canonical JSON): an export's
 * privacy gate reuses it instead of evaluating again. Reports hold aggregates
 * only; a newer evaluation with the same key replaces the older one.
 */
export const storedEvaluations: Migration = {
  version: 8,
  name: 'stored evaluation reports',
  up: `
    CREATE TABLE evaluations (
      id                  INTEGER PRIMARY KEY,
      synthetic_set_id    INTEGER NOT NULL REFERENCES synthetic_sets(id) ON DELETE CASCADE,
      evaluation_version  INTEGER NOT NULL,
      inputs_json         TEXT NOT NULL,
      report_json         TEXT NOT NULL,
      created_at          TEXT NOT NULL,
      UNIQUE (synthetic_set_id, evaluation_version, inputs_json)
    );
  `,
};
