import { kaplanMeier, survivalAt } from '../cohort/survival.js';
import { MIN_CELL, niceStep } from './binning.js';

/** Survival at one grid time, read off the Kaplan-Meier estimate. */
export interface KmCurvePoint {
  time: number;
  atRisk: number;
  survival: number;
  lower: number;
  upper: number;
}

/**
 * A Kaplan-Meier curve as a report file may hold it: survival on a grid of
 * round times (every `step` days), not at each patient's event or censoring
 * day, and only while at least MIN_CELL patients are at risk.
 */
export interface KmCurve {
  n: number;
  events: number;
  /** Median survival time (days); null when the curve never reaches 0.5. */
  median: number | null;
  step: number;
  points: KmCurvePoint[];
}

/** The grid step for curves that run to `maxDays`: about 80 points. */
export const curveStep = (maxDays: number) => niceStep(Math.max(1, maxDays), 80);

export function kmCurve(days: readonly number[], status: readonly number[], step: number): KmCurve {
  const km = kaplanMeier(days, status);
  const points: KmCurvePoint[] = [];
  for (let time = step; ; time += step) {
    const atRisk = days.filter((d) => d >= time).length;
    if (atRisk < MIN_CELL) break;
    const p = survivalAt(km, time)!;
    points.push({ time, atRisk, survival: p.survival, lower: p.lower, upper: p.upper });
  }
  return { n: km.n, events: km.events, median: km.median, step, points };
}
