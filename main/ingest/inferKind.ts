import type { VariableKind } from './mapping.js';
import { DateParser, parseNumber, type MissingTest } from './values.js';

export interface KindGuess {
  kind: VariableKind;
  /** Set when the sample had no values at all, so the guess is a default. */
  empty: boolean;
}

/** Share of sampled values that must be numbers for a column to be numeric (the rest then fail the import, by name). */
const NUMERIC_SHARE = 0.95;

/**
 * Infers a column's kind from sampled raw values: numbers are numeric, or
 * binary when they are only 0 and 1; full dates are dates; text is binary with
 * two levels and categorical otherwise.
 */
export function inferKind(values: Iterable<string>, isMissing: MissingTest, dates: DateParser): KindGuess {
  let n = 0;
  let numeric = 0;
  let datesSeen = 0;
  let onlyZeroOne = true;
  const levels = new Set<string>();
  for (const raw of values) {
    if (isMissing(raw)) continue;
    n++;
    const num = parseNumber(raw);
    if (num !== undefined) {
      numeric++;
      if (num !== 0 && num !== 1) onlyZeroOne = false;
      continue;
    }
    if (dates.toDays(raw) !== undefined) datesSeen++;
    if (levels.size <= 2) levels.add(raw.trim());
  }
  if (n === 0) return { kind: 'categorical', empty: true };
  if (numeric === n) return { kind: onlyZeroOne ? 'binary' : 'numeric', empty: false };
  if (numeric / n >= NUMERIC_SHARE) return { kind: 'numeric', empty: false };
  if (datesSeen === n) return { kind: 'date', empty: false };
  return { kind: levels.size <= 2 && numeric === 0 ? 'binary' : 'categorical', empty: false };
}
