import type { DateParser } from './dateParser.js';
import type { VariableKind } from './mapping.js';
import { parseNumber, type MissingTest } from './values.js';

export interface KindGuess {
  kind: VariableKind;
  /** Set when the sample had no values at all, so the guess is a default. */
  empty: boolean;
  /** Non-missing values sampled. */
  values: number;
  numbers: number;
  dates: number;
  /** Positions, among the values given, of the first few that do not fit the kind (numeric or date columns). */
  misfits: number[];
  /** A categorical column that also holds numbers or dates: imported as text, with a warning. */
  mixed: boolean;
}

/** Share of sampled values that must be numbers (or dates) for a column to be numeric (or date); the other cells are then bad values. */
const MOSTLY = 0.5;
const MISFITS_KEPT = 4;

/**
 * Infers a column's kind from sampled raw values: numbers are numeric, or
 * binary when they are only 0 and 1; dates are dates; text is binary with two
 * levels and categorical otherwise. A column that is mostly numbers (or dates)
 * but not only takes that kind, and its other cells are bad values that stop
 * the import (or become missing, by the mapping's "onBadValue"): the kind never
 * changes silently because of a few odd cells.
 */
export function inferKind(values: Iterable<string>, isMissing: MissingTest, dates: DateParser): KindGuess {
  let n = 0;
  let numbers = 0;
  let datesSeen = 0;
  let onlyZeroOne = true;
  const levels = new Set<string>();
  const notNumbers: number[] = [];
  const notDates: number[] = [];
  let position = -1;
  for (const raw of values) {
    position++;
    if (isMissing(raw)) continue;
    n++;
    const num = parseNumber(raw);
    if (num !== undefined) {
      numbers++;
      if (num !== 0 && num !== 1) onlyZeroOne = false;
      if (notDates.length < MISFITS_KEPT) notDates.push(position);
      continue;
    }
    if (notNumbers.length < MISFITS_KEPT) notNumbers.push(position);
    if (dates.toDays(raw) !== undefined) datesSeen++;
    else if (notDates.length < MISFITS_KEPT) notDates.push(position);
    if (levels.size <= 2) levels.add(raw.trim());
  }
  const guess = { empty: false, values: n, numbers, dates: datesSeen, misfits: [] as number[], mixed: false };
  if (n === 0) return { ...guess, kind: 'categorical', empty: true };
  if (numbers === n) return { ...guess, kind: onlyZeroOne ? 'binary' : 'numeric' };
  if (numbers >= n * MOSTLY) return { ...guess, kind: 'numeric', misfits: notNumbers };
  if (datesSeen === n) return { ...guess, kind: 'date' };
  if (datesSeen >= n * MOSTLY) return { ...guess, kind: 'date', misfits: notDates };
  const kind = levels.size <= 2 && numbers === 0 && datesSeen === 0 ? 'binary' : 'categorical';
  return { ...guess, kind, mixed: numbers + datesSeen > 0 };
}
