import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, showCohort } from '../../main/cohort/cohortService.js';
import { CohortDefinitionError } from '../../main/common/errors.js';
import { kaplanMeier } from '../../main/cohort/survival.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition, isoDays } from '../support/cohorts.js';
import { csvFacts } from '../support/csvFacts.js';
import { freshStore, importWorkedExample, storeDigest } from '../support/store.js';

let db: Db;
beforeAll(async () => {
  db = freshStore().db;
  await importWorkedExample(db, 'steno2');
  await importWorkedExample(db, 'icu');
});

/** The README's steno2 cohort, worked out from the CSV files with nothing of the cohort engine. */
function steno2Expected() {
  const steno = csvFacts('steno2.csv');
  const clin = csvFacts('st2clin.csv');
  const alb = csvFacts('st2alb.csv');
  const present = (v: string) => v !== 'NA' && v !== 'NaN' && v !== '';
  const visits = new Map<string, Set<number>>();
  const addVisit = (id: string, date: string) => {
    if (!visits.has(id)) visits.set(id, new Set());
    visits.get(id)!.add(isoDays(date));
  };
  clin.col('id').forEach((id, i) => {
    if (['a1c', 'chol', 'crea'].some((c) => present(clin.col(c)[i]!))) addVisit(id, clin.col('doV')[i]!);
  });
  alb.col('id').forEach((id, i) => present(alb.col('state')[i]!) && addVisit(id, alb.col('doTr')[i]!));
  const ids = steno.col('id');
  const members = ids
    .map((id, i) => {
      const entry = isoDays(steno.col('doBase')[i]!);
      const end = isoDays(steno.col('doEnd')[i]!);
      const death = steno.col('doDth')[i]!;
      const nVisits = [...(visits.get(id) ?? [])].filter((t) => t >= entry - 90).length;
      // outcome.afterFollowUpEnd = "exit": a death after doEnd counts at doEnd.
      const days = present(death) ? Math.min(isoDays(death), end) - entry : end - entry;
      return { id, nVisits, days, status: present(death) ? 1 : 0 };
    })
    .filter((m) => m.nVisits >= 2);
  return { total: ids.length, members };
}

describe('cohorts on the steno2 worked example', () => {
  it('selects, counts attrition and resolves outcomes as the CSV files say', () => {
    const report = createCohort(db, cohortDefinition('steno2-death'));
    const expected = steno2Expected();
    expect(report.attrition.map((a) => a.remaining)).toEqual([expected.total, expected.total, expected.total, expected.total, expected.members.length]);
    expect(report.attrition.at(-1)!.removed).toBe(expected.total - expected.members.length);
    const events = expected.members.filter((m) => m.status === 1).length;
    expect(report.outcome).toMatchObject({ patients: expected.members.length, events, censored: expected.members.length - events });
    expect(report.outcome.censoringRate).toBeCloseTo(1 - events / expected.members.length, 12);
    const km = kaplanMeier(expected.members.map((m) => m.days), expected.members.map((m) => m.status));
    expect(report.outcome.km.median).toBe(km.median);
    expect(report.outcome.km.points.map((p) => [p.time, p.survival])).toEqual(km.points.map((p) => [p.time, p.survival]));
    expect(report.notes.join(' ')).toMatch(/outcome event\(s\) recorded after the end of follow-up were counted/);

    // Stratified split: about 20% of each outcome group, both groups present in both parts.
    expect(report.split.train + report.split.holdout).toBe(expected.members.length);
    for (const s of report.split.byStatus) expect(s.holdout / (s.train + s.holdout)).toBeCloseTo(0.2, 1);
  });

  it('gives the same patients for the same definition, and versions changed definitions', () => {
    const first = showCohort(db, 'steno2_death');
    const again = createCohort(db, cohortDefinition('steno2-death'));
    expect(again.unchanged).toBe(true);
    expect(again.version).toBe(first.version);

    const strict = createCohort(db, cohortDefinition('steno2-death', { outcome: { events: ['death'], afterFollowUpEnd: 'censor' } }));
    expect(strict.version).toBe(first.version + 1);
    // Strict censoring at doEnd loses the deaths recorded after it.
    expect(strict.outcome.events).toBeLessThan(first.outcome.events);
    expect(showCohort(db, `steno2_death@${first.version}`).outcome.events).toBe(first.outcome.events);
    // Same patients; the split follows the outcome strata, so it may differ.
    const members = (id: number) => db.prepare('SELECT patient_id FROM cohort_members WHERE cohort_id = ? ORDER BY patient_id').pluck().all(id);
    expect(members(strict.id)).toEqual(members(first.id));
  });

  it('applies static, measurement, event and follow-up criteria in order', () => {
    const report = createCohort(
      db,
      cohortDefinition('steno2-death', {
        name: 'steno2_criteria',
        criteria: [
          { type: 'static', variable: 'sex', in: ['M'] },
          { type: 'event', eventTypes: ['CVD'], window: { toDays: 365 }, exclude: true },
          { type: 'measurement', variable: 'a1c', above: 75, window: { fromDays: -90, toDays: 365 } },
          { type: 'followUp', minDays: 1000 },
        ],
      }),
    );
    const steno = csvFacts('steno2.csv');
    const col = (c: string) => steno.col(c);
    const men = col('sex').filter((s) => s === 'M').length;
    const menNoEarlyCvd = col('id').filter((_, i) => {
      if (col('sex')[i] !== 'M') return false;
      const entry = isoDays(col('doBase')[i]!);
      return !['doCVD1', 'doCVD2', 'doCVD3'].some((c) => {
        const d = col(c)[i]!;
        return d !== 'NA' && d !== 'NaN' && isoDays(d) >= entry && isoDays(d) <= entry + 365;
      });
    });
    const clin = csvFacts('st2clin.csv');
    const highA1c = menNoEarlyCvd.filter((id) => {
      const entry = isoDays(col('doBase')[col('id').indexOf(id)]!);
      return clin.col('id').some((cid, j) => {
        const t = isoDays(clin.col('doV')[j]!);
        return cid === id && clin.col('a1c')[j] !== 'NA' && Number(clin.col('a1c')[j]) > 75 && t >= entry - 90 && t <= entry + 365;
      });
    });
    expect(report.attrition.slice(3).map((a) => a.remaining)).toEqual([men, menNoEarlyCvd.length, highA1c.length, expect.any(Number)]);
    expect(report.attrition[4]!.label).toBe('exclude CVD event up to day 365 from index');
    const last = report.attrition.at(-1)!;
    expect(last.remaining).toBeLessThanOrEqual(highA1c.length);
    expect(Math.min(...db.prepare('SELECT outcome_days FROM cohort_members WHERE cohort_id = ?').pluck().all(report.id) as number[])).toBeGreaterThanOrEqual(1000);
  });

  it('keeps competing events apart from censoring', () => {
    const competing = createCohort(db, cohortDefinition('steno2-death', { name: 'steno2_competing', outcome: { events: ['death'], competing: ['ESRD'], afterFollowUpEnd: 'exit' } }));
    const esrd = csvFacts('steno2.csv').nonMissing('doESRD');
    expect(competing.outcome.competing).toBeGreaterThan(0);
    expect(competing.outcome.competing).toBeLessThanOrEqual(esrd);
    expect(competing.encoding.outcome.levels.map((l) => l.label)).toEqual(['censored', 'death', 'ESRD (competing)']);
  });
});

describe('bad cohort definitions', () => {
  it('are refused with the problem named, and the store is left as it was', () => {
    const before = storeDigest(db);
    const attempt = (change: object) => () => createCohort(db, cohortDefinition('steno2-death', { name: 'bad', ...change }));
    expect(attempt({ criteria: [{ type: 'static', variable: 'gender', in: ['M'] }] })).toThrow(/no variable "gender" in dataset "steno2" \(variables: arm, sex/);
    expect(attempt({ outcome: { events: ['stroke'] } })).toThrow(/outcome.events: no event of type "stroke" in dataset "steno2" \(event types: CVD, ESRD, death\)/);
    expect(attempt({ timesteps: { mode: 'grid' } })).toThrow(/timesteps.binDays: grid mode needs binDays/);
    expect(attempt({ criteria: [{ type: 'visits', min: 0 }] })).toThrow(/criteria.0.min/);
    expect(attempt({ dataset: 'nope' })).toThrow(/no dataset "nope" in this store \(datasets: steno2, icu\)/);
    expect(attempt({ timesteps: { mode: 'grid', binDays: 30, aggregate: { albuminuria: 'mean' } } })).toThrow(/"mean" needs a numeric variable/);
    expect(attempt({ criteria: [{ type: 'age', variable: 'birth_date', min: 200 }] })).toThrow(/no patients left to encode/);
    expect(() => createCohort(db, cohortDefinition('icu-death', { name: 'icu_bad', drop: [] }))).toThrow(/variable "icu" has \d+ levels in this cohort; one-hot encoding takes at most 64/);
    expect(attempt({ outcome: { events: [] } })).toThrow(CohortDefinitionError);
    expect(storeDigest(db)).toBe(before);
  });
});
