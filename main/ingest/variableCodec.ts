import type { DateParser } from './dateParser.js';
import { ImportError, type ImportWarning } from './errors.js';
import type { VariableKind } from './mapping.js';
import { numberProblem, parseNumber } from './values.js';

/** How many distinct levels of a categorical variable are tracked for its category list. */
const MAX_TRACKED_LEVELS = 1000;

export interface EncodedValue {
  num: number | null;
  txt: string | null;
}

/** What a cell that breaks its variable's kind does: stop the import (default), or become missing with a warning. */
export type BadValuePolicy = 'refuse' | 'missing';

/** How the kind was inferred, for the message when a cell does not fit it. */
export interface InferredFrom {
  values: number;
  fitting: number;
  sampleRows: number;
  /** The first cells of the sample that do not fit. */
  misfits: { line: number; raw: string }[];
}

export interface CodecOptions {
  onBadValue: BadValuePolicy;
  warn: (w: ImportWarning) => void;
  inferredFrom?: InferredFrom;
}

/**
 * One variable of the dataset: turns raw cells into stored values by its kind.
 * A cell that breaks the kind is refused, naming file, line and column, or,
 * with "onBadValue": "missing", read as missing with a warning.
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
    private readonly options: CodecOptions = { onBadValue: 'refuse', warn: () => {} },
  ) {}

  /** The stored value of a cell (valid until the next encode), or undefined when a bad cell is read as missing. */
  encode(raw: string, file: string, line: number, column: string): EncodedValue | undefined {
    const text = raw.trim();
    switch (this.kind) {
      case 'numeric': {
        const num = parseNumber(text);
        if (num === undefined) return this.bad(raw, file, line, column, numberProblem(text) ?? `text in a numeric column (variable "${this.name}")`);
        return this.value(num, null);
      }
      case 'date': {
        const reading = this.dates.read(text);
        if (reading.problem !== undefined) return this.bad(raw, file, line, column, reading.problem);
        return this.value(reading.days, null);
      }
      case 'binary': {
        if (!this.levels.has(text) && this.levels.size >= 2) {
          const known = [...this.levels].map((l) => JSON.stringify(l)).join(' and ');
          return this.bad(raw, file, line, column, `a third value in a binary column (variable "${this.name}" already has ${known}); set its kind to "categorical" in the mapping if that is right`);
        }
        this.track(text);
        const num = parseNumber(text);
        return num === undefined ? this.value(null, text) : this.value(num, null);
      }
      case 'categorical':
        this.track(text);
        return this.value(null, text);
    }
  }

  /** One object per codec, overwritten by each encode: a large import encodes millions of cells, each used at once. */
  private readonly encoded: EncodedValue = { num: null, txt: null };

  private value(num: number | null, txt: string | null): EncodedValue {
    this.encoded.num = num;
    this.encoded.txt = txt;
    return this.encoded;
  }

  private bad(raw: string, file: string, line: number, column: string, rule: string): undefined {
    if (this.options.onBadValue === 'missing') {
      this.options.warn({ code: 'bad-value-missing', file, line, column, value: raw, message: `${rule}; read as missing ("onBadValue": "missing")` });
      return undefined;
    }
    throw new ImportError({ file, line, column, value: raw }, `${rule}${this.inferenceNote(line)}`);
  }

  /** For an inferred kind: how it was inferred, and the sample's other cells that do not fit. */
  private inferenceNote(line: number): string {
    const from = this.options.inferredFrom;
    const fix = '; set "onBadValue": "missing" to import such cells as missing with a warning each, or set "kind" in the mapping';
    if (!from) return fix;
    const what = this.kind === 'date' ? 'dates' : 'numbers';
    const others = from.misfits.filter((m) => m.line !== line).map((m) => `line ${m.line} ${JSON.stringify(m.raw)}`);
    const also = others.length ? `; other cells that are not: ${others.join(', ')}` : '';
    return ` (${from.fitting} of ${from.values} values in the first ${from.sampleRows} rows are ${what}, so the column is ${this.kind}${also})${fix}`;
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
