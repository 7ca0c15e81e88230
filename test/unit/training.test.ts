import * as tf from '@tensorflow/tfjs-core';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort } from '../../main/cohort/cohortService.js';
import { Rng } from '../../main/common/rng.js';
import { selectBackend } from '../../main/training/backend.js';
import { sampleBatch, type MiniBatch } from '../../main/models/minibatch.js';
import type { Model } from '../../main/models/model.js';
import type { TimeGanPhase } from '../../main/models/timegan.js';
import type { VaePhase } from '../../main/models/vae.js';
import { restoreState, stateJson, unpackTensors } from '../../main/training/checkpoint.js';
import { holdOutValidation } from '../../main/training/earlyStopping.js';
import { defaultConfig, storedConfig } from '../../main/training/config.js';
import { buildModel, loadTrainingData, modelView, resume, train, type TrainProgress } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { noViolations, observedRanges, repair } from '../../main/training/plausibility.js';
import { showCohort } from '../../main/cohort/cohortService.js';
import { iterateTimelines } from '../../main/sequence/timeline.js';
import { openDatabase, type Db } from '../../main/store/database.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';
import { summarizeDataset } from '../../main/ingest/datasetSummary.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample, ROOT } from '../support/store.js';
import { installed } from '../support/packages.js';

let db: Db;
let dbPath: string;
beforeAll(async () => {
  await selectBackend('auto');
  const store = freshStore();
  db = store.db;
  dbPath = store.path;
  await importWorkedExample(db, 'icu');
  await importWorkedExample(db, 'steno2');
  createCohort(db, cohortDefinition('icu-death'));
  createCohort(db, cohortDefinition('steno2-death'));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.each(['vae', 'timegan'] as const)('%s on the ICU cohort', (family) => {
  it('trains with falling losses and no tensor leak', () => {
    const { cohort, data } = loadTrainingData(db, 'icu_death30');
    const config = defaultConfig(family, data.n, { hidden: 16, batchSize: 32, steps: 90 });
    const model = buildModel(config, cohort.encoding, 3, data);
    const rng = new Rng(4);
    try {
      for (const phase of model.phases) {
        const losses: number[] = [];
        const counts: number[] = [];
        for (let s = 0; s < phase.steps; s++) {
          const l = model.trainStep(phase.name, sampleBatch(data, 32, rng));
          losses.push(phase.name === 'joint' ? l.reconstruction! : l.total!);
          counts.push(tf.memory().numTensors);
        }
        // After the first step has made the optimizer's slots, nothing accumulates.
        expect(new Set(counts.slice(1)).size, `${phase.name}: tensors per step ${counts.slice(0, 5)}`).toBe(1);
        const head = Math.min(8, Math.floor(phase.steps / 3));
        if (phase.name !== 'joint') expect(mean(losses.slice(-head)), phase.name).toBeLessThan(mean(losses.slice(0, head)));
      }
      const before = tf.memory().numTensors;
      const g = model.generate(20, new Rng(5));
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(g.lengths).every((l) => l >= 1 && l <= cohort.encoding.maxLength)).toBe(true);
      expect(g.statics.every(Number.isFinite) && g.sequences.every(Number.isFinite)).toBe(true);
    } finally {
      model.dispose();
    }
  });
});

describe('model phases', () => {
  it('are typed per family, so that a wrong phase name does not compile', () => {
    // Checked by `tsc -p test`: each call below must be a type error.
    const wrong = (vae: Model<VaePhase>, gan: Model<TimeGanPhase>, batch: MiniBatch) => {
      // @ts-expect-error a TimeGAN phase is not a VAE phase
      vae.trainStep('joint', batch);
      // @ts-expect-error no TimeGAN phase is called 'vae'
      gan.trainStep('vae', batch);
    };
    expect(wrong).toBeTypeOf('function');
  });
});

describe('the training engine', () => {
  it('is reproducible from a seed, and a stopped run resumes exactly where it was', async () => {
    const request = { cohort: 'steno2_death', family: 'vae' as const, seed: 11, config: { hidden: 12, steps: 40, batchSize: 16 }, checkpointEvery: 10 };
    const whole = await train(db, request);
    const repo = new TrainingRepository(db);
    const reference = repo.losses(whole.runId).map((l) => l.losses.total);
    expect(reference).toHaveLength(40);

    let steps = 0;
    const stopped = await train(db, request, { onProgress: (p) => (steps = p.step), shouldStop: () => steps >= 25 });
    expect(stopped.status).toBe('cancelled');
    expect(repo.run(stopped.runId)).toMatchObject({ status: 'cancelled', step: 25 });
    const resumed = await resume(db, stopped.runId);
    expect(resumed.status).toBe('completed');
    // Same batches, same noise, same weights and Adam moments: the same losses (Adam's restored
    // bias corrections differ from the running ones in the last float32 bits, hence closeTo).
    expect(repo.losses(stopped.runId).map((l) => l.losses.total)).toEqual(reference.map((x) => expect.closeTo(x!, 4)));
    expect(repo.run(stopped.runId)).toMatchObject({ status: 'completed', step: 40, backend: (await selectBackend('auto')).name });
  });

  it('reports loading as its own phase before the first step, and an ETA only from steps timed after the warm-up', async () => {
    // A clock that moves 5 ms each time it is read: every step takes 5 ms, however fast this machine is.
    let now = 0;
    const clock = () => (now += 5);
    const events: TrainProgress[] = [];
    const started: number[] = [];
    const run = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 3, config: { hidden: 8, steps: 20, batchSize: 16 }, checkpointEvery: 10 }, { clock, onStart: () => started.push(events.length), onProgress: (p) => events.push(p) });
    const loading = events.filter((e) => e.phase === 'loading');
    expect(started).toEqual([0]);
    expect(events.slice(0, loading.length)).toEqual(loading);
    expect(loading.map((e) => [e.step, e.totalSteps, e.etaSeconds])).toEqual(loading.map(() => [0, 20, null]));
    expect(loading[0]!.activity).toBe('reading and encoding 127 training patients');
    const steps = events.slice(loading.length);
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Five steps of warm-up left out, five more timed: then 5 ms a step for the steps left.
    expect(steps.map((e) => e.etaSeconds)).toEqual(steps.map((e) => (e.step < 10 ? null : ((20 - e.step) * 5) / 1000)));
    expect(steps.map((e) => e.msPerStep)).toEqual(steps.map((e) => (e.step < 10 ? null : 5)));

    // A resumed run loads again (and says so) before its next step.
    const resumedEvents: TrainProgress[] = [];
    let stop = false;
    const stopped = await train(db, { cohort: 'steno2_death', family: 'vae', seed: 3, config: { hidden: 8, steps: 20, batchSize: 16 }, checkpointEvery: 10 }, { onProgress: (p) => (stop = p.step >= 10), shouldStop: () => stop });
    await resume(db, stopped.runId, { onProgress: (p) => resumedEvents.push(p) });
    const firstStep = resumedEvents.findIndex((e) => e.phase !== 'loading');
    expect(resumedEvents.slice(0, firstStep).map((e) => [e.step, e.activity])).toEqual([
      [10, 'reading and encoding 127 training patients'],
      [10, 'fitting the output heads to the training split and building the model'],
      [10, 'restoring the checkpoint of step 10'],
    ]);
    expect(resumedEvents[firstStep]!.step).toBe(11);
    expect(run.status).toBe('completed');
  });

  it('stops once its validation loss stops improving, keeps the best weights, and resumes after a cancel or a kill to the same result', async () => {
    // A high learning rate on a tiny net: the loss on the held-out fifth bottoms out at step 55, and three checks later the run stops.
    // (Without conditions, whose dropout would draw from the run's random stream: the figures are those this test was written with.)
    const request = { cohort: 'steno2_death', family: 'vae' as const, seed: 4, config: { hidden: 8, steps: 200, batchSize: 16, learningRate: 0.01, conditions: [], stopping: { validationShare: 0.2, every: 5, patience: 3, tolerance: 0 } }, checkpointEvery: 10 };
    const repo = new TrainingRepository(db);
    const progress: TrainProgress[] = [];
    const whole = await train(db, request, { onProgress: (p) => progress.push(p) });
    expect(whole).toMatchObject({ status: 'completed', steps: 70, stoppedBy: 'validation', bestStep: 55 });
    // Each step says where the rule stands (so the ETA, to the 200-step budget, reads as "at most").
    const steps = progress.filter((p) => p.phase !== 'loading');
    expect(steps.map((p) => p.stopping?.patience)).toEqual(steps.map(() => 3));
    expect(steps.at(-1)!.stopping).toMatchObject({ bestStep: 55, since: 3 });
    const reference = repo.losses(whole.runId);
    expect(reference.map((l) => l.step)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    const validation = reference.filter((l) => l.losses.validation !== undefined);
    expect(validation.map((l) => l.step)).toEqual(Array.from({ length: 14 }, (_, i) => (i + 1) * 5));
    const best = Math.min(...validation.map((l) => l.losses.validation!));
    expect(repo.run(whole.runId)).toMatchObject({ status: 'completed', step: 70, totalSteps: 200, stoppedBy: 'validation', bestStep: 55, bestValidationLoss: best });

    // What generation reads, the newest checkpoint, holds the weights of step 55: measured again, they give its loss.
    const { cohort, data: raw } = loadTrainingData(db, 'steno2_death');
    const { config } = storedConfig(repo.run(whole.runId)!.configJson);
    const { data } = modelView(config, cohort.encoding, raw);
    const model = buildModel(config, cohort.encoding, 4, data);
    try {
      const last = repo.latestCheckpoint(whole.runId)!;
      expect(last.step).toBe(70);
      model.params.load(unpackTensors(last.weights));
      expect(model.validationLoss!(holdOutValidation(data, config.stopping!, 4)!.validation)).toBeCloseTo(best, 4);
    } finally {
      model.dispose();
    }

    const sameAsWhole = (runId: number) => {
      const losses = repo.losses(runId);
      expect(losses.map((l) => [l.step, Object.keys(l.losses)])).toEqual(reference.map((l) => [l.step, Object.keys(l.losses)]));
      losses.forEach((l, i) => expect(l.losses, `step ${l.step}`).toEqual(Object.fromEntries(Object.entries(reference[i]!.losses).map(([k, v]) => [k, expect.closeTo(v, 4)]))));
      expect(repo.run(runId)).toMatchObject({ status: 'completed', step: 70, stoppedBy: 'validation', bestStep: 55, bestValidationLoss: expect.closeTo(best, 4) });
    };
    // Cancelled after the best check (step 55) and before the stop: the checkpoint carries the best weights and the count.
    let step = 0;
    const cancelled = await train(db, request, { onProgress: (p) => (step = p.step), shouldStop: () => step >= 57 });
    expect(repo.run(cancelled.runId)).toMatchObject({ status: 'cancelled', step: 57 });
    expect(await resume(db, cancelled.runId)).toMatchObject({ status: 'completed', steps: 70, stoppedBy: 'validation', bestStep: 55 });
    sameAsWhole(cancelled.runId);
    // Killed at step 63: it resumes from the checkpoint of step 60, whose best weights are step 55's.
    const killed = await train(db, request, {
      onProgress: (p) => {
        if (p.step === 63) throw new Error('killed');
      },
    }).catch((err: Error) => err);
    expect((killed as Error).message).toBe('killed');
    const killedRun = repo.runs().at(-1)!;
    expect(repo.latestCheckpoint(killedRun.id)!.step).toBe(60);
    await resume(db, killedRun.id);
    sameAsWhole(killedRun.id);
  });

  it('resumes a TimeGAN stopped in its joint phase exactly where it was, the discriminator gate included', async () => {
    // A learning rate of 1 makes the discriminator win within a few joint steps (loss under the 0.15
    // at which TimeGAN stops updating it), so whether it updates after the resume depends on the
    // last discriminator loss before the stop.
    const request = { cohort: 'steno2_death', family: 'timegan' as const, seed: 2, config: { hidden: 8, noise: 4, batchSize: 16, learningRate: 1, embeddingSteps: 2, supervisedSteps: 2, jointSteps: 12 }, checkpointEvery: 4 };
    const whole = await train(db, request);
    const repo = new TrainingRepository(db);
    const reference = repo.losses(whole.runId);
    expect(reference).toHaveLength(16);
    // The gate is what this test is about: the discriminator stopped updating before step 10 (its loss repeats).
    expect(reference[9]!.losses.discriminator).toBe(reference[8]!.losses.discriminator);

    let steps = 0;
    const stopped = await train(db, request, { onProgress: (p) => (steps = p.step), shouldStop: () => steps >= 10 });
    expect(repo.run(stopped.runId)).toMatchObject({ status: 'cancelled', step: 10 });
    expect((await resume(db, stopped.runId)).status).toBe('completed');
    const resumed = repo.losses(stopped.runId);
    expect(resumed.map((l) => l.phase)).toEqual(reference.map((l) => l.phase));
    for (let s = 10; s < 16; s++) {
      const want = reference[s]!.losses;
      expect(resumed[s]!.losses, `step ${s + 1}`).toEqual(Object.fromEntries(Object.entries(want).map(([k, v]) => [k, expect.closeTo(v, 4)])));
    }
  });

  it('restores model state from checkpoints, and from older ones that kept only the random stream', () => {
    const { cohort, data } = loadTrainingData(db, 'steno2_death');
    const model = buildModel(defaultConfig('timegan', data.n, { hidden: 8, steps: 30 }), cohort.encoding, 1, data);
    const dataRng = new Rng(1);
    try {
      expect(model.state()).toEqual({ rng: model.state().rng, lastDiscriminatorLoss: null });
      restoreState(JSON.stringify({ data: 7, model: { rng: 8, lastDiscriminatorLoss: 0.125 } }), dataRng, model);
      expect([dataRng.seedState, model.state()]).toEqual([7, { rng: 8, lastDiscriminatorLoss: 0.125 }]);
      restoreState(JSON.stringify({ data: 9, model: 10 }), dataRng, model);
      expect([dataRng.seedState, model.state()]).toEqual([9, { rng: 10, lastDiscriminatorLoss: 0.125 }]);
      expect(JSON.parse(stateJson(dataRng, model))).toEqual({ data: 9, model: { rng: 10, lastDiscriminatorLoss: 0.125 } });
    } finally {
      model.dispose();
    }
  });

  it('resumes a run whose process was killed, from its last checkpoint (CLI)', async () => {
    const bin = join(ROOT, 'build/bin/synthehr.js');
    db.close();
    const child = spawn(process.execPath, [bin, 'train', 'steno2_death', '--model', 'vae', '--steps', '160', '--hidden', '12', '--checkpoint-every', '20', '--seed', '5', '--db', dbPath], { stdio: 'ignore' });
    const watcher = openDatabase(dbPath);
    const runId = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const run = watcher.prepare("SELECT id, step FROM training_runs WHERE status = 'running' AND step >= 40 ORDER BY id DESC LIMIT 1").get() as { id: number } | undefined;
        if (run) {
          clearInterval(timer);
          resolve(run.id);
        }
      }, 100);
      child.on('exit', () => reject(new Error('training ended before it could be killed')));
    });
    const workerPid = watcher.prepare('SELECT pid FROM training_runs WHERE id = ?').pluck().get(runId) as number;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The training process goes with its parent.
    await waitFor(() => !alive(workerPid));
    const killedAt = watcher.prepare('SELECT step FROM training_runs WHERE id = ?').pluck().get(runId) as number;
    expect(killedAt % 20).toBe(0);
    // The training process marked its run failed as it went: never left "running".
    expect(watcher.prepare('SELECT status FROM training_runs WHERE id = ?').pluck().get(runId)).toBe('failed');
    watcher.close();
    db = openDatabase(dbPath);

    const again = spawnSync(process.execPath, [bin, 'train', '--resume', String(runId), '--db', dbPath], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`resuming from step ${killedAt}`);
    expect(again.stdout).toContain(`Run ${runId} completed: 160 steps`);
    const losses = new TrainingRepository(db).losses(runId);
    expect(losses.map((l) => l.step)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
  });
});

describe('generation', () => {
  it('writes a synthetic set as a dataset that obeys the plausibility rules', async () => {
    const run = await train(db, { cohort: 'steno2_death', family: 'timegan', seed: 2, config: { hidden: 12, steps: 60, batchSize: 32 } });
    const result = await generateSyntheticSet(db, { runId: run.runId, patients: 120 });
    const summary = summarizeDataset(db, result.dataset);
    expect(summary.dataset.patients).toBe(120);
    expect(summary.variables.map((v) => v.variable.name)).toEqual(summarizeDataset(db, 'steno2').variables.map((v) => v.variable.name));
    // Every rule holds after repair: strictly increasing visit times, nothing after the end of
    // follow-up, values inside the observed range widened by 10%, known categories only.
    const rows = db
      .prepare(
        `SELECT p.id, p.index_time AS indexTime, o.followup_end AS end,
                (SELECT max(time) FROM measurements m WHERE m.patient_id = p.id) AS lastVisit,
                (SELECT max(time) FROM events e WHERE e.patient_id = p.id) AS lastEvent
           FROM patients p JOIN outcomes o ON o.patient_id = p.id WHERE p.dataset_id = ?`,
      )
      .all(summary.dataset.id) as { indexTime: number; end: number; lastVisit: number | null; lastEvent: number | null }[];
    for (const r of rows) {
      expect(r.end).toBeGreaterThanOrEqual(r.indexTime);
      if (r.lastVisit !== null) expect(r.lastVisit).toBeLessThanOrEqual(r.end);
      if (r.lastEvent !== null) expect(r.lastEvent).toBeLessThanOrEqual(r.end);
    }
    const real = summarizeDataset(db, 'steno2');
    for (const v of summary.variables) {
      const r = real.variables.find((x) => x.variable.name === v.variable.name)!;
      if (v.numeric && r.numeric && v.variable.kind === 'numeric') {
        const pad = (r.numeric.max - r.numeric.min) * 0.1;
        expect(v.numeric.min).toBeGreaterThanOrEqual(r.numeric.min - pad);
        expect(v.numeric.max).toBeLessThanOrEqual(r.numeric.max + pad);
      }
      if (v.categories) for (const c of v.categories) expect(r.categories!.map((x) => x.level)).toContain(c.level);
    }
    const duplicates = db
      .prepare('SELECT count(*) FROM (SELECT patient_id, time, variable_id FROM measurements m JOIN patients p ON p.id = m.patient_id WHERE p.dataset_id = ? GROUP BY 1, 2, 3 HAVING count(*) > 1)')
      .pluck()
      .get(summary.dataset.id);
    expect(duplicates).toBe(0);
    expect(Object.keys(result.violations)).toEqual(['after-death-or-censoring', 'out-of-range', 'invalid-category', 'inconsistent-age-or-date', 'non-increasing-time']);
    expect(JSON.parse(db.prepare('SELECT violations_json FROM synthetic_sets WHERE id = ?').pluck().get(result.syntheticSetId) as string)).toEqual(result.violations);
  });
});

describe('plausibility repair', () => {
  it('never clamps a value onto a training extreme, even with margin 0', () => {
    const cohort = showCohort(db, 'steno2_death');
    const enc = cohort.encoding;
    const timelines = [...iterateTimelines(db, { cohortId: cohort.id, fromDays: enc.fromDays, split: 'train' })];
    const ranges = observedRanges(timelines, enc);
    const numeric = new Set(enc.measurements.filter((f) => f.codec.type === 'numeric' && f.kind !== 'date').map((f) => f.variableId));
    const patient = timelines.find((t) => t.measurements.some((m) => numeric.has(m.variableId)))!;
    // Every value far beyond the range, alternately above and below it; follow-up far too long.
    const wild = {
      ...patient,
      measurements: patient.measurements.map((m, i) => (numeric.has(m.variableId) && m.num !== null ? { ...m, num: i % 2 ? 1e6 : -1e6 } : m)),
      outcome: { ...patient.outcome, days: 1e6 },
    };
    const counts = noViolations();
    const repaired = repair(wild, enc, ranges, 0, counts, cohort.definition.outcome.events);
    expect(counts['out-of-range']).toBeGreaterThan(0);
    const clamped = repaired.measurements.filter((m) => numeric.has(m.variableId));
    expect(clamped.length).toBeGreaterThan(0);
    for (const m of clamped) {
      const [lo, hi] = ranges.variables.get(m.variableId)!;
      expect(m.num).toBeGreaterThan(lo);
      expect(m.num).toBeLessThan(hi);
    }
    expect(repaired.outcome.days).toBeLessThan(ranges.followUp[1]);
  });
});

describe('backend selection', () => {
  it('falls back by itself when the optional packages are absent, saying why', async () => {
    const choice = await selectBackend('auto');
    expect(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']).toContain(choice.name);
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(choice.reason).toMatch(/^fastest available/);
    await selectBackend('auto');
  });

  it.skipIf(installed('@tensorflow/tfjs-node'))('when @tensorflow/tfjs-node is absent (skipped where it is installed), says so and refuses the "tensorflow" backend', async () => {
    const choice = await selectBackend('auto');
    expect(choice.tried.find((t) => t.name === 'tensorflow')!.outcome).toBe('@tensorflow/tfjs-node is not installed (optional)');
    await expect(selectBackend('tensorflow')).rejects.toThrow(/Backend "tensorflow" is not available: @tensorflow\/tfjs-node is not installed/);
    await selectBackend('auto');
  });
});
