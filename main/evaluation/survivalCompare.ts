import { kaplanMeier, type KaplanMeier } from '../cohort/survival.js';
import { MIN_CELL } from './binning.js';
import { curveStep, kmCurve, type KmCurve } from './kmCurve.js';
import { chiSquare1Tail } from './stats.js';

export interface Sample {
  days: number[];
  /** 1 = event, else censored. */
  status: number[];
}

/** Log-rank test of two survival samples: chi-square with 1 df and its p-value. */
export function logRank(a: Sample, b: Sample): { chiSquare: number; p: number } {
  const times = [...new Set([...a.days.filter((_, i) => a.status[i] === 1), ...b.days.filter((_, i) => b.status[i] === 1)])].sort((x, y) => x - y);
  let observedMinusExpected = 0;
  let variance = 0;
  for (const t of times) {
    const atRiskA = a.days.filter((d) => d >= t).length;
    const atRiskB = b.days.filter((d) => d >= t).length;
    const eventsA = a.days.filter((d, i) => d === t && a.status[i] === 1).length;
    const eventsB = b.days.filter((d, i) => d === t && b.status[i] === 1).length;
    const n = atRiskA + atRiskB;
    const d = eventsA + eventsB;
    if (n < 2) continue;
    observedMinusExpected += eventsA - (d * atRiskA) / n;
    variance += (d * (atRiskA / n) * (atRiskB / n) * (n - d)) / (n - 1);
  }
  const chiSquare = variance > 0 ? observedMinusExpected ** 2 / variance : 0;
  return { chiSquare, p: chiSquare1Tail(chiSquare) };
}

/** Restricted mean survival time up to `tau`: the area under the Kaplan-Meier curve. */
export function rmst(km: KaplanMeier, tau: number): number {
  let area = 0;
  let last = 0;
  let s = 1;
  for (const p of km.points) {
    if (p.time > tau) break;
    area += s * (p.time - last);
    last = p.time;
    s = p.survival;
  }
  return area + s * (tau - last);
}

export interface SurvivalComparison {
  /** Curves on a shared grid of round times (see kmCurve): aggregates only. */
  real: { km: KmCurve; censoringRate: number; rmst: number };
  synthetic: { km: KmCurve; censoringRate: number; rmst: number };
  tau: number;
  rmstDifference: number;
  logRank: { chiSquare: number; p: number };
}

/** Kaplan-Meier of both, log-rank test, RMST difference up to the shorter of the two follow-ups. */
export function compareSurvival(real: Sample, synthetic: Sample): SurvivalComparison {
  const kmReal = kaplanMeier(real.days, real.status);
  const kmSyn = kaplanMeier(synthetic.days, synthetic.status);
  const tau = Math.min(Math.max(...real.days), Math.max(...synthetic.days));
  const censoring = (s: Sample) => s.status.filter((x) => x !== 1).length / Math.max(1, s.status.length);
  const rReal = rmst(kmReal, tau);
  const rSyn = rmst(kmSyn, tau);
  const step = curveStep(Math.max(...real.days, ...synthetic.days));
  return {
    real: { km: kmCurve(real.days, real.status, step), censoringRate: censoring(real), rmst: rReal },
    synthetic: { km: kmCurve(synthetic.days, synthetic.status, step), censoringRate: censoring(synthetic), rmst: rSyn },
    tau,
    rmstDifference: rSyn - rReal,
    logRank: logRank(real, synthetic),
  };
}

/**
 * The largest vertical distance between two Kaplan-Meier curves, over every time
 * either steps at while both still have MIN_CELL patients at risk (as the report
 * draws them: past that, one death moves a curve by a fifth). 0 when no such time.
 * One sweep over both curves' steps in time order (a subgroup of a large cohort has thousands).
 */
export function largestKmGap(a: Sample, b: Sample): number {
  const ka = kaplanMeier(a.days, a.status).points;
  const kb = kaplanMeier(b.days, b.status).points;
  // Patients still at risk at t (follow-up of at least t): from the follow-ups sorted once.
  const sortedA = Float64Array.from(a.days).sort();
  const sortedB = Float64Array.from(b.days).sort();
  const atRisk = (sorted: Float64Array, t: number) => sorted.length - lowerBound(sorted, t);
  const times = [...new Set([...ka, ...kb].map((p) => p.time))].sort((x, y) => x - y);
  let gap = 0;
  let ia = -1;
  let ib = -1;
  for (const t of times) {
    while (ia + 1 < ka.length && ka[ia + 1]!.time <= t) ia++;
    while (ib + 1 < kb.length && kb[ib + 1]!.time <= t) ib++;
    if (atRisk(sortedA, t) < MIN_CELL || atRisk(sortedB, t) < MIN_CELL) continue;
    const sa = ia < 0 ? 1 : ka[ia]!.survival;
    const sb = ib < 0 ? 1 : kb[ib]!.survival;
    gap = Math.max(gap, Math.abs(sa - sb));
  }
  return gap;
}

/** The first index whose value is at least x, in an ascending array. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
