/**
 * The stable codes of the errors a user can cause, shared by main (which throws
 * them), the worker processes (which post them) and the renderer (which reads
 * them). A code is never reworded; a new kind of mistake gets a new code.
 */
export const ERROR_CODES = [
  /** A CLI command or option used wrongly. */
  'usage',
  /** A renderer call from an untrusted frame, or with arguments the contract refuses. */
  'invalid-call',
  /** A problem in an imported file: file, line, column, value and rule in the message. */
  'bad-input',
  'bad-mapping',
  'bad-definition',
  'store-too-new',
  'store-unavailable',
  'dataset-not-found',
  'cohort-not-found',
  'patient-not-in-cohort',
  'training-refused',
  /** A training backend asked for by name that cannot start here; the message says what to install. */
  'backend-unavailable',
  'evaluation-refused',
  'export-refused',
  /** An export that would pass the privacy budget a steward set for its source dataset. */
  'budget-refused',
  'export-target',
  'review-refused',
  'review-settings',
  /** Anything else: a bug or the machine (disk full, a process killed); the message says what happened. */
  'unexpected',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error as it crosses a process boundary (store process → main → renderer). */
export interface ErrorWire {
  code: ErrorCode;
  message: string;
}
