import { describe, expect, it } from 'vitest';
import { kaplanMeier, reverseKmMedian, survivalAt } from '../../main/cohort/survival.js';
import { resolveOutcome } from '../../main/cohort/outcome.js';
import { stratifiedSplit } from '../../main/cohort/split.js';

// Freireich et al. (1963), 6-MP arm: weeks to relapse, 0 = censored. The
// textbook Kaplan-Meier example (Kleinbaum & Klein; Stata's `sts list`).
const weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35];
const relapse = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0];

describe('Kaplan-Meier with Greenwood variance', () => {
  it('matches the published 6-MP estimates, standard errors and log(-log) 95% bands', () => {
    const km = kaplanMeier(weeks, relapse);
    const published: [number, number, number, number, number, number][] = [
      // time, at risk, survival, se, lower, upper
      [6, 21, 0.8571, 0.0764, 0.6197, 0.9516],
      [7, 17, 0.8067, 0.0869, 0.5631, 0.9228],
      [10, 15, 0.7529, 0.0963, 0.5032, 0.8894],
      [13, 12, 0.6902, 0.1068, 0.4316, 0.8491],
      [16, 11, 0.6275, 0.1141, 0.3675, 0.8049],
      [22, 7, 0.5378, 0.1282, 0.2678, 0.7468],
      [23, 6, 0.4482, 0.1346, 0.1881, 0.6802], // worked by hand: S^exp(±1.96·0.3742)
    ];
    for (const [t, atRisk, s, se, lo, hi] of published) {
      const p = km.points.find((x) => x.time === t)!;
      expect(p.atRisk).toBe(atRisk);
      expect(p.survival).toBeCloseTo(s, 4);
      expect(p.se).toBeCloseTo(se, 4);
      expect(p.lower).toBeCloseTo(lo, 3);
      expect(p.upper).toBeCloseTo(hi, 3);
    }
    expect(km.events).toBe(9);
    expect(km.median).toBe(23);
    expect(survivalAt(km, 30)!.survival).toBeCloseTo(0.4482, 4);
    expect(survivalAt(km, 3)!.survival).toBe(1);
  });

  it('gives the median potential follow-up by reverse Kaplan-Meier', () => {
    // Censoring becomes the event: first time the reverse curve reaches 0.5.
    const reverse = kaplanMeier(weeks, relapse.map((r) => 1 - r));
    expect(reverseKmMedian(weeks, relapse)).toBe(reverse.median);
    expect(reverseKmMedian(weeks, relapse)).toBe(25);
  });
});

describe('outcome resolution', () => {
  const rule = { events: ['death'], competing: [], censorOn: [], afterFollowUpEnd: 'censor' as const };
  const facts = (events: { time: number; type: string }[], followupEnd: number | null = 1000) => ({ followupEnd, lastRecord: 900, events });

  it('takes the first outcome event after the index date, else censors at follow-up end', () => {
    expect(resolveOutcome(facts([{ time: 500, type: 'death' }]), rule, 100)).toMatchObject({ days: 400, status: 1, eventType: 'death' });
    expect(resolveOutcome(facts([{ time: 50, type: 'death' }]), rule, 100)).toMatchObject({ days: 900, status: 0 });
    expect(resolveOutcome(facts([]), rule, 100)).toMatchObject({ days: 900, status: 0, reason: 'censored-at-end' });
    expect(resolveOutcome(facts([], 50), rule, 100)).toBeNull();
  });

  it('reads events after follow-up end as censoring, or as exit with the event', () => {
    const late = facts([{ time: 1030, type: 'death' }]);
    expect(resolveOutcome(late, rule, 0)).toMatchObject({ days: 1000, status: 0, reason: 'event-after-end-censored' });
    expect(resolveOutcome(late, { ...rule, afterFollowUpEnd: 'exit' }, 0)).toMatchObject({ days: 1000, status: 1, reason: 'event-after-end-exit' });
  });

  it('handles competing events, censoring events, the horizon and the last record', () => {
    const f = facts([{ time: 600, type: 'death' }, { time: 300, type: 'ESRD' }]);
    expect(resolveOutcome(f, { ...rule, competing: ['ESRD'] }, 0)).toMatchObject({ days: 300, status: 2, eventType: 'ESRD' });
    expect(resolveOutcome(f, { ...rule, censorOn: ['ESRD'] }, 0)).toMatchObject({ days: 300, status: 0, reason: 'censored-by-event' });
    expect(resolveOutcome(f, { ...rule, horizonDays: 365 }, 0)).toMatchObject({ days: 365, status: 0, reason: 'horizon' });
    expect(resolveOutcome(f, { ...rule, horizonDays: 600 }, 0)).toMatchObject({ days: 600, status: 1 }); // tie: the event wins
    expect(resolveOutcome(facts([], null), rule, 0)).toMatchObject({ days: 900, endFromLastRecord: true });
  });
});

describe('stratified split', () => {
  it('is deterministic, stratified and changes with the seed', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    const strata = ids.map((i) => (i % 4 === 0 ? 1 : 0));
    const a = stratifiedSplit(ids, strata, 0.2, 42);
    expect(stratifiedSplit(ids.slice().reverse(), strata.slice().reverse(), 0.2, 42)).toEqual(a);
    const holdout = (s: number) => ids.filter((id, i) => strata[i] === s && a.get(id) === 'holdout').length;
    expect(holdout(1)).toBe(50);
    expect(holdout(0)).toBe(150);
    const b = stratifiedSplit(ids, strata, 0.2, 43);
    expect(ids.filter((id) => a.get(id) !== b.get(id)).length).toBeGreaterThan(100);
  });
});
