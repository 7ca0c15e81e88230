import type { ErrorCode, ErrorWire } from '../../preload/errors.js';

export type { ErrorCode, ErrorWire } from '../../preload/errors.js';

/**
 * An error the user caused and can fix (bad input, a bad definition, a missing
 * run, a refused export): expected, shown as its message, never as a crash.
 * Its `code` is stable across processes (VS Code's base/common/errors.ts keeps
 * expected errors apart the same way).
 */
export abstract class UserError extends Error {
  abstract readonly code: ErrorCode;
}

/** A cohort definition that cannot be built (the cohort and the encoding refuse it alike). */
export class CohortDefinitionError extends UserError {
  readonly code: ErrorCode = 'bad-definition';
  constructor(message: string) {
    super(message);
    this.name = 'CohortDefinitionError';
  }
}

/** What a worker process posts for a failed call: the user error's code, or 'unexpected'. */
export function errorToWire(err: unknown): ErrorWire {
  if (err instanceof UserError) return { code: err.code, message: err.message };
  return { code: 'unexpected', message: err instanceof Error ? err.message : String(err) };
}

/** A user error that happened in another process, rebuilt from its wire form (same code and message). */
export class RemoteUserError extends UserError {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteUserError';
  }
}

/** The error a wire form stands for: a user error keeps its code; anything else is a plain Error. */
export function errorFromWire(wire: ErrorWire): Error {
  return wire.code === 'unexpected' ? new Error(wire.message) : new RemoteUserError(wire.code, wire.message);
}
