import type { Rng } from '../common/rng.js';

/**
 * What a review case keeps of a patient, applied identically to real and
 * synthetic cases so that only the generator tells them apart: values rounded
 * to a clinical precision, days from the index date moved by a few days, no
 * column that looks like an identifier.
 */

/** Each visit, and the end of follow-up, moves by up to this many days either way. */
export const MAX_JITTER_DAYS = 3;
/** Rounding steps per (robust) standard deviation of a variable's recorded values. */
const STEPS_PER_SD = 5;
/** Values recorded with more decimals than this (computed values) count as this many. */
const MAX_DECIMALS = 6;

function decimalsOf(x: number): number {
  const s = String(x);
  if (s.includes('e')) return MAX_DECIMALS;
  return Math.min(MAX_DECIMALS, (s.split('.')[1] ?? '').length);
}

function robustSd(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => {
    const i = p * (sorted.length - 1);
    const lo = Math.floor(i);
    return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (i - lo);
  };
  const iqrSd = (q(0.75) - q(0.25)) / 1.349;
  if (iqrSd > 0) return iqrSd;
  // Mostly one value (a flag, a zero-inflated dose): the plain standard deviation.
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

/** The largest 1, 2 or 5 times a power of ten not above `x` (0 for x <= 0). */
function niceStepBelow(x: number): number {
  if (!(x > 0)) return 0;
  const exponent = Math.floor(Math.log10(x));
  let best = 0;
  for (const m of [1, 2, 5]) {
    // Divide by a power of ten for negative exponents: 2 / 10 is exactly 0.2, 2 * 10 ** -1 is not always.
    const step = exponent >= 0 ? m * 10 ** exponent : m / 10 ** -exponent;
    if (step <= x * (1 + 1e-12)) best = step;
  }
  return best;
}

/**
 * A variable's clinical precision, from its recorded values: five steps per
 * standard deviation between the values (enough to see a trend or an
 * implausible value, too coarse to match a record digit for digit), rounded
 * to a 1-2-5 step, never finer than the values were recorded with.
 */
export function valueStep(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return 1;
  const recorded = 1 / 10 ** Math.max(...finite.map(decimalsOf));
  return Math.max(recorded, niceStepBelow(robustSd(finite) / STEPS_PER_SD));
}

/** `x` rounded to a multiple of `step`, written with no more decimals than the step (no 0.30000000000000004). */
export function roundToStep(x: number, step: number): number {
  return Number((Math.round(x / step) * step).toFixed(decimalsOf(step)));
}

/**
 * Free text that identifies rather than describes: a text column whose values
 * are mostly distinct (a record number, a name, a date written as text).
 */
export function identifierLike(values: (string | null)[]): boolean {
  const present = values.filter((v): v is string => v !== null && v.trim() !== '');
  return present.length >= 10 && new Set(present).size > present.length / 2;
}

/**
 * Day offsets (ascending) each moved by up to MAX_JITTER_DAYS, seeded; the
 * moved days are sorted back onto the visits, so the order of visits is kept
 * and no day moves further than the jitter.
 */
export function jitterDays(days: number[], rng: Rng): number[] {
  return days.map((d) => d + rng.int(2 * MAX_JITTER_DAYS + 1) - MAX_JITTER_DAYS).sort((a, b) => a - b);
}

/** A day offset moved by up to MAX_JITTER_DAYS. */
export function jitterDay(day: number, rng: Rng): number {
  return day + rng.int(2 * MAX_JITTER_DAYS + 1) - MAX_JITTER_DAYS;
}
