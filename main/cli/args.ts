import { existsSync, statSync } from 'node:fs';
import { UserError, type ErrorCode } from '../common/errors.js';
import { BACKENDS, type BackendName } from '../training/backendNames.js';

/** A command line that cannot be run as given: printed with the usage, exit code 2. */
export class UsageError extends UserError {
  override name = 'UsageError';
  readonly code: ErrorCode = 'usage';
  /** The command whose usage goes with the message; none for the global usage. */
  command?: string;
}

interface Bounds {
  min?: number;
  max?: number;
  /** The bounds themselves are not allowed. */
  exclusive?: boolean;
}

function describe(b: Bounds): string {
  const lo = b.min === undefined ? '' : `${b.exclusive ? 'above' : 'at least'} ${b.min}`;
  const hi = b.max === undefined ? '' : `${b.exclusive ? 'below' : 'at most'} ${b.max}`;
  return [lo, hi].filter(Boolean).join(' and ');
}

function inBounds(n: number, b: Bounds): boolean {
  if (b.min !== undefined && (b.exclusive ? n <= b.min : n < b.min)) return false;
  if (b.max !== undefined && (b.exclusive ? n >= b.max : n > b.max)) return false;
  return true;
}

/** A finite decimal number inside the bounds; anything else ("abc", "1e999", "") is refused by name. */
export function numberArg(text: string, flag: string, bounds: Bounds = {}): number {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || !inBounds(n, bounds)) {
    throw new UsageError(`${flag} needs a number${bounds.min !== undefined || bounds.max !== undefined ? ` ${describe(bounds)}` : ''}, not "${text}"`);
  }
  return n;
}

/** A whole number inside the bounds (default: 1 or more); "0.4" or "3.0e0x" is refused, never rounded. */
export function integerArg(text: string, flag: string, bounds: Bounds = { min: 1 }): number {
  const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || !inBounds(n, bounds)) {
    throw new UsageError(`${flag} needs a whole number ${describe(bounds)}, not "${text}"`);
  }
  return n;
}

/** A seed: a whole number from 0 to 2^31 - 1, so that every backend's generator takes it as it is. */
export const seedArg = (text: string) => integerArg(text, '--seed', { min: 0, max: 2 ** 31 - 1 });

/** A folder to write into: refused when something that is not a folder is already there. */
export function outputFolderArg(path: string, flag: string): string {
  if (existsSync(path) && !statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a file; give a folder to write into`);
  return path;
}

/** A file to write: refused when it is a folder. */
export function outputFileArg(path: string, flag: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a folder; give a file name`);
  return path;
}

/** --backend: auto or one of the backends. */
export function backendArg(text: string): BackendName | 'auto' {
  if (text === 'auto' || (BACKENDS as readonly string[]).includes(text)) return text as BackendName | 'auto';
  throw new UsageError(`--backend is one of auto, ${BACKENDS.join(', ')}`);
}
