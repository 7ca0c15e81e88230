import type { Migration } from './types.js';

/**
 * The import log (what was read, with which mapping, what was warned about),
 * and views that express every stored time both as a calendar date (where the
 * dataset has dates) and as days from the patient's index date.
 */
export const importLogAndTimeViews: Migration = {
  version: 2,
  name: 'import log and time views',
  up: `
    CREATE TABLE imports (
      id             INTEGER PRIMARY KEY,
      dataset_id     INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      started_at     TEXT NOT NULL,
      finished_at    TEXT NOT NULL,
      mapping_json   TEXT NOT NULL,
      rows_read      INTEGER NOT NULL,
      warning_count  INTEGER NOT NULL
    );

    CREATE TABLE import_files (
      id          INTEGER PRIMARY KEY,
      import_id   INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      file_name   TEXT NOT NULL,
      path        TEXT NOT NULL,
      size_bytes  INTEGER NOT NULL,
      sha256      TEXT NOT NULL,
      rows_read   INTEGER NOT NULL,
      UNIQUE (import_id, file_name)
    );

    CREATE TABLE import_warnings (
      id         INTEGER PRIMARY KEY,
      import_id  INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
      rule       TEXT NOT NULL,
      file_name  TEXT NOT NULL,
      line       INTEGER,
      column_name TEXT,
      value      TEXT,
      message    TEXT NOT NULL
    );
    CREATE INDEX import_warnings_by_import ON import_warnings(import_id, rule);

    CREATE VIEW measurement_times AS
      SELECT m.rowid AS measurement_id, m.patient_id, m.variable_id, m.num, m.txt, m.time,
             CASE d.time_basis WHEN 'calendar' THEN datetime(m.time * 86400, 'unixepoch') END AS datetime,
             m.time - p.index_time AS days_from_index
        FROM measurements m
        JOIN patients p ON p.id = m.patient_id
        JOIN datasets d ON d.id = p.dataset_id;

    CREATE VIEW event_times AS
      SELECT e.id AS event_id, e.patient_id, e.type, e.source_column, e.time,
             CASE d.time_basis WHEN 'calendar' THEN datetime(e.time * 86400, 'unixepoch') END AS datetime,
             e.time - p.index_time AS days_from_index
        FROM events e
        JOIN patients p ON p.id = e.patient_id
        JOIN datasets d ON d.id = p.dataset_id;

    CREATE VIEW outcome_times AS
      SELECT o.patient_id, o.event_type, o.followup_end, o.event_time,
             CASE d.time_basis WHEN 'calendar' THEN datetime(o.followup_end * 86400, 'unixepoch') END AS followup_end_datetime,
             CASE d.time_basis WHEN 'calendar' THEN datetime(o.event_time * 86400, 'unixepoch') END AS event_datetime,
             o.followup_end - p.index_time AS followup_days_from_index,
             o.event_time - p.index_time AS event_days_from_index
        FROM outcomes o
        JOIN patients p ON p.id = o.patient_id
        JOIN datasets d ON d.id = p.dataset_id;
  `,
};
