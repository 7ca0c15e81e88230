import { levelOf } from '../common/levels.js';
import type { Encoding } from '../sequence/encoding.js';
import type { PatientTimeline } from '../sequence/timeline.js';
import { measuredValues, type EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';
import { binPair, suppressSmall, type BinnedPair } from './binning.js';
import { ksStatistic, mean, pearson, sd, totalVariation, wasserstein1 } from './stats.js';

const KS = { pass: 0.1, warn: 0.2, better: 'lower' as const };
const TV = { pass: 0.1, warn: 0.2, better: 'lower' as const };
const RATE = { pass: 0.05, warn: 0.1, better: 'lower' as const };
const CORR = { pass: 0.1, warn: 0.2, better: 'lower' as const };

/** Distinct visit (or event) times of a timeline, ascending, in days from the index date. */
function visitTimes(tl: PatientTimeline): number[] {
  return [...new Set([...tl.measurements.map((m) => m.time), ...tl.events.map((e) => e.time)])].sort((a, b) => a - b).map((t) => t - tl.indexTime);
}

interface Views {
  values: (variableId: number, dated: boolean) => number[];
  levels: (variableId: number) => string[];
  staticValues: (variableId: number, dated: boolean) => number[];
  staticLevels: (variableId: number) => string[];
  gaps: number[];
  lengths: number[];
  observedRate: (variableId: number) => number;
  cooccurrence: (a: number, b: number) => number;
  patientMeans: (variableId: number) => (number | null)[];
  lag1: (variableId: number) => number;
}

function views(patients: EvalPatient[]): Views {
  const tls = patients.map((p) => p.timeline);
  const gaps: number[] = [];
  const lengths: number[] = [];
  let visits = 0;
  const visitVars: Set<number>[] = [];
  for (const tl of tls) {
    const times = visitTimes(tl);
    lengths.push(times.length);
    for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
    const byTime = new Map<number, Set<number>>();
    for (const m of tl.measurements) (byTime.get(m.time) ?? byTime.set(m.time, new Set()).get(m.time)!).add(m.variableId);
    visits += byTime.size;
    visitVars.push(...byTime.values());
  }
  return {
    values: (id, dated) => measuredValues(patients, id, dated),
    levels: (id) => tls.flatMap((tl) => tl.measurements.filter((m) => m.variableId === id).map((m) => levelOf(m.num, m.txt) ?? '')),
    staticValues: (id, dated) => tls.flatMap((tl) => (tl.statics.get(id)?.num != null ? [tl.statics.get(id)!.num! - (dated ? tl.indexTime : 0)] : [])),
    staticLevels: (id) => tls.flatMap((tl) => (tl.statics.has(id) ? [levelOf(tl.statics.get(id)!.num, tl.statics.get(id)!.txt) ?? ''] : [])),
    gaps,
    lengths,
    observedRate: (id) => (visits ? visitVars.filter((s) => s.has(id)).length / visits : NaN),
    cooccurrence: (a, b) => (visits ? visitVars.filter((s) => s.has(a) && s.has(b)).length / visits : NaN),
    patientMeans: (id) =>
      tls.map((tl) => {
        const xs = tl.measurements.filter((m) => m.variableId === id && m.num !== null).map((m) => m.num!);
        return xs.length ? mean(xs) : null;
      }),
    lag1: (id) => {
      const a: number[] = [];
      const b: number[] = [];
      for (const tl of tls) {
        const xs = tl.measurements.filter((m) => m.variableId === id && m.num !== null).map((m) => m.num!);
        for (let i = 1; i < xs.length; i++) {
          a.push(xs[i - 1]!);
          b.push(xs[i]!);
        }
      }
      return pearson(a, b);
    },
  };
}

export interface FidelityDetails {
  /**
   * Binned counts of each numeric variable (never the values). `kind` says how
   * to read the edges: index dates in days since 1970, other dates in years
   * from the index, numbers in `unit`.
   */
  numeric: ({ variable: string; kind: 'index' | 'date' | 'numeric'; unit: string | null } & BinnedPair)[];
  /** Shares per level; a real share resting on 1 to MIN_CELL - 1 values is null (suppressed). */
  categorical: { variable: string; levels: string[]; real: (number | null)[]; synthetic: number[] }[];
  gaps: BinnedPair;
  lengths: BinnedPair;
  correlation: { variables: string[]; real: number[][]; synthetic: number[][] };
}

/**
 * Marginals, visit process and dependence of the synthetic patients against
 * the real training patients; each with the same measure between the holdout
 * and the training patients as the baseline of what two real samples differ by.
 */
export function fidelity(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], enc: Encoding): { metrics: Metric[]; details: FidelityDetails } {
  const t = views(train);
  const h = views(holdout);
  const s = views(synthetic);
  const data = `train (${train.length}) vs synthetic (${synthetic.length}); baseline: train vs holdout (${holdout.length})`;
  const metrics: Metric[] = [];
  const details: FidelityDetails = { numeric: [], categorical: [], gaps: binPair(t.gaps, s.gaps), lengths: binPair(t.lengths, s.lengths), correlation: { variables: [], real: [], synthetic: [] } };
  const numericPair = (variable: string, real: number[], base: number[], syn: number[], kind: 'index' | 'date' | 'numeric' = 'numeric', unit: string | null = null) => {
    metrics.push(metric({ group: 'fidelity', name: 'Kolmogorov-Smirnov', variable, value: ksStatistic(real, syn), baseline: ksStatistic(real, base), threshold: KS, data }));
    const scale = sd(real) || 1;
    metrics.push(
      metric({ group: 'fidelity', name: 'Wasserstein / sd', variable, value: wasserstein1(real, syn) / scale, baseline: wasserstein1(real, base) / scale, threshold: { pass: 0.2, warn: 0.4, better: 'lower' }, data }),
    );
    const years = (xs: number[]) => (kind === 'date' ? xs.map((x) => x / 365.25) : xs);
    details.numeric.push({ variable, kind, unit: kind === 'date' ? 'years from index' : unit, ...binPair(years(real), years(syn)) });
  };
  const categoricalPair = (variable: string, real: string[], base: string[], syn: string[]) => {
    metrics.push(metric({ group: 'fidelity', name: 'total variation', variable, value: totalVariation(real, syn), baseline: totalVariation(real, base), threshold: TV, data }));
    const levels = [...new Set([...real, ...syn])].sort();
    const counts = (xs: string[]) => levels.map((l) => xs.filter((x) => x === l).length);
    const share = (xs: string[]) => counts(xs).map((c) => c / Math.max(1, xs.length));
    const realShares = suppressSmall(counts(real)).map((c) => (c === null ? null : c / Math.max(1, real.length)));
    details.categorical.push({ variable, levels, real: realShares, synthetic: share(syn) });
  };

  for (const f of enc.statics) {
    if (f.variableId === null) {
      const idx = (ps: EvalPatient[]) => ps.map((p) => p.timeline.indexTime);
      numericPair('index date', idx(train), idx(holdout), idx(synthetic), 'index');
      continue;
    }
    if (f.codec.type === 'numeric') numericPair(f.name, t.staticValues(f.variableId, f.kind === 'date'), h.staticValues(f.variableId, f.kind === 'date'), s.staticValues(f.variableId, f.kind === 'date'), f.kind === 'date' ? 'date' : 'numeric', f.unit);
    else categoricalPair(f.name, t.staticLevels(f.variableId), h.staticLevels(f.variableId), s.staticLevels(f.variableId));
  }
  for (const f of enc.measurements) {
    if (f.codec.type === 'numeric') numericPair(f.name, t.values(f.variableId, f.kind === 'date'), h.values(f.variableId, f.kind === 'date'), s.values(f.variableId, f.kind === 'date'), f.kind === 'date' ? 'date' : 'numeric', f.unit);
    else categoricalPair(f.name, t.levels(f.variableId), h.levels(f.variableId), s.levels(f.variableId));
    metrics.push(
      metric({ group: 'fidelity', name: 'observation rate difference', variable: f.name, value: Math.abs(s.observedRate(f.variableId) - t.observedRate(f.variableId)), baseline: Math.abs(h.observedRate(f.variableId) - t.observedRate(f.variableId)), threshold: RATE, data }),
    );
  }
  metrics.push(metric({ group: 'fidelity', name: 'Kolmogorov-Smirnov', variable: 'days between visits', value: ksStatistic(t.gaps, s.gaps), baseline: ksStatistic(t.gaps, h.gaps), threshold: KS, data }));
  metrics.push(metric({ group: 'fidelity', name: 'Kolmogorov-Smirnov', variable: 'visits per patient', value: ksStatistic(t.lengths, s.lengths), baseline: ksStatistic(t.lengths, h.lengths), threshold: KS, data }));

  const measured = enc.measurements;
  if (measured.length > 1) {
    const diffs: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < measured.length; i++) {
      for (let j = i + 1; j < measured.length; j++) {
        const a = measured[i]!.variableId;
        const b = measured[j]!.variableId;
        diffs.push(Math.abs(s.cooccurrence(a, b) - t.cooccurrence(a, b)));
        base.push(Math.abs(h.cooccurrence(a, b) - t.cooccurrence(a, b)));
      }
    }
    metrics.push(metric({ group: 'fidelity', name: 'co-occurrence of measurements, mean difference', value: mean(diffs), baseline: mean(base), threshold: RATE, data }));
  }

  // Dependence between patients' mean values of the numeric measurements.
  const numeric = measured.filter((f) => f.codec.type === 'numeric');
  if (numeric.length > 1) {
    const matrix = (v: Views) =>
      numeric.map((a) =>
        numeric.map((b) => {
          const xa = v.patientMeans(a.variableId);
          const xb = v.patientMeans(b.variableId);
          const both = xa.map((x, i) => [x, xb[i]] as const).filter(([x, y]) => x !== null && y !== null);
          return pearson(both.map(([x]) => x!), both.map(([, y]) => y!));
        }),
      );
    const mt = matrix(t);
    const ms = matrix(s);
    const mh = matrix(h);
    const off = (a: number[][], b: number[][]) => {
      const d: number[] = [];
      for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) if (Number.isFinite(a[i]![j]!) && Number.isFinite(b[i]![j]!)) d.push(Math.abs(a[i]![j]! - b[i]![j]!));
      return mean(d);
    };
    metrics.push(metric({ group: 'fidelity', name: 'correlation matrix, mean absolute difference', value: off(mt, ms), baseline: off(mt, mh), threshold: CORR, data }));
    details.correlation = { variables: numeric.map((f) => f.name), real: mt, synthetic: ms };
  }
  for (const f of numeric) {
    metrics.push(
      metric({ group: 'fidelity', name: 'lag-1 autocorrelation difference', variable: f.name, value: Math.abs(s.lag1(f.variableId) - t.lag1(f.variableId)), baseline: Math.abs(h.lag1(f.variableId) - t.lag1(f.variableId)), threshold: CORR, data }),
    );
  }
  return { metrics, details };
}
