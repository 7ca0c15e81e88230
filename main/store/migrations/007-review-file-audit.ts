import type { Migration } from './types.js';

/**
 * Review session files carry real patients' records, so each one written is
 * logged: to whom (the reviewer), where, and how many real and synthetic cases.
 * The log keeps the session id and token without a foreign key, so it outlives
 * the session. `treatment_json` says how a session's cases were rounded and
 * jittered; NULL marks sessions created before that, whose cases are verbatim.
 */
export const reviewFileAudit: Migration = {
  version: 7,
  name: 'review session treatment and file audit',
  up: `
    ALTER TABLE review_sessions ADD COLUMN treatment_json TEXT;
    CREATE TABLE review_file_audit (
      id               INTEGER PRIMARY KEY,
      session_id       INTEGER NOT NULL,
      session_token    TEXT NOT NULL,
      reviewer         TEXT NOT NULL,
      path             TEXT NOT NULL,
      cases            INTEGER NOT NULL,
      real_cases       INTEGER NOT NULL,
      synthetic_cases  INTEGER NOT NULL,
      created_at       TEXT NOT NULL
    );
  `,
};
