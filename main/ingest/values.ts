import { isValid, parse, parseISO } from 'date-fns';

export const DEFAULT_MISSING_TOKENS = ['', 'NA', 'NaN'] as const;

export type MissingTest = (raw: string) => boolean;

export function missingTest(tokens: readonly string[] = DEFAULT_MISSING_TOKENS): MissingTest {
  const set = new Set(tokens.map((t) => t.trim()));
  const longest = Math.max(...[...set].map((t) => t.length));
  // Called for every cell: skip the trim for values that cannot be a token.
  return (raw) => set.has(raw) || (raw.length <= longest + 8 && set.has(raw.trim()));
}

const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A finite decimal number, or undefined. Rejects forms `Number()` accepts but a lab export never means (hex, Infinity, ''). */
export function parseNumber(raw: string): number | undefined {
  return NUMBER.test(raw) ? Number(raw) : undefined;
}

export const TIME_UNITS = {
  minutes: 1 / 1440,
  hours: 1 / 24,
  days: 1,
  weeks: 7,
  months: 365.25 / 12,
  years: 365.25,
} as const;
export type TimeUnit = keyof typeof TIME_UNITS;

const MS_PER_DAY = 86_400_000;
const CACHE_LIMIT = 200_000;

/**
 * Parses dates with date-fns into days since 1970-01-01 (UTC wall clock: a
 * date means the same day wherever the workstation is). `iso` accepts ISO 8601;
 * any other string is a date-fns format such as `dd/MM/yyyy`. Results are
 * cached: clinical extracts repeat the same dates many times.
 */
export class DateParser {
  private readonly cache = new Map<string, number | undefined>();

  constructor(readonly format: string = 'iso') {}

  toDays(raw: string): number | undefined {
    let days = this.cache.get(raw);
    if (days !== undefined || this.cache.has(raw)) return days;
    days = this.parseUncached(raw.trim());
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    // Copy the key: a slice would keep the whole chunk of the file it came from alive.
    this.cache.set(copyString(raw), days);
    return days;
  }

  private parseUncached(text: string): number | undefined {
    // parseISO also accepts bare years and week dates; a clinical date column wants a full date.
    if (this.format === 'iso' && !/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
    const date = this.format === 'iso' ? parseISO(text) : parse(text, this.format, new Date(2000, 0, 1));
    if (!isValid(date)) return undefined;
    const utc = Date.UTC(
      date.getFullYear(),
      date.getMonth(),
      date.getDate(),
      date.getHours(),
      date.getMinutes(),
      date.getSeconds(),
      date.getMilliseconds(),
    );
    return utc / MS_PER_DAY;
  }
}

function copyString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Days since 1970-01-01 back to an ISO date (or date-time when the day has a time part). */
export function daysToIso(days: number): string {
  const iso = new Date(Math.round(days * MS_PER_DAY)).toISOString();
  return Number.isInteger(days) ? iso.slice(0, 10) : iso.slice(0, 19);
}
