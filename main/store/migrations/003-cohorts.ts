import type { Migration } from './types.js';

/**
 * Cohorts, versioned by name: each `cohort create` with a changed definition
 * adds a version. A version keeps its definition, its attrition (CONSORT
 * flow), its members with their split and resolved outcome, and the
 * transforms fitted on it, so tensors always decode with the transforms they
 * were encoded with.
 */
export const cohorts: Migration = {
  version: 3,
  name: 'cohorts',
  up: `
    CREATE TABLE cohorts (
      id                INTEGER PRIMARY KEY,
      dataset_id        INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      name              TEXT NOT NULL,
      version           INTEGER NOT NULL,
      definition_json   TEXT NOT NULL,
      definition_sha256 TEXT NOT NULL,
      members_sha256    TEXT NOT NULL,
      encoding_json     TEXT NOT NULL,
      summary_json      TEXT NOT NULL,
      created_at        TEXT NOT NULL,
      UNIQUE (name, version)
    );

    CREATE TABLE cohort_attrition (
      cohort_id  INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
      step       INTEGER NOT NULL,
      label      TEXT NOT NULL,
      remaining  INTEGER NOT NULL,
      removed    INTEGER NOT NULL,
      PRIMARY KEY (cohort_id, step)
    ) WITHOUT ROWID;

    CREATE TABLE cohort_members (
      cohort_id     INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
      patient_id    INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      split         TEXT NOT NULL CHECK (split IN ('train', 'holdout')),
      index_time    REAL NOT NULL,
      -- days from the index date to the outcome event or censoring
      outcome_days  REAL NOT NULL,
      -- 0 censored, 1 outcome event, 2 competing event
      status        INTEGER NOT NULL CHECK (status IN (0, 1, 2)),
      event_type    TEXT,
      PRIMARY KEY (cohort_id, patient_id)
    ) WITHOUT ROWID;
    CREATE INDEX cohort_members_by_patient ON cohort_members(patient_id);
  `,
};
