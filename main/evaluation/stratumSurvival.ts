import { stratifiable } from '../cohort/attributes.js';
import type { Encoding, StaticField } from '../sequence/encoding.js';
import { MIN_CELL } from './binning.js';
import { outcomeSample, staticLevel, type EvalPatient } from './data.js';
import { curveStep, kmCurve, type KmCurve } from './kmCurve.js';
import { metric, type Metric } from './metric.js';
import { logRank } from './survivalCompare.js';

/** Kaplan-Meier curves of one level of the stratum, real (train) and synthetic. */
export interface StratumLevel {
  level: string;
  real: KmCurve;
  synthetic: KmCurve;
}

export interface StratumSurvival {
  variable: string;
  levels: StratumLevel[];
  /** Levels fewer than MIN_CELL training patients have: not drawn. */
  suppressed: string[];
}

export { stratifiable } from '../cohort/attributes.js';

/** The stratum field: the one named, or by default the first stratifiable static; undefined when the name is not stratifiable. */
export function stratumField(enc: Encoding, name?: string): StaticField | undefined {
  return name === undefined ? stratifiable(enc)[0] : stratifiable(enc).find((f) => f.name === name);
}

/**
 * Survival by the levels of a categorical static: per level, Kaplan-Meier
 * curves of training and synthetic patients on one grid, and the log-rank
 * p-value between them (the holdout at that level as the baseline).
 */
export function stratumSurvival(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], field: StaticField): { metrics: Metric[]; survival: StratumSurvival } {
  const levelOfPatient = (p: EvalPatient) => staticLevel(p, field.variableId!);
  const sample = outcomeSample;
  const step = curveStep(Math.max(1, ...[...train, ...synthetic].map((p) => p.timeline.outcome.days)));
  const metrics: Metric[] = [];
  const levels: StratumLevel[] = [];
  const suppressed: string[] = [];
  const codecLevels = field.codec.type === 'numeric' ? [] : field.codec.levels;
  for (const level of codecLevels) {
    const t = train.filter((p) => levelOfPatient(p) === level);
    if (t.length < MIN_CELL) {
      suppressed.push(level);
      continue;
    }
    const h = holdout.filter((p) => levelOfPatient(p) === level);
    const s = synthetic.filter((p) => levelOfPatient(p) === level);
    const st = sample(t);
    const ss = sample(s);
    levels.push({ level, real: kmCurve(st.days, st.status, step), synthetic: kmCurve(ss.days, ss.status, step) });
    metrics.push(
      metric({
        group: 'survival',
        name: 'log-rank test p-value',
        variable: `${field.name} = ${level}`,
        value: s.length ? logRank(st, ss).p : NaN,
        baseline: h.length ? logRank(st, sample(h)).p : undefined,
        threshold: { pass: 0.05, warn: 0.01, better: 'higher' },
        data: `train (${t.length}) vs synthetic (${s.length}) with ${field.name} = ${level}; baseline: holdout (${h.length})`,
      }),
    );
  }
  return { metrics, survival: { variable: field.name, levels, suppressed } };
}
