import { ImportError } from './errors.js';
import type { VariableKind } from './mapping.js';
import { DateParser, parseNumber } from './values.js';

/** How many distinct levels of a categorical variable are tracked for its category list. */
const MAX_TRACKED_LEVELS = 1000;

export interface EncodedValue {
  num: number | null;
  txt: string | null;
}

/**
 * One variable of the dataset: turns raw cells into stored values by its kind,
 * and refuses cells that break the kind, naming file, line and column.
 */
export class VariableCodec {
  readonly levels = new Set<string>();
  levelsOverflowed = false;
  /** Unit as first recorded in a long file's unit column; later different units are warned about once each. */
  unit: string | undefined;
  lastUnitSeen: string | undefined;
  readonly conflictingUnits = new Set<string>();

  constructor(
    readonly id: number,
    readonly name: string,
    readonly kind: VariableKind,
    readonly role: 'static' | 'measurement',
    private readonly dates: DateParser,
  ) {}

  encode(raw: string, file: string, line: number, column: string): EncodedValue {
    const text = raw.trim();
    switch (this.kind) {
      case 'numeric': {
        const num = parseNumber(text);
        if (num === undefined) {
          throw new ImportError({ file, line, column, value: raw }, `text in a numeric column (variable "${this.name}")`);
        }
        return { num, txt: null };
      }
      case 'date': {
        const days = this.dates.toDays(text);
        if (days === undefined) throw unparseableDate(this.dates, file, line, column, raw);
        return { num: days, txt: null };
      }
      case 'binary': {
        this.track(text);
        if (this.levels.size > 2) {
          throw new ImportError(
            { file, line, column, value: raw },
            `a third value in a binary column (variable "${this.name}" already has ${[...this.levels].slice(0, 2).map((l) => JSON.stringify(l)).join(' and ')}); set its kind to "categorical" in the mapping if that is right`,
          );
        }
        const num = parseNumber(text);
        return num === undefined ? { num: null, txt: text } : { num, txt: null };
      }
      case 'categorical':
        this.track(text);
        return { num: null, txt: text };
    }
  }

  private track(level: string): void {
    if (this.levels.has(level)) return;
    if (this.levels.size >= MAX_TRACKED_LEVELS) {
      this.levelsOverflowed = true;
      return;
    }
    this.levels.add(level);
  }

  sortedLevels(): string[] {
    return [...this.levels].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }
}

export function unparseableDate(dates: DateParser, file: string, line: number, column: string, raw: string): ImportError {
  const expected =
    dates.format === 'iso'
      ? 'an ISO date such as 2001-08-21 (declare "dateFormat" in the mapping, e.g. "dd/MM/yyyy", for other forms)'
      : `a date in the declared form "${dates.format}"`;
  return new ImportError({ file, line, column, value: raw }, `unparseable date: expected ${expected}`);
}
