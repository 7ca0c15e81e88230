import type { Migration } from './types.js';

/** Every export of a synthetic set: what, where, the privacy gate's verdict and any override with its reason. */
export const exportAudit: Migration = {
  version: 5,
  name: 'export audit log',
  up: `
    CREATE TABLE export_audit (
      id                INTEGER PRIMARY KEY,
      synthetic_set_id  INTEGER NOT NULL REFERENCES synthetic_sets(id) ON DELETE CASCADE,
      format            TEXT NOT NULL CHECK (format IN ('csv', 'fhir', 'omop')),
      directory         TEXT NOT NULL,
      files_json        TEXT NOT NULL,
      gate_json         TEXT NOT NULL,
      override_reason   TEXT,
      created_at        TEXT NOT NULL
    );
  `,
};
