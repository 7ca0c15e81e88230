import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewResults } from '../../main/review/results.js';
import { createReviewSession } from '../../main/review/session.js';
import { exportSessionFile, importAnswersFile, type AnswersFile } from '../../main/review/sessionFile.js';
import { binomialTwoSided, fleissKappa } from '../../main/review/stats.js';
import { ReviewRepository } from '../../main/store/repositories/reviewRepository.js';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { exportSyntheticSet } from '../../main/export/exportSet.js';
import type { Db } from '../../main/store/database.js';
import { steno2WithSyntheticSet } from '../support/fixtures.js';
import { csvFacts } from '../support/csvFacts.js';

describe('review statistics on known answers', () => {
  it('exact binomial test and Fleiss kappa', () => {
    expect(binomialTwoSided(15, 20)).toBeCloseTo(0.04139, 5);
    expect(binomialTwoSided(10, 20)).toBeCloseTo(1, 10);
    expect(binomialTwoSided(20, 20)).toBeCloseTo(2 / 2 ** 20, 12);
    // Fleiss (1971) as reproduced on Wikipedia: 10 subjects, 14 raters, 5 categories, kappa 0.210.
    const table = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(table)).toBeCloseTo(0.21, 3);
    expect(fleissKappa([[2, 0], [0, 2], [2, 0]])).toBe(1);
  });
});

describe('a review session', () => {
  let db: Db;
  let set: string;
  beforeAll(async () => {
    ({ db, set } = await steno2WithSyntheticSet());
  });

  it('draws every case, real and synthetic, from one subgroup when asked, and refuses one the cohort has not', () => {
    const s = createReviewSession(db, { set, cases: 10, seed: 3, subgroup: { attribute: 'sex', level: 'm' } });
    expect(s).toMatchObject({ cases: 10, real: 5, synthetic: 5, subgroup: 'sex = M' });
    const sexOf = (patientId: number) =>
      db.prepare("SELECT s.txt FROM static_values s JOIN variables v ON v.id = s.variable_id WHERE s.patient_id = ? AND v.name = 'sex'").pluck().get(patientId) as string;
    const stored = new ReviewRepository(db).cases(s.id);
    expect(stored.map((c) => sexOf(c.patientId))).toEqual(stored.map(() => 'M'));
    expect(reviewResults(db, String(s.id)).session.subgroup).toBe('sex = M');
    expect(new ReviewRepository(db).list().find((x) => x.id === s.id)!.subgroup).toBe('sex = M');
    expect(() => createReviewSession(db, { set, cases: 10, subgroup: { attribute: 'sex', level: 'X' } })).toThrow('sex has the levels F, M; "X" is not one of them.');
    expect(() => createReviewSession(db, { set, cases: 10, subgroup: { attribute: 'height', level: '1' } })).toThrow('No subgroup attribute "height": it can be one of arm, sex, baseCVD');
    expect(() => createReviewSession(db, { set, cases: 400, subgroup: { attribute: 'sex', level: 'F' } })).toThrow(/^Only \d+ holdout and \d+ synthetic patients of sex = F are available for 200 real and 200 synthetic cases\.$/);
  });

  it('is blinded and de-identified, round-trips through files, and is scored', () => {
    const s = createReviewSession(db, { set, cases: 20, syntheticShare: 0.5, seed: 9 });
    expect(s).toMatchObject({ cases: 20, real: 10, synthetic: 10 });
    const dir = mkdtempSync(join(tmpdir(), 'review-'));
    const file = join(dir, 'session.json');
    exportSessionFile(db, String(s.id), file, { reviewer: 'oracle' });
    const text = readFileSync(file, 'utf8');
    const exported = JSON.parse(text) as { token: string; cases: { position: number; label: string }[] };
    expect(exported.cases).toHaveLength(20);
    // No truth, no patient ids, no real dates in the file.
    expect(text).not.toMatch(/"truth"|"real"|"synthetic"|SYN-|patientId/);
    // No real case carries any of its patient's own dates (entry, birth, visits, events, end).
    const steno = csvFacts('steno2.csv');
    const stored = new ReviewRepository(db).cases(s.id);
    for (const c of stored.filter((x) => x.truth === 'real')) {
      const key = db.prepare('SELECT source_key FROM patients WHERE id = ?').pluck().get(c.patientId) as string;
      const row = steno.col('id').indexOf(key);
      const own = ['doBth', 'doBase', 'doEnd', 'doDth', 'doCVD1'].map((col) => steno.col(col)[row]!).filter((d) => /^\d{4}-/.test(d));
      const visits = (db.prepare("SELECT DISTINCT time FROM measurements WHERE patient_id = ?").pluck().all(c.patientId) as number[]).map((t) => new Date(t * 864e5).toISOString().slice(0, 10));
      const shown = JSON.stringify(exported.cases.find((x) => x.position === c.position));
      for (const date of [...own, ...visits]) expect(shown.includes(`"${date}"`), `case ${c.position} shows ${date}`).toBe(false);
    }
    // Two scripted reviewers: one who knows the truth, one who always says "real".
    const cases = new ReviewRepository(db).cases(s.id);
    const write = (reviewer: string, answer: (truth: string) => 'real' | 'synthetic') => {
      const answers: AnswersFile = {
        format: 'synthehr-review-answers/1',
        token: exported.token,
        reviewer,
        answers: cases.map((c) => ({ position: c.position, answer: answer(c.truth), confidence: 4, flags: c.truth === 'synthetic' ? ['crea'] : [] })),
      };
      const path = join(dir, `${reviewer}.json`);
      writeFileSync(path, JSON.stringify(answers));
      return importAnswersFile(db, path);
    };
    expect(write('oracle', (t) => t as 'real' | 'synthetic')).toMatchObject({ reviewer: 'oracle', answers: 20 });
    write('credulous', () => 'real');
    const r = reviewResults(db, exported.token);
    const oracle = r.reviewers.find((x) => x.reviewer === 'oracle')!;
    expect(oracle).toMatchObject({ answered: 20, correct: 20, accuracy: 1, sensitivity: 1, specificity: 1 });
    expect(oracle.pValue).toBeCloseTo(2 / 2 ** 20, 12);
    const credulous = r.reviewers.find((x) => x.reviewer === 'credulous')!;
    expect(credulous).toMatchObject({ accuracy: 0.5, sensitivity: 0, specificity: 1, pValue: expect.closeTo(1, 10) });
    expect(r.pooled).toMatchObject({ answered: 40, correct: 30 });
    expect(r.fleissKappa).toBeCloseTo(fleissKappa(cases.map((c) => (c.truth === 'real' ? [2, 0] : [1, 1]))), 12);
    expect(r.flaggedFeatures).toEqual([{ feature: 'crea', count: 20 }]);
    // A file for another session, or for a case that does not exist, is refused.
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'synthehr-review-answers/1', token: exported.token, reviewer: 'x', answers: [{ position: 99, answer: 'real', confidence: 3, flags: [] }] }));
    expect(() => importAnswersFile(db, bad)).toThrow(/there is no case 99 in the session/);
  });

  it('puts the scored review into the data card of an export', async () => {
    const report = await evaluate(db, set, { posthocSteps: 20 });
    const r = await exportSyntheticSet(db, { set, format: 'csv', directory: mkdtempSync(join(tmpdir(), 'card-')), report, overrideReason: 'test' });
    expect(readFileSync(r.dataCard.markdown, 'utf8')).toMatch(/review session \d+: 2 reviewer\(s\), 40 answers; pooled accuracy 75\.0%/);
  });
});
