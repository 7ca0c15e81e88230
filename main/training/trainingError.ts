import { UserError, type ErrorCode } from '../common/errors.js';

/** A run that cannot start, go on or finish, said so that a person can act on it. */
export class TrainingError extends UserError {
  override name = 'TrainingError';
  readonly code: ErrorCode = 'training-refused';
}
