import type { Migration } from './types.js';

/**
 * Training runs with their loss history and checkpoints (weights, optimizer
 * state, random-number state: enough to resume after a crash), and synthetic
 * sets: each is written as a dataset of its own (so everything that reads a
 * dataset reads it too), linked to the run and cohort it came from.
 */
export const training: Migration = {
  version: 4,
  name: 'training runs, checkpoints, synthetic sets',
  up: `
    CREATE TABLE training_runs (
      id             INTEGER PRIMARY KEY,
      cohort_id      INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
      family         TEXT NOT NULL CHECK (family IN ('timegan', 'vae')),
      config_json    TEXT NOT NULL,
      seed           INTEGER NOT NULL,
      backend        TEXT NOT NULL,
      device         TEXT NOT NULL,
      backend_reason TEXT NOT NULL,
      status         TEXT NOT NULL CHECK (status IN ('running', 'cancelled', 'completed', 'failed')),
      step           INTEGER NOT NULL DEFAULT 0,
      total_steps    INTEGER NOT NULL,
      pid            INTEGER,
      error          TEXT,
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL
    );

    CREATE TABLE training_losses (
      run_id      INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
      step        INTEGER NOT NULL,
      phase       TEXT NOT NULL,
      losses_json TEXT NOT NULL,
      ms          REAL NOT NULL,
      PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID;

    CREATE TABLE checkpoints (
      id          INTEGER PRIMARY KEY,
      run_id      INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
      step        INTEGER NOT NULL,
      weights     BLOB NOT NULL,
      optimizers  BLOB NOT NULL,
      rng_json    TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      UNIQUE (run_id, step)
    );

    CREATE TABLE synthetic_sets (
      id              INTEGER PRIMARY KEY,
      dataset_id      INTEGER NOT NULL UNIQUE REFERENCES datasets(id) ON DELETE CASCADE,
      run_id          INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
      cohort_id       INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
      checkpoint_step INTEGER NOT NULL,
      patients        INTEGER NOT NULL,
      seed            INTEGER NOT NULL,
      violations_json TEXT NOT NULL,
      created_at      TEXT NOT NULL
    );
  `,
};
