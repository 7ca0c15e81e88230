import type { Migration } from './types.js';

/**
 * Clinician review sessions ("Turing test"): a blinded, shuffled mix of real
 * holdout and synthetic patients shown as de-identified, date-shifted cases;
 * reviewers' answers. The truth (which case is which) never leaves the store.
 */
export const review: Migration = {
  version: 6,
  name: 'review sessions',
  up: `
    CREATE TABLE review_sessions (
      id                INTEGER PRIMARY KEY,
      synthetic_set_id  INTEGER NOT NULL REFERENCES synthetic_sets(id) ON DELETE CASCADE,
      token             TEXT NOT NULL UNIQUE,
      seed              INTEGER NOT NULL,
      created_at        TEXT NOT NULL
    );
    CREATE TABLE review_cases (
      session_id   INTEGER NOT NULL REFERENCES review_sessions(id) ON DELETE CASCADE,
      position     INTEGER NOT NULL,
      truth        TEXT NOT NULL CHECK (truth IN ('real', 'synthetic')),
      patient_id   INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      case_json    TEXT NOT NULL,
      PRIMARY KEY (session_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE review_answers (
      session_id   INTEGER NOT NULL REFERENCES review_sessions(id) ON DELETE CASCADE,
      position     INTEGER NOT NULL,
      reviewer     TEXT NOT NULL,
      answer       TEXT NOT NULL CHECK (answer IN ('real', 'synthetic')),
      confidence   INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 5),
      flags_json   TEXT NOT NULL,
      answered_at  TEXT NOT NULL,
      PRIMARY KEY (session_id, position, reviewer)
    ) WITHOUT ROWID;
  `,
};
