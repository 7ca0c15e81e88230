import type { Db } from '../database.js';

export interface AuditRow {
  id: number;
  syntheticSetId: number;
  format: 'csv' | 'fhir' | 'omop';
  directory: string;
  filesJson: string;
  gateJson: string;
  overrideReason: string | null;
  createdAt: string;
}

export class ExportAuditRepository {
  constructor(private readonly db: Db) {}

  add(a: Omit<AuditRow, 'id' | 'createdAt'>): number {
    return Number(
      this.db
        .prepare('INSERT INTO export_audit (synthetic_set_id, format, directory, files_json, gate_json, override_reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(a.syntheticSetId, a.format, a.directory, a.filesJson, a.gateJson, a.overrideReason, new Date().toISOString()).lastInsertRowid,
    );
  }

  list(): AuditRow[] {
    return this.db
      .prepare(
        `SELECT id, synthetic_set_id AS syntheticSetId, format, directory, files_json AS filesJson, gate_json AS gateJson,
                override_reason AS overrideReason, created_at AS createdAt FROM export_audit ORDER BY id`,
      )
      .all() as AuditRow[];
  }
}
