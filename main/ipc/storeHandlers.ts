import { dirname, join } from 'node:path';
import type { Emit } from '../../preload/contract.js';
import { cohortsHandlers } from '../cohort/cohortsHandlers.js';
import { evaluationHandlers } from '../evaluation/evaluationHandlers.js';
import { exportHandlers } from '../export/exportHandlers.js';
import { ledgerHandlers } from '../export/ledgerHandlers.js';
import { datasetsHandlers } from '../ingest/datasetsHandlers.js';
import { reviewHandlers } from '../review/reviewHandlers.js';
import type { Db } from '../store/database.js';
import { trainingHandlers } from '../training/trainingHandlers.js';

/**
 * Every contract method answered from one store connection, combined from each
 * domain's slice (Actual Budget combines its per-domain handler tables the same
 * way): run in the app's store process. Plain Node.
 */
export function storeHandlers(db: Db, emit: Emit, reportsDir = join(dirname(db.name), 'reports')) {
  return {
    ...datasetsHandlers(db),
    ...cohortsHandlers(db, emit),
    ...trainingHandlers(db),
    ...evaluationHandlers(db, reportsDir),
    ...reviewHandlers(db),
    ...ledgerHandlers(db),
  };
}

/** Store work main asks for with arguments only it may supply (a folder chosen in its dialog): not in the contract. */
export function internalStoreHandlers(db: Db) {
  return exportHandlers(db);
}

export type StoreMethod = keyof ReturnType<typeof storeHandlers>;
export type InternalStoreMethod = keyof ReturnType<typeof internalStoreHandlers>;
