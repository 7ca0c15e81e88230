import type { Encoding, StaticField } from '../sequence/encoding.js';
import { MIN_CELL } from './binning.js';
import { fitCox, solve } from './cox.js';
import { staticLevel, type EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';
import { sd } from './stats.js';

const Z95 = 1.959963984540054;

/** A hazard ratio with its 95% confidence interval. */
export interface HazardRatio {
  hr: number;
  lower: number;
  upper: number;
}

/** One term of a static's Cox model: a level against the reference level, or one real standard deviation of a number. */
export interface CoxEffect {
  variable: string;
  term: string;
  real: HazardRatio;
  holdout: HazardRatio;
  synthetic: HazardRatio;
}

interface Term {
  label: string;
  /** The term's covariate of one patient; null when the patient lacks the static. */
  x: (p: EvalPatient) => number | null;
}

/** The terms of one static: a dummy per level (against the commonest), or the value per real SD (dates in days from the index). */
function terms(f: StaticField, train: EvalPatient[]): Term[] {
  const id = f.variableId!;
  if (f.codec.type === 'numeric') {
    const value = (p: EvalPatient) => {
      const s = p.timeline.statics.get(id);
      return s?.num == null ? null : s.num - (f.kind === 'date' ? p.timeline.indexTime : 0);
    };
    const scale = sd(train.map(value).filter((x): x is number => x !== null));
    if (!(scale > 0)) return []; // the same for everyone (the index date itself): no effect to estimate
    return [{ label: f.kind === 'date' ? 'per SD of days from the index' : 'per SD', x: (p) => (value(p) === null ? null : value(p)! / scale) }];
  }
  const level = (p: EvalPatient) => staticLevel(p, id);
  const counts = new Map<string, number>();
  for (const p of train) if (level(p) !== null) counts.set(level(p)!, (counts.get(level(p)!) ?? 0) + 1);
  const common = [...counts].filter(([, n]) => n >= MIN_CELL).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (common.length < 2) return [];
  const reference = common[0]![0];
  const shown = new Set(common.map(([l]) => l));
  // Patients at levels too rare to show are left out of the model, not pooled with the reference.
  return common.slice(1).map(([l]) => ({ label: `${l} vs ${reference}`, x: (p) => (level(p) !== null && shown.has(level(p)!) ? (level(p) === l ? 1 : 0) : null) }));
}

/** Hazard ratios of the terms, fitted jointly (one model per static), among the patients who have the static. */
function hazardRatios(ts: Term[], patients: EvalPatient[]): HazardRatio[] {
  const rows = patients.filter((p) => ts.every((t) => t.x(p) !== null));
  const events = rows.filter((p) => p.timeline.outcome.status === 1).length;
  if (rows.length < 2 * MIN_CELL || events < MIN_CELL) return ts.map(() => ({ hr: NaN, lower: NaN, upper: NaN }));
  return coxHazardRatios(
    rows.map((p) => Float64Array.from(ts, (t) => t.x(p)!)),
    rows.map((p) => p.timeline.outcome.days),
    rows.map((p) => (p.timeline.outcome.status === 1 ? 1 : 0)),
  );
}

/** Hazard ratios per unit of each covariate of a Cox model (Breslow ties), with Wald 95% intervals from the observed information. */
export function coxHazardRatios(x: Float64Array[], days: number[], event: number[]): HazardRatio[] {
  const model = fitCox(x, days, event, 1e-6, 50);
  const p = model.beta.length;
  return Array.from({ length: p }, (_, j) => {
    const unit = new Float64Array(p);
    unit[j] = 1;
    const beta = model.beta[j]! / model.sds[j]!;
    const se = Math.sqrt(solve(model.information, unit)[j]!) / model.sds[j]!;
    if (!(se > 0) || !Number.isFinite(se) || !Number.isFinite(beta)) return { hr: NaN, lower: NaN, upper: NaN };
    return { hr: Math.exp(beta), lower: Math.exp(beta - Z95 * se), upper: Math.exp(beta + Z95 * se) };
  });
}

/**
 * Covariate effects: for each static, the hazard ratio of the outcome in a
 * Cox model fitted on the training patients, the holdout and the synthetic
 * patients. The synthetic estimate passes when it lies inside the real 95%
 * confidence interval; the value is its distance from the real estimate in
 * real standard errors (1.96 = the interval's edge).
 */
export function coxEffects(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], enc: Encoding): { metrics: Metric[]; effects: CoxEffect[] } {
  const metrics: Metric[] = [];
  const effects: CoxEffect[] = [];
  const data = `Cox model of the outcome on the static alone: train (${train.length}) vs synthetic (${synthetic.length}); baseline: holdout (${holdout.length})`;
  for (const f of enc.statics) {
    if (f.variableId === null) continue;
    const ts = terms(f, train);
    if (!ts.length) continue;
    const real = hazardRatios(ts, train);
    const hold = hazardRatios(ts, holdout);
    const syn = hazardRatios(ts, synthetic);
    ts.forEach((t, j) => {
      const r = real[j]!;
      const se = (Math.log(r.upper) - Math.log(r.lower)) / (2 * Z95);
      const distance = (hr: number) => Math.abs(Math.log(hr) - Math.log(r.hr)) / se;
      effects.push({ variable: f.name, term: t.label, real: r, holdout: hold[j]!, synthetic: syn[j]! });
      const show = (h: HazardRatio) => (Number.isFinite(h.hr) ? h.hr.toFixed(2) : 'n/a');
      metrics.push(
        metric({
          group: 'survival',
          name: 'Cox hazard ratio, distance from the real estimate in standard errors',
          variable: `${f.name}: ${t.label}`,
          value: distance(syn[j]!.hr),
          baseline: distance(hold[j]!.hr),
          threshold: { pass: 1.96, warn: 1.96, better: 'lower' },
          data,
          note: `HR real ${show(r)} (95% CI ${Number.isFinite(r.lower) ? `${r.lower.toFixed(2)}-${r.upper.toFixed(2)}` : 'n/a'}), synthetic ${show(syn[j]!)}, holdout ${show(hold[j]!)}; passes inside the real 95% CI`,
        }),
      );
    });
  }
  return { metrics, effects };
}
