import type { Migration } from './types.js';

/**
 * Core clinical tables. Times are REAL days: since 1970-01-01 UTC for datasets
 * with calendar dates, since the source's own origin (e.g. ICU admission) for
 * datasets with relative offsets (`datasets.time_basis`).
 */
export const coreTables: Migration = {
  version: 1,
  name: 'core clinical tables',
  up: `
    CREATE TABLE datasets (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE,
      description TEXT,
      time_basis  TEXT NOT NULL CHECK (time_basis IN ('calendar', 'relative')),
      created_at  TEXT NOT NULL
    );

    CREATE TABLE variables (
      id            INTEGER PRIMARY KEY,
      dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      name          TEXT NOT NULL,
      role          TEXT NOT NULL CHECK (role IN ('static', 'measurement')),
      kind          TEXT NOT NULL CHECK (kind IN ('numeric', 'categorical', 'binary', 'date')),
      unit          TEXT,
      source_file   TEXT NOT NULL,
      source_column TEXT NOT NULL,
      categories    TEXT,
      UNIQUE (dataset_id, name)
    );

    CREATE TABLE patients (
      id         INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      source_key TEXT NOT NULL,
      index_time REAL,
      UNIQUE (dataset_id, source_key)
    );

    CREATE TABLE static_values (
      patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      variable_id INTEGER NOT NULL REFERENCES variables(id) ON DELETE CASCADE,
      num         REAL,
      txt         TEXT,
      PRIMARY KEY (patient_id, variable_id)
    ) WITHOUT ROWID;

    CREATE TABLE measurements (
      patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      time        REAL NOT NULL,
      variable_id INTEGER NOT NULL REFERENCES variables(id) ON DELETE CASCADE,
      num         REAL,
      txt         TEXT
    );
    CREATE INDEX measurements_by_patient_time ON measurements(patient_id, time);

    CREATE TABLE events (
      id            INTEGER PRIMARY KEY,
      patient_id    INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
      time          REAL NOT NULL,
      type          TEXT NOT NULL,
      source_column TEXT
    );
    CREATE INDEX events_by_patient_time ON events(patient_id, time);

    CREATE TABLE outcomes (
      patient_id   INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
      followup_end REAL NOT NULL,
      event_time   REAL,
      event_type   TEXT
    );
  `,
};
