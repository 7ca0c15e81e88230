import type { Encoding } from '../sequence/encoding.js';
import { MIN_CELL } from './binning.js';
import type { EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';
import { mean, quantile, sd } from './stats.js';

const YEAR = 365.25;

/** Quartiles of one lab per year from the index, across patients (each counted once per year, by the median of their values). */
export interface TrajectoryBands {
  /** Patients with a value that year; null where fewer than MIN_CELL (and then no quantiles). */
  n: (number | null)[];
  q1: (number | null)[];
  median: (number | null)[];
  q3: (number | null)[];
}

export interface Trajectory {
  variable: string;
  unit: string | null;
  /** Year i covers [years[i], years[i] + 1) years from the index date. */
  years: number[];
  real: TrajectoryBands;
  synthetic: TrajectoryBands;
}

/** Each patient's median value of one variable per whole year from the index. */
function patientYearValues(patients: EvalPatient[], variableId: number): Map<number, number[]> {
  const byYear = new Map<number, number[]>();
  for (const p of patients) {
    const own = new Map<number, number[]>();
    for (const m of p.timeline.measurements) {
      if (m.variableId !== variableId || m.num === null) continue;
      const year = Math.floor((m.time - p.timeline.indexTime) / YEAR);
      (own.get(year) ?? own.set(year, []).get(year)!).push(m.num);
    }
    for (const [year, xs] of own) (byYear.get(year) ?? byYear.set(year, []).get(year)!).push(quantile(xs, 0.5));
  }
  return byYear;
}

function bands(byYear: Map<number, number[]>, years: number[]): TrajectoryBands {
  const cells = years.map((y) => byYear.get(y) ?? []);
  const shown = (xs: number[], q: number) => (xs.length >= MIN_CELL ? quantile(xs, q) : null);
  return {
    n: cells.map((xs) => (xs.length >= MIN_CELL ? xs.length : null)),
    q1: cells.map((xs) => shown(xs, 0.25)),
    median: cells.map((xs) => shown(xs, 0.5)),
    q3: cells.map((xs) => shown(xs, 0.75)),
  };
}

/** Mean over the years both sides show of |median difference|, in SDs of the training patients' yearly values. */
function medianGap(a: TrajectoryBands, b: TrajectoryBands, scale: number): number {
  const gaps = a.median.flatMap((m, i) => (m !== null && b.median[i] != null ? [Math.abs(m - b.median[i]!) / scale] : []));
  return gaps.length ? mean(gaps) : NaN;
}

/**
 * Trajectories over time: per numeric lab, the median and quartiles across
 * patients by year from the index date, real (train) against synthetic, with
 * the holdout as the baseline. Years with fewer than MIN_CELL patients show no
 * quantiles, so no single patient's value is drawn.
 */
export function trajectories(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], enc: Encoding): { metrics: Metric[]; trajectories: Trajectory[] } {
  const metrics: Metric[] = [];
  const out: Trajectory[] = [];
  const data = `train (${train.length}) vs synthetic (${synthetic.length}) by year from index, years with ${MIN_CELL}+ patients on both sides; baseline: train vs holdout (${holdout.length})`;
  for (const f of enc.measurements) {
    if (f.codec.type !== 'numeric' || f.kind === 'date') continue;
    const t = patientYearValues(train, f.variableId);
    const s = patientYearValues(synthetic, f.variableId);
    const shown = [...t].filter(([, xs]) => xs.length >= MIN_CELL).map(([y]) => y);
    if (!shown.length) continue;
    const years = Array.from({ length: Math.max(...shown) - Math.min(...shown) + 1 }, (_, i) => Math.min(...shown) + i);
    const real = bands(t, years);
    const syn = bands(s, years);
    const hold = bands(patientYearValues(holdout, f.variableId), years);
    const scale = sd([...t.values()].flat()) || 1;
    out.push({ variable: f.name, unit: f.unit, years, real, synthetic: syn });
    metrics.push(
      metric({ group: 'fidelity', name: 'trajectory: median by year from index, mean difference / sd', variable: f.name, value: medianGap(real, syn, scale), baseline: medianGap(real, hold, scale), threshold: { pass: 0.25, warn: 0.5, better: 'lower' }, data }),
    );
  }
  return { metrics, trajectories: out };
}
