import type { Implementation } from '../../preload/contract.js';
import type { Db } from '../store/database.js';
import { listDatasets, summarizeDataset } from './datasetSummary.js';
import { patientTimeline } from './patientTimeline.js';

/** The datasets slice of the contract, answered from the store (imports run in a process of their own: main/ipc/appHandlers.ts). */
export function datasetsHandlers(db: Db) {
  return {
    listDatasets: () => listDatasets(db),
    inspectDataset: (nameOrId) => summarizeDataset(db, nameOrId),
    patientTimeline: (dataset, key) => patientTimeline(db, dataset, key),
  } satisfies Partial<Implementation>;
}
