export const DEFAULT_MISSING_TOKENS = ['', 'NA', 'NaN'] as const;

export type MissingTest = (raw: string) => boolean;

export function missingTest(tokens: readonly string[] = DEFAULT_MISSING_TOKENS): MissingTest {
  const set = new Set(tokens.map((t) => t.trim()));
  const longest = Math.max(...[...set].map((t) => t.length));
  // Called for every cell. A cell starting with a visible ASCII character that no
  // token starts with cannot be a token, even trimmed: no lookup (most cells).
  const tokenStart = new Uint8Array(128);
  for (const t of set) {
    const c = t.charCodeAt(0); // NaN for ''
    if (c < 128) tokenStart[c] = 1;
    else if (c >= 128) tokenStart.fill(1); // a token starting beyond ASCII (rare): no shortcut
  }
  return (raw) => {
    const c = raw.charCodeAt(0);
    if (c > 32 && c < 127 && tokenStart[c] === 0) return false;
    return set.has(raw) || (raw.length <= longest + 8 && set.has(raw.trim()));
  };
}

const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

const INFINITY = /^\s*[+-]?(?:inf|infinity)\s*$/i;

/** A finite decimal number, or undefined. Rejects forms `Number()` accepts but a lab export never means (hex, Infinity, ''), and overflows. */
export function parseNumber(raw: string): number | undefined {
  if (isPlainDecimal(raw)) {
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }
  // Not a plain decimal, the expression matches only with an exponent or spaces around: dates and text end here.
  if (!maySpellNumber(raw) || !NUMBER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** `[+-]digits[.digits]` (or `.digits`) with nothing around it: most numeric cells, told without the regular expression. */
function isPlainDecimal(raw: string): boolean {
  let i = 0;
  const first = raw.charCodeAt(0);
  if (first === 43 /* + */ || first === 45 /* - */) i++;
  let digits = 0;
  let dot = false;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 /* . */ && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

/** Whether a cell that is not a plain decimal could still be a number: an exponent, or space (any, Unicode's too) at either end. */
function maySpellNumber(raw: string): boolean {
  const first = raw.charCodeAt(0);
  const last = raw.charCodeAt(raw.length - 1);
  return first <= 32 || first >= 127 || last <= 32 || last >= 127 || raw.includes('e') || raw.includes('E');
}

/** Why a cell that parseNumber refuses is not a number: the rule for infinities and overflows, undefined for plain text. */
export function numberProblem(raw: string): string | undefined {
  if (INFINITY.test(raw)) return 'infinite values are not accepted (a division by zero upstream? list the token in "missing" if it means unknown)';
  if (NUMBER.test(raw)) return 'the number overflows (beyond ±1.8e308): not a measurement';
  return undefined;
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

/** Days since 1970-01-01 back to an ISO date (or date-time when the day has a time part). */
export function daysToIso(days: number): string {
  const iso = new Date(Math.round(days * MS_PER_DAY)).toISOString();
  return Number.isInteger(days) ? iso.slice(0, 10) : iso.slice(0, 19);
}
