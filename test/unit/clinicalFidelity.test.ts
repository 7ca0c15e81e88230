import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import { MIN_CELL } from '../../main/evaluation/binning.js';
import { coxEffects, coxHazardRatios } from '../../main/evaluation/coxEffects.js';
import { realPatients, type EvalPatient } from '../../main/evaluation/data.js';
import { eventRates, RARE_EVENTS } from '../../main/evaluation/eventRates.js';
import { stratumField, stratumSurvival } from '../../main/evaluation/stratumSurvival.js';
import { trajectories } from '../../main/evaluation/trajectories.js';
import { sd } from '../../main/evaluation/stats.js';
import { fitCox } from '../../main/evaluation/cox.js';
import { Rng } from '../../main/common/rng.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample } from '../support/store.js';

describe('Cox hazard ratios on a known answer', () => {
  it('reproduce the Freireich 6-MP vs placebo trial (R: coxph(..., ties = "breslow"): coef 1.509, se 0.410)', () => {
    const days = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35, 1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23];
    const event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, ...new Array(21).fill(1)];
    const placebo = days.map((_, i) => Float64Array.of(i < 21 ? 0 : 1));
    const [hr] = coxHazardRatios(placebo, days, event);
    expect(Math.log(hr!.hr)).toBeCloseTo(1.509, 3);
    expect((Math.log(hr!.upper) - Math.log(hr!.lower)) / (2 * 1.959964)).toBeCloseTo(0.41, 3);
  });

  it('converge where a full Newton step overshoots: a rare first-visit event among the earliest deaths, masks measured together', () => {
    // The shape of a synthetic set that made plain Newton swing between two wrong answers (and the
    // C-index come out 0): two patients with an event bit at their first visit die first.
    const rng = new Rng(1);
    const x: Float64Array[] = [];
    const days: number[] = [];
    const event: number[] = [];
    for (let i = 0; i < 120; i++) {
      const rare = i < 2 ? 1 : 0;
      const mask = rng.next() < 0.9 ? 1 : 0;
      x.push(Float64Array.of(rng.normal(), rare, mask, mask, mask, rng.normal() * mask));
      days.push(rare ? 10 + i : Math.round(500 + 3000 * rng.next()));
      event.push(rare ? 1 : rng.next() < 0.5 ? 1 : 0);
    }
    const fit = fitCox(x, days, event);
    const longer = fitCox(x, days, event, 1, 200);
    expect([...fit.beta].every(Number.isFinite)).toBe(true);
    expect([...fit.beta]).toEqual([...longer.beta].map((b) => expect.closeTo(b, 4)));
    expect(fit.beta[1]).toBeCloseTo(0.929, 2);
  });
});

describe('clinically central fidelity (Steno-2)', () => {
  let cohort: CohortReport;
  let train: EvalPatient[];
  let holdout: EvalPatient[];
  beforeAll(async () => {
    const { db } = freshStore();
    await importWorkedExample(db, 'steno2');
    cohort = createCohort(db, cohortDefinition('steno2-death'));
    train = realPatients(db, cohort, 'train');
    holdout = realPatients(db, cohort, 'holdout');
  });
  const withTimeline = (p: EvalPatient, change: Partial<EvalPatient['timeline']>): EvalPatient => ({ key: p.key, timeline: { ...p.timeline, ...change } });
  const armId = () => cohort.encoding.statics.find((f) => f.name === 'arm')!.variableId!;

  it('event rates: a copy matches; a set with many more patients with ESRD fails, outcome events are left to survival', () => {
    const copy = eventRates(train, holdout, train, ['death']);
    expect(copy.rates.map((r) => r.type)).toEqual(['CVD', 'ESRD']);
    for (const m of copy.metrics) expect(m.value, `${m.name} ${m.variable}`).toBe(0);
    // Up to 3 ESRD events for patients without one, until 34 patients have ESRD (the real set has fewer than half that).
    const withEsrd = train.filter((p) => p.timeline.events.some((e) => e.type === 'ESRD')).length;
    expect(withEsrd).toBeLessThan(17);
    let added = 0;
    const esrd = train.map((p, i) => {
      if (added >= 34 - withEsrd || p.timeline.events.some((e) => e.type === 'ESRD')) return p;
      added++;
      const times = Array.from({ length: (i % 3) + 1 }, (_, k) => p.timeline.indexTime + ((k + 1) * p.timeline.outcome.days) / 4);
      return withTimeline(p, { events: [...p.timeline.events, ...times.map((time) => ({ time, type: 'ESRD' }))].sort((a, b) => a.time - b.time) });
    });
    const r = eventRates(train, holdout, esrd, ['death']);
    const byName = (name: string) => r.metrics.find((m) => m.name === name && m.variable === 'ESRD')!;
    expect(byName('patients with the event, share difference').value).toBeCloseTo((34 - withEsrd) / train.length, 12);
    expect(byName('patients with the event, share difference').verdict).toBe('fail');
    expect(byName('events per patient, relative difference').verdict).toBe('fail');
    expect(r.metrics.filter((m) => m.variable === 'CVD').every((m) => m.verdict === 'pass')).toBe(true);
  });

  it('event rates: an event type the model invents is caught, with the rare real cell suppressed', () => {
    const invented = train.map((p, i) => (i % 3 === 0 ? withTimeline(p, { events: [...p.timeline.events, { time: p.timeline.indexTime + 30, type: 'stroke' }] }) : p));
    const r = eventRates(train, holdout, invented, ['death']);
    const rare = r.rates.find((x) => x.type === RARE_EVENTS)!;
    expect(rare.real).toBeNull();
    const m = r.metrics.find((x) => x.variable === RARE_EVENTS)!;
    expect(m.verdict).toBe('fail');
    expect(m.note).toContain('stroke');
  });

  it('covariate effects: a copy keeps every hazard ratio; erasing the arm effect moves the arm HR out of the real CI', () => {
    const copy = coxEffects(train, holdout, train, cohort.encoding);
    const arm = copy.effects.find((e) => e.variable === 'arm')!;
    expect(arm.real.hr).toBeGreaterThan(1);
    expect(arm.real.lower).toBeGreaterThan(1); // the trial's effect is there in the training patients
    expect(copy.effects.some((e) => e.variable === 'entry_date')).toBe(false); // the index date: the same for everyone
    for (const m of copy.metrics) expect(m.verdict, m.variable).toBe('pass');
    // The same patients with the arm dealt out in turn: outcomes no longer depend on it.
    const levels = [...new Set(train.map((p) => p.timeline.statics.get(armId())!.txt))];
    const dealt = train.map((p, i) => withTimeline(p, { statics: new Map([...p.timeline.statics, [armId(), { num: null, txt: levels[i % 2]! }]]) }));
    const erased = coxEffects(train, holdout, dealt, cohort.encoding);
    const armMetric = erased.metrics.find((m) => m.variable?.startsWith('arm:'))!;
    const moved = erased.effects.find((e) => e.variable === 'arm')!;
    expect(moved.synthetic.hr < moved.real.lower || moved.synthetic.hr > moved.real.upper).toBe(true);
    expect(armMetric.verdict).toBe('fail');
    expect(armMetric.note).toMatch(/^HR real \d\.\d\d \(95% CI \d\.\d\d-\d\.\d\d\), synthetic \d\.\d\d/);
    expect(erased.metrics.filter((m) => !m.variable?.startsWith('arm:')).every((m) => m.verdict === 'pass')).toBe(true);
  });

  it('survival by stratum: per-level curves on a grid, log-rank per level, levels too small suppressed', () => {
    const field = stratumField(cohort.encoding, 'arm')!;
    expect(stratumField(cohort.encoding)).toBe(field); // the default: the first categorical static
    expect(stratumField(cohort.encoding, 'a1c')).toBeUndefined();
    const { metrics, survival } = stratumSurvival(train, holdout, train, field);
    expect(survival.levels.map((l) => l.level).sort()).toEqual(['Conv', 'Int']);
    expect(survival.levels.reduce((n, l) => n + l.real.n, 0)).toBe(train.length);
    for (const m of metrics) {
      expect(m.value).toBe(1);
      expect(m.verdict).toBe('pass');
    }
    // One patient at a level of their own: that level is not drawn.
    const lone = train.map((p, i) => (i === 0 ? withTimeline(p, { statics: new Map([...p.timeline.statics, [armId(), { num: null, txt: 'Other' }]]) }) : p));
    const fieldWithOther = { ...field, codec: { type: 'onehot' as const, levels: ['Conv', 'Int', 'Other'] } };
    const s = stratumSurvival(lone, holdout, train, fieldWithOther);
    expect(s.survival.suppressed).toEqual(['Other']);
    expect(s.survival.levels).toHaveLength(2);
  });

  it('trajectories: a copy matches; labs drifting up over the years fail; only years with 5+ patients show quantiles', () => {
    const copy = trajectories(train, holdout, train, cohort.encoding);
    expect(copy.trajectories.map((t) => t.variable)).toEqual(['a1c', 'chol', 'crea']);
    for (const m of copy.metrics) expect(m.value).toBe(0);
    for (const t of copy.trajectories) {
      t.real.n.forEach((n, i) => {
        if (n === null) expect([t.real.q1[i], t.real.median[i], t.real.q3[i]]).toEqual([null, null, null]);
        else expect(n).toBeGreaterThanOrEqual(MIN_CELL);
      });
    }
    const a1c = cohort.encoding.measurements.find((f) => f.name === 'a1c')!.variableId;
    const spread = sd(train.flatMap((p) => p.timeline.measurements.filter((m) => m.variableId === a1c && m.num !== null).map((m) => m.num!)));
    const drift = train.map((p) =>
      withTimeline(p, { measurements: p.timeline.measurements.map((m) => (m.variableId === a1c && m.num !== null ? { ...m, num: m.num + (spread * (m.time - p.timeline.indexTime)) / 365.25 / 5 } : m)) }),
    );
    const drifted = trajectories(train, holdout, drift, cohort.encoding);
    expect(drifted.metrics.find((m) => m.variable === 'a1c')!.verdict).toBe('fail');
    expect(drifted.metrics.find((m) => m.variable === 'chol')!.verdict).toBe('pass');
  });
});
