import { isValid, parse } from 'date-fns';
import { wallClockToUtc } from './timeZone.js';

/** Earliest year accepted in a date: older ones are typos or placeholders, not clinical records. */
export const MIN_YEAR = 1850;
const MS_PER_DAY = 86_400_000;
const CACHE_LIMIT = 200_000;

export interface DateRules {
  /** `iso` (default) or a date-fns pattern such as `dd/MM/yyyy HH:mm`. */
  format?: string;
  /** IANA zone that times without an offset are read in (default UTC). */
  timeZone?: string;
  /** With a `yy` pattern: the first year of the 100-year window two-digit years fall in. */
  twoDigitYearPivot?: number;
  /** Latest year accepted; default next year. */
  maxYear?: number;
}

/** A cell read as days since 1970-01-01 UTC, or the rule it breaks. */
export type DateReading = { days: number; problem?: undefined } | { days?: undefined; problem: string };

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Reads dates into days since 1970-01-01 UTC, the same on every workstation:
 * - a date without a time is that calendar day (midnight UTC): a date means the same day everywhere;
 * - a time with an offset (`Z`, `+02:00`) is that instant;
 * - a time without an offset is a wall-clock time in `timeZone`, converted to UTC.
 * Years before 1850 or after next year, two-digit years (unless a pivot is
 * declared) and local times skipped by a daylight-saving change are refused.
 * Results are cached: clinical extracts repeat the same dates many times.
 */
export class DateParser {
  readonly format: string;
  readonly timeZone: string;
  private readonly pivot: number | undefined;
  private readonly maxYear: number;
  private readonly pattern: PatternTraits;
  private readonly cache = new Map<string, DateReading>();

  constructor(rules: DateRules = {}) {
    this.format = rules.format ?? 'iso';
    this.timeZone = rules.timeZone ?? 'UTC';
    this.pivot = rules.twoDigitYearPivot;
    this.maxYear = rules.maxYear ?? new Date().getUTCFullYear() + 1;
    this.pattern = patternTraits(this.format);
  }

  toDays(raw: string): number | undefined {
    return this.read(raw).days;
  }

  /** Days of a plain `yyyy-mm-dd` cell in the accepted years (ISO format only), else undefined: then `read` it. */
  plainDays(raw: string): number | undefined {
    return this.format === 'iso' ? plainIsoDay(raw, this.maxYear) : undefined;
  }

  read(raw: string): DateReading {
    const days = this.plainDays(raw);
    if (days !== undefined) return { days };
    let reading = this.cache.get(raw);
    if (reading) return reading;
    reading = this.readUncached(raw.trim());
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    // Copy the key: a slice would keep the whole chunk of the file it came from alive.
    this.cache.set(Buffer.from(raw, 'utf8').toString('utf8'), reading);
    return reading;
  }

  private readUncached(text: string): DateReading {
    const fields = this.format === 'iso' ? isoFields(text) : this.patternFields(text);
    if (!fields) return { problem: this.unparseable() };
    const { year } = fields;
    if (fields.twoDigitYear || (year < 100 && this.format !== 'iso')) {
      return { problem: 'a two-digit year: write the year with four digits, or declare "yy" in "dateFormat" with a "twoDigitYearPivot"' };
    }
    if (year < MIN_YEAR) return { problem: `year ${year} is before ${MIN_YEAR}: refused as implausible (a typo, or a placeholder for "unknown"? list placeholders in "missing")` };
    if (year > this.maxYear) return { problem: `year ${year} is after ${this.maxYear} (next year): refused as implausible (a typo?)` };
    let ms = fields.ms;
    if (fields.zoned === 'wall') {
      const utc = wallClockToUtc(this.timeZone, ms);
      if (utc === undefined) return { problem: `this local time does not exist in ${this.timeZone} (the clocks went forward over it); check the "timeZone" of the mapping` };
      ms = utc;
    }
    return { days: ms / MS_PER_DAY };
  }

  /** A cell in a date-fns pattern: the fields are parsed on a UTC calendar, so the workstation's zone plays no part. */
  private patternFields(text: string): DateFields | undefined {
    const date = parse(text, this.format, REFERENCE, { in: inUtc });
    const p = this.pattern;
    if (!isValid(date)) {
      // "00" does not even parse as a four-digit year: say what is wrong rather than "unparseable".
      const twoDigit = p.fourDigitYear && isValid(parse(text, this.format.replace(/y{3,}/g, 'yy'), REFERENCE, { in: inUtc }));
      return twoDigit ? { year: 0, ms: NaN, zoned: 'date', twoDigitYear: true } : undefined;
    }
    if (p.twoDigitYear && this.pivot !== undefined) {
      const year = this.pivot + ((((date.getUTCFullYear() - this.pivot) % 100) + 100) % 100);
      const month = date.getUTCMonth();
      date.setUTCFullYear(year);
      if (date.getUTCMonth() !== month) return undefined; // 29 February moved to a year without one
    }
    return { year: date.getUTCFullYear(), ms: date.getTime(), zoned: p.offset ? 'instant' : p.time ? 'wall' : 'date' };
  }

  private unparseable(): string {
    const expected =
      this.format === 'iso'
        ? 'an ISO date such as 2001-08-21 (declare "dateFormat" in the mapping, e.g. "dd/MM/yyyy", for other forms)'
        : `a date in the declared form "${this.format}"`;
    return `unparseable date: expected ${expected}`;
  }
}

interface DateFields {
  year: number;
  /** The instant (`instant`), the wall-clock time read as if UTC (`wall`), or midnight UTC of the day (`date`). */
  ms: number;
  zoned: 'instant' | 'wall' | 'date';
  /** Set when the cell fits the pattern only with a two-digit year. */
  twoDigitYear?: boolean;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days since 1970-01-01 of a plain `yyyy-mm-dd` cell that is a real day within the
 * accepted years, or undefined for anything else (the full reading then decides).
 * Most cells of an extract are such dates: reading them by arithmetic instead of a
 * regular expression, a Date and a cache lookup keeps a large import fast.
 */
function plainIsoDay(raw: string, maxYear: number): number | undefined {
  if (raw.length !== 10 || raw.charCodeAt(4) !== 45 || raw.charCodeAt(7) !== 45) return undefined;
  const year = digits(raw, 0, 4);
  const month = digits(raw, 5, 7);
  const day = digits(raw, 8, 10);
  if (year < MIN_YEAR || year > maxYear || month < 1 || month > 12 || day < 1) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return undefined;
  return daysFromCivil(year, month, day);
}

/** The number written by the ASCII digits raw[from, to), or -1 when one of them is not a digit. */
function digits(raw: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), exact for every year. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function isoFields(text: string): DateFields | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const year = Number(y);
  const month = Number(mo) - 1;
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 0 || month > 11 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
  if (date.getUTCDate() !== day) return undefined; // 30 February and the like
  let ms = date.getTime();
  if (offset && offset !== 'Z') {
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
    if (offsetMinutes > 18 * 60) return undefined;
    ms -= sign * offsetMinutes * 60_000;
  }
  return { year, ms, zoned: offset ? 'instant' : h !== undefined ? 'wall' : 'date' };
}

interface PatternTraits {
  time: boolean;
  offset: boolean;
  twoDigitYear: boolean;
  fourDigitYear: boolean;
}

function patternTraits(format: string): PatternTraits {
  if (format === 'iso') return { time: false, offset: false, twoDigitYear: false, fourDigitYear: true };
  const tokens = format.replace(/'[^']*'/g, ''); // quoted literal text is not a token
  return {
    time: /[HhKkmsSaBb]/.test(tokens),
    offset: /[XxOTt]/.test(tokens),
    twoDigitYear: (tokens.match(/y+|Y+|u+|R+/g) ?? []).some((run) => run.length === 2),
    fourDigitYear: /y{3,}/.test(tokens),
  };
}

/** Why a date pattern and pivot do not fit together, or undefined when they do. */
export function dateFormatProblem(format: string | undefined, pivot: number | undefined): string | undefined {
  const twoDigits = format !== undefined && patternTraits(format).twoDigitYear;
  if (twoDigits && pivot === undefined) {
    return `dateFormat "${format}" has a two-digit year: give "twoDigitYearPivot" (the first year of the 100-year window, e.g. 1930 reads 30-99 as 1930-1999 and 00-29 as 2000-2029), or use "yyyy"`;
  }
  if (!twoDigits && pivot !== undefined) return '"twoDigitYearPivot" is only for a "dateFormat" with a two-digit year ("yy")';
  return undefined;
}

/** A Date whose "local" fields are its UTC fields: date-fns parses on it without the workstation's zone. */
class UtcDate extends Date {
  [Symbol.for('constructDateFrom')](value: Date | number | string): UtcDate {
    return inUtc(value);
  }
  override getFullYear() { return this.getUTCFullYear(); }
  override getMonth() { return this.getUTCMonth(); }
  override getDate() { return this.getUTCDate(); }
  override getDay() { return this.getUTCDay(); }
  override getHours() { return this.getUTCHours(); }
  override getMinutes() { return this.getUTCMinutes(); }
  override getSeconds() { return this.getUTCSeconds(); }
  override getMilliseconds() { return this.getUTCMilliseconds(); }
  override getTimezoneOffset() { return 0; }
  override setFullYear(...a: Parameters<Date['setUTCFullYear']>) { return this.setUTCFullYear(...a); }
  override setMonth(...a: Parameters<Date['setUTCMonth']>) { return this.setUTCMonth(...a); }
  override setDate(...a: Parameters<Date['setUTCDate']>) { return this.setUTCDate(...a); }
  override setHours(...a: Parameters<Date['setUTCHours']>) { return this.setUTCHours(...a); }
  override setMinutes(...a: Parameters<Date['setUTCMinutes']>) { return this.setUTCMinutes(...a); }
  override setSeconds(...a: Parameters<Date['setUTCSeconds']>) { return this.setUTCSeconds(...a); }
  override setMilliseconds(...a: Parameters<Date['setUTCMilliseconds']>) { return this.setUTCMilliseconds(...a); }
}

function inUtc(value: Date | number | string): UtcDate {
  return new UtcDate(value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value));
}

const REFERENCE = inUtc(Date.UTC(2000, 0, 1));
