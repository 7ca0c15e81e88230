import { UserError, type ErrorCode } from '../common/errors.js';
import type { Db } from '../store/database.js';
import { SyntheticRepository, type SyntheticSetRow } from '../store/repositories/syntheticRepository.js';

// Finding a synthetic set by name or id, apart from evaluate.ts so that a caller
// that only looks a set up (a review session) does not load the evaluation's models.

export class EvaluationError extends UserError {
  override name = 'EvaluationError';
  readonly code: ErrorCode = 'evaluation-refused';
}

export function findSyntheticSet(db: Db, ref: string): SyntheticSetRow {
  const sets = new SyntheticRepository(db).list();
  const found = sets.find((s) => s.datasetName === ref) ?? sets.find((s) => String(s.id) === ref);
  if (!found) throw new EvaluationError(`No synthetic set "${ref}".${sets.length ? ` Sets: ${sets.map((s) => s.datasetName).join(', ')}.` : ' Generate one with: synthehr generate RUN --patients N'}`);
  return found;
}
