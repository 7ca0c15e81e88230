import { UserError, type ErrorCode } from '../common/errors.js';

/** Where in the source a problem is: file name, 1-based physical line, column header. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: string;
  value?: string;
}

/**
 * A problem with the input that stops the import. The store is left exactly as
 * it was: the whole import is one transaction and is rolled back.
 */
export class ImportError extends UserError {
  readonly code: ErrorCode = 'bad-input';
  constructor(
    readonly location: SourceLocation,
    /** The rule that was broken, as a short phrase. */
    readonly rule: string,
  ) {
    super(formatProblem(location, rule));
    this.name = 'ImportError';
  }
}

/** A softer problem: counted, listed and stored with the import; the import goes on. */
export interface ImportWarning extends SourceLocation {
  /** A stable code, e.g. `visit-after-death`. */
  code: string;
  message: string;
}

export function formatProblem(loc: SourceLocation, rule: string): string {
  const where = [loc.file];
  if (loc.line !== undefined) where.push(`line ${loc.line}`);
  if (loc.column !== undefined) where.push(`column "${loc.column}"`);
  const value = loc.value !== undefined ? ` value ${JSON.stringify(truncate(loc.value))}:` : '';
  return `${where.join(', ')}:${value} ${rule}`;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
