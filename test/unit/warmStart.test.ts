import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, showCohort } from '../../main/cohort/cohortService.js';
import { defaultConfig, storedConfig } from '../../main/training/config.js';
import { buildModel, conditionsOf, loadTrainingData, modelSpec, modelView, train, trainedWeights } from '../../main/training/engine.js';
import { applyWarmStart } from '../../main/training/startFrom.js';
import { unpackTensors } from '../../main/training/checkpoint.js';
import { conditionRow, stackRows } from '../../main/training/conditionInput.js';
import type { ChannelSpec } from '../../main/models/channels.js';
import type { Model } from '../../main/models/model.js';
import type { ConditionLayout } from '../../main/models/conditioning.js';
import type { NumericCodec } from '../../main/sequence/codecs.js';
import type { Encoding } from '../../main/sequence/encoding.js';
import { vaeLayouts, segmentWidth } from '../../main/models/weightLayouts.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition, steno2CohortStore } from '../support/cohorts.js';

/*
 * A run started from another run's weights (issue 17) on real cohorts: a VAE trained on
 * the whole Steno-2 death cohort, then runs on the cohort of one arm (its own scalers,
 * its arm channel of one level) from it and from fresh weights.
 */
let db: Db;
let sourceRun: number;

beforeAll(async () => {
  db = (await steno2CohortStore()).db;
  const def = cohortDefinition('steno2-death');
  createCohort(db, { ...def, name: 'steno2_int', criteria: [...(def.criteria ?? []), { type: 'static', variable: 'arm', in: ['Int'], label: 'intensive arm' }] });
  sourceRun = (await train(db, { cohort: 'steno2_death', family: 'vae', seed: 3, config: { hidden: 16, steps: 300 }, checkpointEvery: 100 })).runId;
}, 180_000);

describe('the weights of a model, as data', () => {
  it("give every weight of the VAE a layout whose rows and columns add up to the weight's shape", () => {
    const cohort = showCohort(db, 'steno2_death');
    const data = loadTrainingData(db, 'steno2_death').data;
    for (const overrides of [{ hidden: 8 }, { hidden: 8, conditions: [] as string[] }, { hidden: 8, architecture: undefined }]) {
      const config = { ...defaultConfig('vae', data.n, overrides as never), ...overrides } as ReturnType<typeof defaultConfig> & { family: 'vae' };
      const view = modelView(config, cohort.encoding, data).data;
      const model = buildModel(config, cohort.encoding, 1, view);
      const spec = modelSpec(config, cohort.encoding, view);
      const layouts = vaeLayouts(config, spec, conditionsOf(config, cohort.encoding)?.layout.width ?? 0);
      expect([...layouts.keys()].sort()).toEqual([...model.params.vars.keys()].sort());
      for (const [name, v] of model.params.vars) {
        const l = layouts.get(name)!;
        const rows = l.rows.reduce((n, s) => n + segmentWidth(s, spec), 0);
        const cols = l.cols.reduce((n, s) => n + segmentWidth(s, spec), 0);
        expect([rows, cols], name).toEqual(v.shape.length === 1 ? [1, v.shape[0]] : v.shape);
        if (l.bias) expect(model.params.vars.get(l.bias)!.shape, `${name}'s bias`).toEqual([cols]);
      }
      model.dispose();
    }
  });
});

describe('a run started from another run', () => {
  it('carries every weight over unchanged from a run on the same cohort', async () => {
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 9, from: sourceRun, config: { steps: 1 } });
    const { config } = storedConfig(new TrainingRepository(db).run(run.runId)!.configJson);
    expect(config.warmStart).toMatchObject({ from: sourceRun, cohort: 'steno2_death', step: 300 });
    expect(config.warmStart!.table[0]).toMatch(/^\d+ channels matched, 0 new, 0 dropped$/);
    expect(config.warmStart!.carried).toMatchObject({ fresh: [] });
    expect(config.warmStart!.carried!.entries).toBe(config.warmStart!.carried!.total);
  }, 60_000);

  it('keeps what the model computes when only the scalers differ: inputs, biases, bins and within-step terms re-based exactly', () => {
    const cohort = showCohort(db, 'steno2_death');
    const source = trainedWeights(db, sourceRun);
    const config = source.config;
    const loss = (enc: Encoding, load: (model: Model, spec: ChannelSpec, conditions: ConditionLayout | null) => void) => {
      const rows: Float32Array[] = [];
      const given = conditionsOf(config, enc);
      const raw = loadTrainingData(db, 'steno2_death', given ? (tl) => rows.push(conditionRow(tl, given)) : undefined, enc).data;
      const view = modelView(config, enc, raw).data;
      const data = given ? { ...view, conditions: stackRows(rows, given.layout.width) } : view;
      const model = buildModel(config, enc, 1, data);
      load(model, modelSpec(config, enc, data), given?.layout ?? null);
      const value = model.validationLoss!(data);
      model.dispose();
      return value;
    };
    const before = loss(cohort.encoding, (model) => model.params.load([...source.weights].map(([name, data]) => ({ name, shape: model.params.vars.get(name)!.shape, data }))));
    // The same patients, their labs scaled otherwise (as a cohort fitted to other patients would scale them).
    const other: Encoding = structuredClone(cohort.encoding);
    const scaler = (name: string) => (other.measurements.find((m) => m.name === name)!.codec as NumericCodec).scaler as { mean: number; sd: number };
    scaler('a1c').mean += 7;
    scaler('a1c').sd *= 1.3;
    scaler('crea').mean -= 0.2;
    scaler('crea').sd *= 0.8;
    const after = loss(other, (model, spec, conditions) => applyWarmStart({ ...source, conditions: conditionsOf(config, cohort.encoding)?.layout ?? null }, { weights: model.params, spec, config, enc: other, conditions }));
    expect(after).toBeCloseTo(before, 2);
  }, 60_000);

  it('starts a smaller related cohort nearer its fit than fresh weights do, and generates', async () => {
    const repo = new TrainingRepository(db);
    const request = { cohort: 'steno2_int', family: 'vae' as const, seed: 5, config: { steps: 20 }, checkpointEvery: 10 };
    const cold = await train(db, request);
    const warm = await train(db, { ...request, from: sourceRun });
    const first = (id: number) => repo.losses(id)[0]!.losses.total!;
    // The same first batch (the batches' stream is the run's seed), scored by fresh weights and by the carried ones.
    expect(first(warm.runId)).toBeLessThan(0.9 * first(cold.runId));
    const { config } = storedConfig(repo.run(warm.runId)!.configJson);
    expect(config).toMatchObject({ hidden: 16, latent: 16 });
    // The arm is one level in the new cohort: a channel of its own; the rest carried over.
    expect(config.warmStart!.table).toContain('  new      statics  arm: levels Int here, Conv, Int in the source');
    const carried = config.warmStart!.carried!;
    expect(carried.entries / carried.total).toBeGreaterThan(0.8);
    const set = await generateSyntheticSet(db, { runId: warm.runId, patients: 20 });
    expect(set.patients).toBe(20);
  }, 120_000);

  it('keeps the recurrent cores as they came for the steps it is told to freeze them, and trains the rest', async () => {
    const repo = new TrainingRepository(db);
    const weights = (runId: number) => new Map(unpackTensors(repo.latestCheckpoint(runId)!.weights).map((t) => [t.name, t.data]));
    const frozen = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 4, from: sourceRun, config: { steps: 6, freeze: 6 } });
    const free = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 4, from: sourceRun, config: { steps: 6 } });
    const before = weights(sourceRun);
    const kept = (runId: number) => [...weights(runId)].filter(([name, w]) => w.every((x, i) => x === before.get(name)![i])).map(([name]) => name);
    const cores = [...before.keys()].filter((name) => name.startsWith('enc.gru.') || name.startsWith('dec.gru.'));
    // Frozen: every core weight as it came, the rest trained as without freezing; not frozen: the cores train too.
    expect(kept(frozen.runId).sort()).toEqual([...cores, ...kept(free.runId)].sort());
    expect(kept(free.runId).filter((name) => cores.includes(name))).toEqual([]);
    // Frozen for half its steps: the cores then train (and the optimizer, told of every weight at every step, takes them up).
    const half = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 4, from: sourceRun, config: { steps: 6, freeze: 3 } });
    expect(kept(half.runId).filter((name) => cores.includes(name))).toEqual([]);
    expect(storedConfig(repo.run(frozen.runId)!.configJson).config).toMatchObject({ freeze: 6 });
    await expect(train(db, { cohort: 'steno2_death', family: 'vae', config: { steps: 3, freeze: 2 } })).rejects.toThrow('Freezing the recurrent cores is for a run started from another run');
  }, 60_000);

  it('refuses a source of another family or other sizes, with what to do', async () => {
    await expect(train(db, { cohort: 'steno2_int', family: 'timegan', from: sourceRun, config: { steps: 3 } })).rejects.toThrow('Run to start from is a vae; a timegan run cannot start from its weights.');
    await expect(train(db, { cohort: 'steno2_int', family: 'vae', from: sourceRun, config: { hidden: 32, steps: 3 } })).rejects.toThrow('The run to start from has hidden 16; a run that starts from its weights keeps it (asked: 32).');
    await expect(train(db, { cohort: 'steno2_int', family: 'vae', from: 999, config: { steps: 3 } })).rejects.toThrow('No training run 999 in this store.');
  }, 60_000);
});
