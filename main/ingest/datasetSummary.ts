import type { Db } from '../store/database.js';
import { UserError, type ErrorCode } from '../common/errors.js';
import {
  DatasetRepository,
  type DatasetOverview,
  type ImportLogRow,
  type VariableStats,
} from '../store/repositories/datasetRepository.js';

export interface DatasetSummary extends DatasetOverview {
  variables: VariableStats[];
  imports: ImportLogRow[];
}

export class DatasetNotFoundError extends UserError {
  readonly code: ErrorCode = 'dataset-not-found';
  constructor(nameOrId: string, known: string[]) {
    super(`No dataset "${nameOrId}" in this store.${known.length ? ` Datasets: ${known.join(', ')}.` : ' The store is empty: import one first.'}`);
    this.name = 'DatasetNotFoundError';
  }
}

/** Everything `inspect` shows: counts, per-variable statistics, visits, follow-up, events, censoring, import log. */
export function summarizeDataset(db: Db, nameOrId: string): DatasetSummary {
  const repo = new DatasetRepository(db);
  const dataset = repo.find(nameOrId);
  if (!dataset) throw new DatasetNotFoundError(nameOrId, repo.list().map((d) => d.name));
  const overview = repo.overview(dataset.id);
  const totals = { patients: dataset.patients, visits: overview.visits };
  return {
    ...overview,
    variables: repo.variables(dataset.id).map((v) => repo.variableStats(v, totals)),
    imports: repo.importLog(dataset.id),
  };
}

export function listDatasets(db: Db) {
  return new DatasetRepository(db).list();
}
