import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contract, events } from '../../preload/contract.js';
import { storeHandlers } from '../../main/ipc/storeHandlers.js';
import { train } from '../../main/training/engine.js';
import { COHORTS } from '../support/cohorts.js';
import { freshStore, importWorkedExample } from '../support/store.js';

describe('the contract as the store answers it (what the app and the test bridge call)', () => {
  it('accepts a cohort definition file as createCohort arguments and answers every cohort method in contract shape', async () => {
    const { db } = freshStore();
    await importWorkedExample(db, 'steno2');
    const emitted: { event: string; payload: unknown }[] = [];
    const api = storeHandlers(db, (event, payload) => emitted.push({ event, payload }));
    const definition = JSON.parse(readFileSync(join(COHORTS, 'steno2-death.cohort.json'), 'utf8'));

    const [parsedDefinition] = contract.createCohort.args.parse([definition]);
    const created = api.createCohort(parsedDefinition);
    expect(contract.createCohort.result.parse(created)).toEqual(created);
    expect(created.attrition.at(-1)!.remaining).toBe(158);
    expect(created.transforms.find((t) => t.channel === 'crea')!.transform).toMatch(/^log\(x\) standardised/);
    expect(emitted.map((e) => (e.payload as { stage: string }).stage)).toEqual(['selecting', 'fitting', 'summarizing']);
    for (const e of emitted) expect(events.cohortProgress.payload.parse(e.payload)).toBeTruthy();

    const list = api.listCohorts();
    expect(contract.listCohorts.result.parse(list)).toEqual([{ id: created.id, name: 'steno2_death', version: 1, dataset: 'steno2', patients: 158, train: 127, holdout: 31, createdAt: created.createdAt }]);
    expect(contract.showCohort.result.parse(api.showCohort('steno2_death@1')).outcome.events).toBe(91);

    const args = contract.previewEncoding.args.parse(['steno2_death', '3', { mode: 'grid', binDays: 365 }]);
    const preview = api.previewEncoding(...args);
    // The bins run to each patient's end of follow-up; the longest (22 years) sets the length.
    expect(contract.previewEncoding.result.parse(preview).settings).toEqual({ mode: 'grid', binDays: 365, carryForward: false, maxLength: 23 });
    expect(preview.steps).toHaveLength(9);
    expect(preview.roundTrip).toBe(true);
    expect(preview.measurements.map((m) => m.name)).toEqual(['a1c', 'chol', 'crea', 'albuminuria']);
    expect(contract.previewEncoding.result.parse(api.previewEncoding('steno2_death', '3', undefined)).settings.mode).toBe('irregular');
    expect(contract.listDatasets.result.parse(api.listDatasets())).toHaveLength(1);

    // A short run, then what the Train step reads: runs, the loss history, a generated set.
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', config: { hidden: 8, steps: 12, batchSize: 16 }, checkpointEvery: 6 });
    const runs = contract.listRuns.result.parse(api.listRuns());
    expect(runs).toEqual([expect.objectContaining({ id: run.runId, cohort: 'steno2_death@1', family: 'vae', status: 'completed', step: 12, totalSteps: 12 })]);
    expect(contract.trainingLosses.result.parse(api.trainingLosses(run.runId)).map((l) => l.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const generated = contract.generateSynthetic.result.parse(await api.generateSynthetic(run.runId, 25, 3, undefined, undefined));
    expect(generated).toMatchObject({ patients: 25, dataset: 'steno2_death_vae_r1_s1', condition: null });
    expect(api.listDatasets().map((d) => d.name)).toEqual(['steno2', 'steno2_death_vae_r1_s1']);
    // What the Generate form offers, and a set asked for through the contract under a condition.
    const choices = contract.conditionChoices.result.parse(api.conditionChoices('steno2_death'));
    expect(choices.attributes.map((a) => a.name)).toEqual(['arm', 'sex', 'baseCVD', 'deathCVD', 'age band at index', 'outcome status']);
    expect(choices.statics.find((x) => x.name === 'sex')).toEqual({ name: 'sex', kind: 'categorical', levels: ['F', 'M'] });
    expect(choices.statics.at(-1)).toEqual({ name: 'age', kind: 'numeric', levels: [] });
    expect(choices.outcomes).toEqual(['event', 'censored']);
    const [runId, n, seed, condition] = contract.generateSynthetic.args.parse([run.runId, 10, 4, { where: ['sex=M'], outcome: 'censored' }]);
    const men = contract.generateSynthetic.result.parse(await api.generateSynthetic(runId, n, seed, condition, undefined));
    expect(men.condition).toMatchObject({ text: 'sex = M and censored', modelled: ['sex', 'outcome status'], accepted: 10 });
    expect(contract.generateSynthetic.args.safeParse([run.runId, 10, 4, { where: ['sex=M'], extra: 1 }]).success).toBe(false);
    const balanced = contract.generateSynthetic.result.parse(await api.generateSynthetic(run.runId, 12, 5, undefined, { attribute: 'sex', target: 'F=0.25, M=0.75' }));
    expect(balanced.condition!.balance!.levels.map((l) => [l.level, l.patients])).toEqual([
      ['F', 3],
      ['M', 9],
    ]);
  });

  it('rejects malformed definitions at the contract, naming the field', () => {
    const bad = contract.createCohort.args.safeParse([{ name: 'x y', dataset: 'steno2', outcome: { events: [] } }]);
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['0.name', '0.outcome.events']);
    expect(contract.previewEncoding.args.safeParse(['c', '3', { mode: 'weekly' }]).success).toBe(false);
  });
});
