import { coreTables } from './001-core.js';
import { importLogAndTimeViews } from './002-import-log-and-time-views.js';
import { cohorts } from './003-cohorts.js';
import { training } from './004-training.js';
import { exportAudit } from './005-export-audit.js';
import { review } from './006-review.js';
import { reviewFileAudit } from './007-review-file-audit.js';
import { storedEvaluations } from './008-stored-evaluations.js';
import { trainingStop } from './009-training-stop.js';
import { syntheticCondition } from './010-synthetic-condition.js';
import { reviewSubgroup } from './011-review-subgroup.js';
import { privacyLedger } from './012-privacy-ledger.js';
import type { Migration } from './types.js';

/** Every schema step, in order. Append only: a shipped step is never edited. */
export const migrations: readonly Migration[] = [coreTables, importLogAndTimeViews, cohorts, training, exportAudit, review, reviewFileAudit, storedEvaluations, trainingStop, syntheticCondition, reviewSubgroup, privacyLedger];

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

export type { Migration };
