import type { Db } from '../database.js';

export interface ReviewCaseRow {
  position: number;
  truth: 'real' | 'synthetic';
  patientId: number;
  caseJson: string;
}

export interface ReviewAnswerRow {
  position: number;
  reviewer: string;
  answer: 'real' | 'synthetic';
  confidence: number;
  flags: string[];
}

export interface ReviewFileAuditRow {
  id: number;
  sessionId: number;
  token: string;
  reviewer: string;
  path: string;
  cases: number;
  real: number;
  synthetic: number;
  createdAt: string;
}

export class ReviewRepository {
  constructor(private readonly db: Db) {}

  create(syntheticSetId: number, token: string, seed: number, cases: ReviewCaseRow[], treatmentJson: string, subgroup: string | null = null): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare('INSERT INTO review_sessions (synthetic_set_id, token, seed, created_at, treatment_json, subgroup) VALUES (?, ?, ?, ?, ?, ?)')
          .run(syntheticSetId, token, seed, new Date().toISOString(), treatmentJson, subgroup).lastInsertRowid,
      );
      const insert = this.db.prepare('INSERT INTO review_cases VALUES (?, ?, ?, ?, ?)');
      for (const c of cases) insert.run(id, c.position, c.truth, c.patientId, c.caseJson);
      return id;
    })();
  }

  session(ref: string) {
    return this.db
      .prepare('SELECT id, synthetic_set_id AS syntheticSetId, token, seed, created_at AS createdAt, treatment_json AS treatmentJson, subgroup FROM review_sessions WHERE CAST(id AS TEXT) = ? OR token = ?')
      .get(ref, ref) as { id: number; syntheticSetId: number; token: string; seed: number; createdAt: string; treatmentJson: string | null; subgroup: string | null } | undefined;
  }

  cases(sessionId: number): ReviewCaseRow[] {
    return this.db.prepare('SELECT position, truth, patient_id AS patientId, case_json AS caseJson FROM review_cases WHERE session_id = ? ORDER BY position').all(sessionId) as ReviewCaseRow[];
  }

  /** Saves answers (a later answer of a reviewer to a case replaces the earlier one). */
  answer(sessionId: number, answers: ReviewAnswerRow[]): void {
    const upsert = this.db.prepare('INSERT OR REPLACE INTO review_answers VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const a of answers) upsert.run(sessionId, a.position, a.reviewer, a.answer, a.confidence, JSON.stringify(a.flags), new Date().toISOString());
    })();
  }

  answers(sessionId: number): ReviewAnswerRow[] {
    return (
      this.db.prepare('SELECT position, reviewer, answer, confidence, flags_json AS flagsJson FROM review_answers WHERE session_id = ? ORDER BY reviewer, position').all(sessionId) as (Omit<ReviewAnswerRow, 'flags'> & { flagsJson: string })[]
    ).map(({ flagsJson, ...a }) => ({ ...a, flags: JSON.parse(flagsJson) as string[] }));
  }

  list() {
    return this.db
      .prepare(
        `SELECT s.id, d.name AS "set", (SELECT count(*) FROM review_cases c WHERE c.session_id = s.id) AS cases,
                (SELECT count(*) FROM review_answers a WHERE a.session_id = s.id) AS answers, s.created_at AS createdAt, s.subgroup
           FROM review_sessions s JOIN synthetic_sets y ON y.id = s.synthetic_set_id JOIN datasets d ON d.id = y.dataset_id ORDER BY s.id`,
      )
      .all() as { id: number; set: string; cases: number; answers: number; createdAt: string; subgroup: string | null }[];
  }

  latestForSet(syntheticSetId: number) {
    return this.db.prepare('SELECT id FROM review_sessions WHERE synthetic_set_id = ? ORDER BY id DESC LIMIT 1').pluck().get(syntheticSetId) as number | undefined;
  }

  /** The recorded values of a source variable (statics or measurements), to derive its review precision from. */
  variableValues(variableId: number, role: 'static' | 'measurement'): { num: number | null; txt: string | null }[] {
    const table = role === 'static' ? 'static_values' : 'measurements';
    return this.db.prepare(`SELECT num, txt FROM ${table} WHERE variable_id = ?`).all(variableId) as { num: number | null; txt: string | null }[];
  }

  /** Logs a session file written for a reviewer (it carries real patients' records). */
  logFileExport(e: Omit<ReviewFileAuditRow, 'id' | 'createdAt'>): number {
    return Number(
      this.db
        .prepare('INSERT INTO review_file_audit (session_id, session_token, reviewer, path, cases, real_cases, synthetic_cases, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(e.sessionId, e.token, e.reviewer, e.path, e.cases, e.real, e.synthetic, new Date().toISOString()).lastInsertRowid,
    );
  }

  /** The session files written, oldest first (of one session, or all). */
  exportLog(sessionId?: number): ReviewFileAuditRow[] {
    return this.db
      .prepare(
        `SELECT id, session_id AS sessionId, session_token AS token, reviewer, path, cases, real_cases AS real, synthetic_cases AS synthetic, created_at AS createdAt
           FROM review_file_audit WHERE ? IS NULL OR session_id = ? ORDER BY id`,
      )
      .all(sessionId ?? null, sessionId ?? null) as ReviewFileAuditRow[];
  }
}
