import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGE_BAND, AGE_BANDS, ageAtIndex, cohortAttributes } from '../../main/cohort/attributes.js';
import { apportion, balanceParts, parseTarget } from '../../main/training/balance.js';
import { createCohort, showCohort, type CohortReport } from '../../main/cohort/cohortService.js';
import { Rng } from '../../main/common/rng.js';
import { syntheticPatients } from '../../main/evaluation/data.js';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { exportSyntheticSet } from '../../main/export/exportSet.js';
import { privacyGate } from '../../main/export/gate.js';
import { DROP_ALL, DROP_EACH, dropConditions } from '../../main/models/conditioning.js';
import { iterateTimelines, type PatientTimeline } from '../../main/sequence/timeline.js';
import { selectBackend } from '../../main/training/backend.js';
import { allowedLevels, meets, parseCondition, type ConditionRequest } from '../../main/training/conditions.js';
import { resume, train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { DatasetRepository } from '../../main/store/repositories/datasetRepository.js';
import { SyntheticRepository } from '../../main/store/repositories/syntheticRepository.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample, storeDigest, tempDir } from '../support/store.js';

let db: Db;
let cohort: CohortReport;
let trainSplit: PatientTimeline[];
let runId: number;

beforeAll(async () => {
  await selectBackend('auto');
  db = freshStore().db;
  await importWorkedExample(db, 'steno2');
  cohort = showCohort(db, createCohort(db, cohortDefinition('steno2-death')).name);
  trainSplit = [...iterateTimelines(db, { cohortId: cohort.id, fromDays: cohort.definition.window.fromDays, split: 'train' })];
  // The default VAE of the cohort: conditioned on its categorical statics, age band and outcome.
  runId = (await train(db, { cohort: cohort.name, family: 'vae', seed: 1 })).runId;
}, 120_000);

const parse = (r: ConditionRequest) => parseCondition(r, cohort.encoding, cohort.definition);
const members = (r: ConditionRequest) => trainSplit.filter((tl) => meets(parse(r), tl)).length;
const storedConditions = (run: number) => (JSON.parse(new TrainingRepository(db).run(run)!.configJson) as { conditions?: string[] }).conditions;
const setPatients = (dataset: string) => syntheticPatients(db, cohort, new DatasetRepository(db).find(dataset)!.id);

describe('a condition', () => {
  it('reads clauses on categorical and numeric statics, the age at index and the outcome, and what a model is told of each', () => {
    const c = parse({ where: ['sex=f', 'age >= 65'], outcome: 'death' });
    expect(c.text).toBe('sex = F and age at index >= 65 and outcome death');
    expect(Object.fromEntries(allowedLevels(c))).toEqual({ sex: ['F'], [AGE_BAND]: ['60-69', '70-79', '80 and over'], 'outcome status': ['event'] });
    expect(allowedLevels(parse({ where: ['age<40'] })).get(AGE_BAND)).toEqual(['under 40']);
    expect(allowedLevels(parse({ where: ['age=55'] })).get(AGE_BAND)).toEqual(['50-59']);
    expect(allowedLevels(parse({ where: ['arm!=Int'] })).get('arm')).toEqual(['Conv']);
    expect(allowedLevels(parse({ outcome: 'censored' })).get('outcome status')).toEqual(['censored']);
    // Each clause tests what it says on real timelines.
    const age = ageAtIndex(cohort.encoding)!;
    const direct = trainSplit.filter((tl) => tl.statics.get(cohort.encoding.statics.find((f) => f.name === 'sex')!.variableId!)?.txt === 'F' && age(tl)! >= 65 && tl.outcome.status === 1).length;
    expect(members({ where: ['sex=F', 'age>=65'], outcome: 'death' })).toBe(direct);
    expect(members({ outcome: 'censored' }) + members({ outcome: 'event' })).toBe(trainSplit.length);
  });

  it('is refused with what the cohort has when it names nothing it has', () => {
    expect(() => parse({ where: ['height=3'] })).toThrow(/names "height", which is not a static of this cohort\. Statics a condition can name: .*sex.*, age\./);
    expect(() => parse({ where: ['sex=X'] })).toThrow('The condition "sex=X": sex has the levels F, M; "X" is not one of them.');
    expect(() => parse({ where: ['sex>F'] })).toThrow('sex is categorical; use = or !=');
    expect(() => parse({ where: ['age>=old'] })).toThrow('"old" is not a number');
    expect(() => parse({ where: ['sex'] })).toThrow('is not NAME=VALUE or NAME<op>NUMBER');
    expect(() => parse({ where: ['entry_date>1'] })).toThrow('entry_date is a date, which conditions cannot test');
    expect(() => parse({ outcome: 'alive' })).toThrow('The outcome "alive" is not one of this cohort\'s: event, death, censored.');
  });
});

describe('a balance target', () => {
  it('apportions whole patients to shares, largest remainders first', () => {
    expect(apportion(10, [1 / 3, 1 / 3, 1 / 3])).toEqual([4, 3, 3]);
    expect(apportion(7, [0.5, 0.5])).toEqual([4, 3]);
    expect(apportion(100, [0.7, 0.2, 0.1])).toEqual([70, 20, 10]);
    expect(apportion(5, [0.05, 0.95])).toEqual([0, 5]);
  });

  it('reads LEVEL=SHARE lists and refuses what is not one', () => {
    expect(parseTarget('F=0.7, M=0.3')).toEqual({ F: 0.7, M: 0.3 });
    expect(() => parseTarget('F:0.5')).toThrow('is not LEVEL=SHARE,... (e.g. F=0.5,M=0.5): "F:0.5"');
    expect(() => parseTarget('F=half')).toThrow('"F=half"');
    expect(() => balanceParts({ attribute: 'sex', target: { F: 0.5, M: 0.4 } }, cohort.encoding, null)).toThrow("shares add up to 0.9, not 1");
    expect(() => balanceParts({ attribute: 'sex', target: { X: 1 } }, cohort.encoding, null)).toThrow('"X", which is not a level of sex: F, M');
    expect(() => balanceParts({ attribute: 'height' }, cohort.encoding, null)).toThrow('Cannot balance on "height": it can be one of arm, sex, baseCVD, deathCVD, age band at index, outcome status (or age, outcome).');
    expect(balanceParts({ attribute: 'age' }, cohort.encoding, parse({ where: ['sex=F'] })).map((p) => p.condition.text)).toContain('sex = F and age band at index = 60-69');
  });
});

describe('condition dropout', () => {
  it('hides a whole condition as often as asked, and each attribute of the rest', () => {
    const layout = { width: 5, groups: [{ offset: 0, width: 2 }, { offset: 2, width: 3 }] };
    const B = 20_000;
    const c = new Float32Array(B * 5);
    for (let b = 0; b < B; b++) (c[b * 5] = 1), (c[b * 5 + 4] = 1);
    const out = dropConditions(c, B, layout, new Rng(3));
    let none = 0;
    let first = 0;
    for (let b = 0; b < B; b++) {
      if (out[b * 5] === 0 && out[b * 5 + 4] === 0) none++;
      if (out[b * 5] === 0) first++;
    }
    expect(none / B).toBeCloseTo(DROP_ALL + (1 - DROP_ALL) * DROP_EACH ** 2, 1);
    expect(first / B).toBeCloseTo(DROP_ALL + (1 - DROP_ALL) * DROP_EACH, 1);
    expect(c[0]).toBe(1); // the input is left as it was
  });
});

describe('generating under a condition', () => {
  it('refuses a condition no training patient meets, and one fewer than 5 meet, leaving the store as it was', async () => {
    const before = storeDigest(db);
    expect(members({ where: ['sex=F', 'age>=70'] })).toBe(0);
    await expect(generateSyntheticSet(db, { runId, patients: 50, condition: { where: ['sex=F', 'age>=70'] } })).rejects.toThrow(
      'No patient in the training split of cohort steno2_death meets sex = F and age at index >= 70: there is no one to learn such patients from. Loosen the condition.',
    );
    // The oldest ages at index: a threshold that 1 to 4 training patients meet.
    const ages = trainSplit.map(ageAtIndex(cohort.encoding)!).map((a) => a!).sort((a, b) => b - a);
    const rare = { where: [`age>=${Math.floor(ages[2]!)}`] };
    expect(members(rare)).toBeGreaterThan(0);
    expect(members(rare)).toBeLessThan(5);
    await expect(generateSyntheticSet(db, { runId, patients: 50, condition: rare })).rejects.toThrow(/^Fewer than 5 patients in the training split of cohort steno2_death meet age at index >= \d+: too few/);
    await expect(generateSyntheticSet(db, { runId, patients: 50, condition: { where: ['sex=Q'] } })).rejects.toThrow('sex has the levels F, M');
    expect(storeDigest(db)).toBe(before);
  });

  it('generates patients who all meet it, told to the model, and far more often than the whole cohort would', async () => {
    const whole = await generateSyntheticSet(db, { runId, patients: 300 });
    const women = (ps: { timeline: PatientTimeline }[]) => ps.filter((p) => meets(parse({ where: ['sex=F'] }), p.timeline)).length / ps.length;
    const wholeShare = women(setPatients(whole.dataset));
    const result = await generateSyntheticSet(db, { runId, patients: 300, condition: { where: ['sex=F'] } });
    expect(women(setPatients(result.dataset))).toBe(1);
    expect(result.patients).toBe(300);
    expect(result.condition).toMatchObject({ text: 'sex = F', modelled: ['sex'], trainingPatients: members({ where: ['sex=F'] }), accepted: 300 });
    const acceptance = result.condition!.accepted / result.condition!.drafts;
    // Told the condition and drawn like the women of the training split, the model makes women far more often than its whole-cohort share.
    expect(acceptance).toBeGreaterThan(Math.min(0.9, 2 * wholeShare));
    const stored = new SyntheticRepository(db).list().find((s) => s.id === result.syntheticSetId)!;
    expect(JSON.parse(stored.conditionJson!)).toEqual(result.condition);
    expect(new SyntheticRepository(db).list().find((s) => s.id === whole.syntheticSetId)!.conditionJson).toBeNull();

    const both = await generateSyntheticSet(db, { runId, patients: 120, condition: { where: ['arm=Int', 'age>=55'], outcome: 'death' } });
    const asked = parse({ where: ['arm=Int', 'age>=55'], outcome: 'death' });
    expect(setPatients(both.dataset).every((p) => meets(asked, p.timeline))).toBe(true);
    expect(both.condition!.modelled).toEqual(['arm', AGE_BAND, 'outcome status']);
  }, 60_000);

  it('meets a condition by discarding drafts where the model was not told it, and says so', async () => {
    const plain = (await train(db, { cohort: cohort.name, family: 'vae', seed: 2, config: { steps: 200, conditions: [] } })).runId;
    const result = await generateSyntheticSet(db, { runId: plain, patients: 80, condition: { where: ['sex=F'] } });
    expect(result.condition!.modelled).toEqual([]);
    expect(setPatients(result.dataset).every((p) => meets(parse({ where: ['sex=F'] }), p.timeline))).toBe(true);
  }, 60_000);

  it('refuses at the start a run conditioned on what the cohort has not', async () => {
    for (const family of ['vae', 'timegan'] as const) {
      await expect(train(db, { cohort: cohort.name, family, config: { conditions: ['height'] } })).rejects.toThrow(
        '"height" is not an attribute this cohort can be conditioned on. It can be: arm, sex, baseCVD, deathCVD, age band at index, outcome status.',
      );
    }
  });

  it('resumes a conditional TimeGAN exactly where it stopped: the condition dropout draws from the checkpointed stream', async () => {
    const request = { cohort: cohort.name, family: 'timegan' as const, seed: 5, config: { hidden: 8, noise: 4, batchSize: 16, embeddingSteps: 4, supervisedSteps: 4, jointSteps: 12, conditions: ['arm', 'sex', AGE_BAND] }, checkpointEvery: 6 };
    const repo = new TrainingRepository(db);
    const whole = await train(db, request);
    let step = 0;
    const stopped = await train(db, request, { onProgress: (p) => (step = p.step), shouldStop: () => step >= 13 });
    expect(repo.run(stopped.runId)).toMatchObject({ status: 'cancelled', step: 13 });
    await resume(db, stopped.runId);
    const [a, b] = [repo.losses(whole.runId), repo.losses(stopped.runId)];
    expect(b.map((l) => l.step)).toEqual(a.map((l) => l.step));
    for (let s = 12; s < a.length; s++) expect(b[s]!.losses, `step ${s + 1}`).toEqual(Object.fromEntries(Object.entries(a[s]!.losses).map(([k, v]) => [k, expect.closeTo(v, 4)])));
  }, 60_000);

  it('conditions a TimeGAN run too: a conditional GAN, told the condition in its generators and discriminators', async () => {
    // Told which: by default a TimeGAN learns none (conditioned on all, its whole-cohort sets were far worse).
    expect(storedConditions((await train(db, { cohort: cohort.name, family: 'timegan', config: { steps: 3 } })).runId)).toEqual([]);
    const gan = await train(db, { cohort: cohort.name, family: 'timegan', seed: 3, config: { steps: 600, conditions: ['sex', 'outcome status'] } });
    expect(storedConditions(gan.runId)).toEqual(['sex', 'outcome status']);
    const result = await generateSyntheticSet(db, { runId: gan.runId, patients: 60, condition: { where: ['sex=F'] } });
    expect(result.condition).toMatchObject({ modelled: ['sex'], accepted: 60 });
    expect(setPatients(result.dataset).every((p) => meets(parse({ where: ['sex=F'] }), p.timeline))).toBe(true);
  }, 120_000);

  it('balances a set on an attribute, equal by default, or to a target, and records target and achieved', async () => {
    const arms = await generateSyntheticSet(db, { runId, patients: 101, balance: { attribute: 'arm' } });
    const armOf = (ps: { timeline: PatientTimeline }[], level: string) => ps.filter((p) => meets(parse({ where: [`arm=${level}`] }), p.timeline)).length;
    expect([armOf(setPatients(arms.dataset), 'Conv'), armOf(setPatients(arms.dataset), 'Int')]).toEqual([51, 50]);
    expect(arms.condition!.balance).toMatchObject({ attribute: 'arm', levels: [{ level: 'Conv', target: 0.5, patients: 51 }, { level: 'Int', target: 0.5, patients: 50 }], omitted: [] });
    expect(arms.condition!.text).toBe('');
    // Women only, 70% of them in the intensive arm.
    const women = await generateSyntheticSet(db, { runId, patients: 60, condition: { where: ['sex=F'] }, balance: { attribute: 'arm', target: { Int: 0.7, Conv: 0.3 } } });
    const ps = setPatients(women.dataset);
    expect(ps.every((p) => meets(parse({ where: ['sex=F'] }), p.timeline))).toBe(true);
    expect([armOf(ps, 'Conv'), armOf(ps, 'Int')]).toEqual([18, 42]);
    // An equal target leaves out, and names, the age bands fewer than 5 training patients are in.
    const ages = await generateSyntheticSet(db, { runId, patients: 40, balance: { attribute: 'age' } });
    const bandCounts = new Map<string, number>();
    for (const tl of trainSplit) {
      const band = cohortAttributes(cohort.encoding).find((a) => a.name === AGE_BAND)!.levelOf(tl)!;
      bandCounts.set(band, (bandCounts.get(band) ?? 0) + 1);
    }
    expect(ages.condition!.balance!.omitted).toEqual(AGE_BANDS.filter((b) => (bandCounts.get(b) ?? 0) < 5));
    expect(ages.condition!.balance!.levels.map((l) => l.level)).toEqual(AGE_BANDS.filter((b) => (bandCounts.get(b) ?? 0) >= 5));
    // A share given to a level too few training patients are in is refused, and nothing is written.
    const before = storeDigest(db);
    const rare = AGE_BANDS.find((b) => (bandCounts.get(b) ?? 0) < 5)!;
    await expect(generateSyntheticSet(db, { runId, patients: 40, balance: { attribute: 'age', target: { [rare]: 0.5, '50-59': 0.5 } } })).rejects.toThrow(/training split of cohort steno2_death meet age band at index = /);
    expect(storeDigest(db)).toBe(before);
    // The report sets the achieved shares beside the target.
    const report = await evaluate(db, arms.dataset, { posthocSteps: 10 });
    expect(report.condition!.balance!.levels.map((l) => [l.level, l.target, Math.round(l.achieved * 1000) / 1000])).toEqual([
      ['Conv', 0.5, 0.505],
      ['Int', 0.5, 0.495],
    ]);
    expect(report.metrics.find((m) => m.name === 'balance: largest gap between target and achieved share')).toMatchObject({ verdict: 'pass' });
    // The balanced attribute's shares are the target's, not judged against the real ones; the others are.
    const shareOf = (attribute: string) => report.subgroups.rows.filter((r) => r.attribute === attribute).map((r) => r.metrics[0]!);
    expect(shareOf('arm').map((m) => [m.verdict, m.note])).toEqual([
      ['n/a', 'set by the balance target, not judged'],
      ['n/a', 'set by the balance target, not judged'],
    ]);
    expect(shareOf('sex').find((m) => m.variable === 'sex = M')!.verdict).not.toBe('n/a');
  }, 120_000);

  it('is judged against the real patients who meet it', async () => {
    const set = await generateSyntheticSet(db, { runId, patients: 150, condition: { where: ['sex=M'] } });
    const report = await evaluate(db, set.dataset, { posthocSteps: 20 });
    expect(report.condition).toMatchObject({ text: 'sex = M', met: 1, modelled: ['sex'] });
    expect(report.dataUse.train).toBe(members({ where: ['sex=M'] }));
    expect(report.dataUse.note).toMatch(/^Every part compares with the real patients who meet sex = M/);
    expect(report.metrics.find((m) => m.name === 'share meeting the condition')).toMatchObject({ value: 1, verdict: 'pass' });
    // Every man: the report's share of men is the whole set, as is the real patients' it is judged against.
    const men = report.subgroups.rows.find((r) => r.attribute === 'sex' && r.level === 'M')!;
    expect(men.synthetic.share).toBe(1);
    expect(men.train.share).toBe(1);
    // The data card says what every patient meets, and against whom it was judged.
    const exported = await exportSyntheticSet(db, { set: set.dataset, format: 'csv', directory: tempDir(), report, overrideReason: privacyGate(report).passed ? undefined : 'test' });
    expect(readFileSync(exported.dataCard.markdown, 'utf8')).toMatch(/Condition: every synthetic patient is to meet sex = M; 100\.0% do\. The model was told sex; \d+\.\d% of its drafts met it/);
    expect(JSON.parse(readFileSync(exported.dataCard.json, 'utf8')).syntheticSet.condition).toMatchObject({ text: 'sex = M', met: 1, modelled: ['sex'] });
  }, 120_000);
});
