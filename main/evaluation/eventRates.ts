import { MIN_CELL } from './binning.js';
import type { EvalPatient } from './data.js';
import { metric, type Metric } from './metric.js';

/** How often one event type happens: the share of patients with at least one, and events per patient. */
export interface EventRate {
  /** The event type, or "other event types" for those too rare to show on their own. */
  type: string;
  /** Null where fewer than MIN_CELL real patients have the event (suppressed). */
  real: { share: number; perPatient: number } | null;
  holdout: { share: number; perPatient: number } | null;
  synthetic: { share: number; perPatient: number };
}

export const RARE_EVENTS = 'other event types';

function rates(patients: EvalPatient[], types: Set<string>): { share: number; perPatient: number; patients: number } {
  let withEvent = 0;
  let events = 0;
  for (const p of patients) {
    const n = p.timeline.events.filter((e) => types.has(e.type)).length;
    events += n;
    if (n > 0) withEvent++;
  }
  const n = Math.max(1, patients.length);
  return { share: withEvent / n, perPatient: events / n, patients: withEvent };
}

/**
 * Event rates by type, synthetic against the training patients, with the
 * holdout as the baseline. Types fewer than MIN_CELL training patients have
 * are pooled as "other event types"; where the pool is still that small its
 * real figures are suppressed and only the synthetic share beyond what such a
 * cell can hold is judged (an event the model invents does not go unnoticed).
 * The outcome's own event types are left to the survival metrics: a real
 * timeline ends at the end of follow-up, so it may lack the outcome event.
 */
export function eventRates(train: EvalPatient[], holdout: EvalPatient[], synthetic: EvalPatient[], outcomeTypes: readonly string[] = []): { metrics: Metric[]; rates: EventRate[] } {
  const all = [...new Set([...train, ...synthetic].flatMap((p) => p.timeline.events.map((e) => e.type)))].filter((t) => !outcomeTypes.includes(t)).sort();
  const common = all.filter((t) => rates(train, new Set([t])).patients >= MIN_CELL);
  const rare = all.filter((t) => !common.includes(t));
  const groups: [string, Set<string>][] = common.map((t) => [t, new Set([t])]);
  if (rare.length) groups.push([RARE_EVENTS, new Set(rare)]);
  const data = `train (${train.length}) vs synthetic (${synthetic.length}); baseline: train vs holdout (${holdout.length})`;
  const metrics: Metric[] = [];
  const out: EventRate[] = [];
  for (const [type, types] of groups) {
    const t = rates(train, types);
    const h = rates(holdout, types);
    const s = rates(synthetic, types);
    if (t.patients < MIN_CELL) {
      const ceiling = (MIN_CELL - 1) / Math.max(1, train.length);
      out.push({ type, real: null, holdout: null, synthetic: { share: s.share, perPatient: s.perPatient } });
      metrics.push(
        metric({
          group: 'fidelity',
          name: 'patients with the event, share beyond a suppressed real cell',
          variable: type,
          value: Math.max(0, s.share - ceiling),
          threshold: { pass: 0.1, warn: 0.15, better: 'lower' },
          data,
          note: `${rare.join(', ')}: fewer than ${MIN_CELL} training patients (not shown); synthetic ${(s.share * 100).toFixed(1)}% of patients`,
        }),
      );
      continue;
    }
    out.push({ type, real: { share: t.share, perPatient: t.perPatient }, holdout: h.patients >= MIN_CELL ? { share: h.share, perPatient: h.perPatient } : null, synthetic: { share: s.share, perPatient: s.perPatient } });
    const note = `${type === RARE_EVENTS ? `${rare.join(', ')}: ` : ''}train ${(t.share * 100).toFixed(1)}% of patients, ${t.perPatient.toFixed(2)} per patient; synthetic ${(s.share * 100).toFixed(1)}%, ${s.perPatient.toFixed(2)}`;
    metrics.push(metric({ group: 'fidelity', name: 'patients with the event, share difference', variable: type, value: Math.abs(s.share - t.share), baseline: Math.abs(h.share - t.share), threshold: { pass: 0.1, warn: 0.15, better: 'lower' }, data, note }));
    const relative = (x: number) => Math.abs(x - t.perPatient) / Math.max(t.perPatient, 1 / Math.max(1, train.length));
    metrics.push(metric({ group: 'fidelity', name: 'events per patient, relative difference', variable: type, value: relative(s.perPatient), baseline: relative(h.perPatient), threshold: { pass: 0.25, warn: 0.5, better: 'lower' }, data }));
  }
  return { metrics, rates: out };
}
