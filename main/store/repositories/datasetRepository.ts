import type { Db } from '../database.js';

export interface DatasetRow {
  id: number;
  name: string;
  description: string | null;
  timeBasis: 'calendar' | 'relative';
  createdAt: string;
  patients: number;
  measurements: number;
  events: number;
}

export interface VariableRow {
  id: number;
  name: string;
  role: 'static' | 'measurement';
  kind: 'numeric' | 'categorical' | 'binary' | 'date';
  unit: string | null;
  sourceFile: string;
  sourceColumn: string;
  categories: string[] | null;
}

export interface Quantiles {
  n: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
  mean: number;
}

export interface VariableStats {
  variable: VariableRow;
  /** Patients with a value (static) or measurements recorded (measurement). */
  observed: number;
  /** Share of patients (static) or of visits (measurement) without a value, 0..1. */
  missingShare: number;
  numeric?: Quantiles;
  categories?: { level: string; count: number }[];
}

export interface ImportLogRow {
  id: number;
  startedAt: string;
  finishedAt: string;
  rowsRead: number;
  warningCount: number;
  files: { fileName: string; path: string; sizeBytes: number; sha256: string; rowsRead: number }[];
  warningsByRule: { rule: string; count: number }[];
  warnings: { rule: string; fileName: string; line: number | null; column: string | null; value: string | null; message: string }[];
}

export interface DatasetOverview {
  dataset: DatasetRow;
  visits: number;
  visitsPerPatient: Quantiles | null;
  followUpDays: Quantiles | null;
  outcomes: number;
  outcomeEvents: { type: string; count: number }[];
  censoringRate: number | null;
  events: { type: string; count: number; patients: number }[];
}

const DATASET_COLUMNS = `
  d.id, d.name, d.description, d.time_basis AS timeBasis, d.created_at AS createdAt,
  (SELECT count(*) FROM patients p WHERE p.dataset_id = d.id) AS patients,
  (SELECT count(*) FROM measurements m JOIN patients p ON p.id = m.patient_id WHERE p.dataset_id = d.id) AS measurements,
  (SELECT count(*) FROM events e JOIN patients p ON p.id = e.patient_id WHERE p.dataset_id = d.id) AS events`;

/** Read side of datasets: lists, variables, summaries and the import log. */
export class DatasetRepository {
  constructor(private readonly db: Db) {}

  list(): DatasetRow[] {
    return this.db.prepare(`SELECT ${DATASET_COLUMNS} FROM datasets d ORDER BY d.id`).all() as DatasetRow[];
  }

  /** A dataset by name or numeric id. */
  find(nameOrId: string): DatasetRow | undefined {
    return this.db
      .prepare(`SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.name = ? OR CAST(d.id AS TEXT) = ? ORDER BY d.name = ? DESC LIMIT 1`)
      .get(nameOrId, nameOrId, nameOrId) as DatasetRow | undefined;
  }

  variables(datasetId: number): VariableRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, name, role, kind, unit, source_file AS sourceFile, source_column AS sourceColumn, categories
           FROM variables WHERE dataset_id = ? ORDER BY role DESC, id`,
      )
      .all(datasetId) as (Omit<VariableRow, 'categories'> & { categories: string | null })[];
    return rows.map((r) => ({ ...r, categories: r.categories ? (JSON.parse(r.categories) as string[]) : null }));
  }

  overview(datasetId: number): DatasetOverview {
    const dataset = this.db.prepare(`SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.id = ?`).get(datasetId) as DatasetRow;
    const visitCounts = this.db
      .prepare(
        `SELECT count(v.patient_id) AS n FROM patients p
           LEFT JOIN (SELECT DISTINCT patient_id, time FROM measurements) v ON v.patient_id = p.id
          WHERE p.dataset_id = ? GROUP BY p.id ORDER BY n`,
      )
      .pluck()
      .all(datasetId) as number[];
    const followUp = this.db
      .prepare(
        `SELECT o.followup_end - p.index_time FROM outcomes o JOIN patients p ON p.id = o.patient_id
          WHERE p.dataset_id = ? AND p.index_time IS NOT NULL ORDER BY 1`,
      )
      .pluck()
      .all(datasetId) as number[];
    const outcome = this.db
      .prepare(
        `SELECT count(*) AS n, sum(o.event_time IS NULL) AS censored FROM outcomes o
           JOIN patients p ON p.id = o.patient_id WHERE p.dataset_id = ?`,
      )
      .get(datasetId) as { n: number; censored: number | null };
    const outcomeEvents = this.db
      .prepare(
        `SELECT o.event_type AS type, count(*) AS count FROM outcomes o JOIN patients p ON p.id = o.patient_id
          WHERE p.dataset_id = ? AND o.event_time IS NOT NULL GROUP BY o.event_type ORDER BY count DESC`,
      )
      .all(datasetId) as { type: string; count: number }[];
    const events = this.db
      .prepare(
        `SELECT e.type, count(*) AS count, count(DISTINCT e.patient_id) AS patients FROM events e
           JOIN patients p ON p.id = e.patient_id WHERE p.dataset_id = ? GROUP BY e.type ORDER BY count DESC`,
      )
      .all(datasetId) as { type: string; count: number; patients: number }[];
    return {
      dataset,
      visits: visitCounts.reduce((a, b) => a + b, 0),
      visitsPerPatient: quantiles(visitCounts),
      followUpDays: quantiles(followUp),
      outcomes: outcome.n,
      outcomeEvents,
      censoringRate: outcome.n > 0 ? (outcome.censored ?? 0) / outcome.n : null,
      events,
    };
  }

  variableStats(variable: VariableRow, totals: { patients: number; visits: number }): VariableStats {
    const fromStatic = variable.role === 'static';
    const source = fromStatic
      ? 'SELECT num, txt FROM static_values WHERE variable_id = ?'
      : 'SELECT num, txt FROM measurements WHERE variable_id = ?';
    const observed = this.db.prepare(`SELECT count(*) FROM (${source})`).pluck().get(variable.id) as number;
    const covered = fromStatic
      ? observed
      : (this.db.prepare('SELECT count(*) FROM (SELECT DISTINCT patient_id, time FROM measurements WHERE variable_id = ?)').pluck().get(variable.id) as number);
    const denominator = fromStatic ? totals.patients : totals.visits;
    const stats: VariableStats = {
      variable,
      observed,
      missingShare: denominator > 0 ? Math.max(0, 1 - covered / denominator) : 0,
    };
    if (variable.kind === 'numeric' || variable.kind === 'date') {
      const values = this.db.prepare(`SELECT num FROM (${source}) WHERE num IS NOT NULL ORDER BY num`).pluck().all(variable.id) as number[];
      stats.numeric = quantiles(values) ?? undefined;
    } else {
      stats.categories = this.db
        .prepare(`SELECT coalesce(txt, CASE WHEN num = CAST(num AS INTEGER) THEN CAST(CAST(num AS INTEGER) AS TEXT) ELSE CAST(num AS TEXT) END) AS level, count(*) AS count FROM (${source}) GROUP BY 1 ORDER BY count DESC, level`)
        .all(variable.id) as { level: string; count: number }[];
    }
    return stats;
  }

  importLog(datasetId: number): ImportLogRow[] {
    const imports = this.db
      .prepare(
        `SELECT id, started_at AS startedAt, finished_at AS finishedAt, rows_read AS rowsRead, warning_count AS warningCount
           FROM imports WHERE dataset_id = ? ORDER BY id`,
      )
      .all(datasetId) as Omit<ImportLogRow, 'files' | 'warnings' | 'warningsByRule'>[];
    return imports.map((i) => ({
      ...i,
      files: this.db
        .prepare(
          `SELECT file_name AS fileName, path, size_bytes AS sizeBytes, sha256, rows_read AS rowsRead
             FROM import_files WHERE import_id = ? ORDER BY id`,
        )
        .all(i.id) as ImportLogRow['files'],
      warningsByRule: this.db
        .prepare('SELECT rule, count(*) AS count FROM import_warnings WHERE import_id = ? GROUP BY rule ORDER BY rule')
        .all(i.id) as ImportLogRow['warningsByRule'],
      warnings: this.db
        .prepare(
          `SELECT rule, file_name AS fileName, line, column_name AS column, value, message
             FROM import_warnings WHERE import_id = ? ORDER BY id`,
        )
        .all(i.id) as ImportLogRow['warnings'],
    }));
  }
}

/** Quantiles of an ascending-sorted array (linear interpolation), or null when empty. */
export function quantiles(sorted: number[]): Quantiles | null {
  const n = sorted.length;
  if (n === 0) return null;
  const at = (q: number) => {
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n, min: sorted[0]!, p25: at(0.25), median: at(0.5), p75: at(0.75), max: sorted[n - 1]!, mean: sum / n };
}
