import type { TrainingProgressDto } from '../../preload/contract.js';
import { showCohort, type CohortReport } from '../cohort/cohortService.js';
import { num } from '../common/format.js';
import { isAlive } from '../common/processAlive.js';
import { channelSpec } from '../models/channels.js';
import { DEFAULT_BINS } from '../models/outputBins.js';
import type { Model } from '../models/model.js';
import { Rng } from '../common/rng.js';
import { buildTimeGan, type TimeGanConfig, type TimeGanPhase } from '../models/timegan.js';
import { buildVae, type VaeConfig, type VaePhase } from '../models/vae.js';
import type { Encoding } from '../sequence/encoding.js';
import { encodeBatch } from '../sequence/encode.js';
import { iterateTimelines } from '../sequence/timeline.js';
import type { Db } from '../store/database.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { selectBackend, type BackendChoice, type BackendName } from './backend.js';
import { sampleBatch, trainingData, type TrainingData } from '../models/minibatch.js';
import { loadOptimizers, packTensors, restoreState, saveOptimizers, stateJson, unpackTensors } from './checkpoint.js';
import { defaultConfig, stepsOf, storedConfig, type Family, type ModelConfig, type ModelPhaseName } from './config.js';
import { followUpShare } from './followUpShare.js';
import { StepTimer } from './stepTimes.js';
import { UserError, type ErrorCode } from '../common/errors.js';

export interface TrainRequest {
  cohort: string;
  family: Family;
  seed?: number;
  backend?: BackendName | 'auto';
  /** Overrides of the defaults (hidden, steps, learningRate, ...). */
  config?: Partial<ModelConfig> & { steps?: number };
  checkpointEvery?: number;
}

/** One progress report: the contract's trainingProgress, as the app and the CLI receive it. */
export type TrainProgress = TrainingProgressDto;

/** What a run reports when it starts (the CLI prints it). */
export interface StartInfo {
  runId: number;
  backend: BackendChoice;
  config: ModelConfig;
  trainPatients: number;
  resumedFrom: number;
}

export interface TrainHooks {
  onStart?: (info: StartInfo) => void;
  onProgress?: (p: TrainProgress) => void;
  /** Polled between steps; true stops after a checkpoint. */
  shouldStop?: () => boolean;
  /** Milliseconds from some fixed point, for step times and the ETA (performance.now unless a test injects a clock). */
  clock?: () => number;
}

export interface TrainResult {
  runId: number;
  status: 'completed' | 'cancelled';
  steps: number;
  seconds: number;
  backend: BackendChoice;
}

export class TrainingError extends UserError {
  override name = 'TrainingError';
  readonly code: ErrorCode = 'training-refused';
}

/**
 * Builds the model of a config for an encoding (pure: config, layout and training
 * data in, model out). Architecture 2 fits its output heads to `data`, the
 * cohort's training split, the same way each time it is built.
 */
export function buildModel(config: VaeConfig, enc: Encoding, seed: number, data: TrainingData): Model<VaePhase>;
export function buildModel(config: TimeGanConfig, enc: Encoding, seed: number, data: TrainingData): Model<TimeGanPhase>;
export function buildModel(config: ModelConfig, enc: Encoding, seed: number, data: TrainingData): Model<ModelPhaseName>;
export function buildModel(config: ModelConfig, enc: Encoding, seed: number, data: TrainingData): Model<ModelPhaseName> {
  const rng = new Rng(seed);
  const spec = channelSpec(enc, config.architecture === 2 ? { data, bins: config.bins ?? DEFAULT_BINS, stepPatterns: true } : undefined);
  return config.family === 'vae' ? buildVae(config, spec, rng) : buildTimeGan(config, spec, rng);
}

/** The cohort's training split, encoded (the holdout is never read). */
export function loadTrainingData(db: Db, cohortRef: string) {
  const cohort = showCohort(db, cohortRef);
  return { cohort, data: encodeTrainingSplit(db, cohort) };
}

function encodeTrainingSplit(db: Db, cohort: CohortReport): TrainingData {
  const batch = encodeBatch(iterateTimelines(db, { cohortId: cohort.id, fromDays: cohort.definition.window.fromDays, split: 'train' }), cohort.encoding);
  return trainingData(batch, cohort.encoding);
}

/** What a model of `config` trains on: architecture 2 reads follow-up as a share of the window left (see followUpShare). */
export function modelView(config: ModelConfig, enc: Encoding, data: TrainingData): { data: TrainingData; followUpEnd: number | null } {
  if (config.architecture !== 2) return { data, followUpEnd: null };
  const share = followUpShare(data, enc);
  return { data: share.data, followUpEnd: share.end };
}

const totalOf = (m: Model) => m.phases.reduce((n, p) => n + p.steps, 0);

/** Trains a new run. */
export async function train(db: Db, req: TrainRequest, hooks: TrainHooks = {}): Promise<TrainResult> {
  const backend = await selectBackend(req.backend ?? 'auto');
  const cohort = showCohort(db, req.cohort);
  const seed = req.seed ?? 1;
  // Sized to the training split as counted when the cohort was made, so that the run starts (and says so) before the split is read.
  const config = defaultConfig(req.family, cohort.split.train, req.config);
  const checkpointEvery = req.checkpointEvery ?? 100;
  const repo = new TrainingRepository(db);
  const runId = repo.createRun({
    cohortId: cohort.id,
    family: req.family,
    configJson: JSON.stringify({ ...config, checkpointEvery }),
    seed,
    backend: backend.name,
    device: backend.device,
    backendReason: backend.reason,
    totalSteps: stepsOf(config),
    pid: process.pid,
  });
  hooks.onStart?.({ runId, backend, config, trainPatients: cohort.split.train, resumedFrom: 0 });
  const run: RunContext = { db, runId, backend, hooks, total: stepsOf(config), every: checkpointEvery, batchSize: config.batchSize, clock: hooks.clock ?? (() => performance.now()) };
  return execute(run, 0, async (loading) => {
    const { model, data } = await prepare(db, cohort, config, seed, loading);
    // Batches come from their own stream, so that changing the model does not change the batches.
    return { model, data, dataRng: new Rng(seed ^ 0x5eed), start: 0 };
  });
}

/** Resumes a run from its newest checkpoint (after a cancel, a crash or a kill). */
export async function resume(db: Db, runId: number, hooks: TrainHooks = {}, backendName?: BackendName | 'auto'): Promise<TrainResult> {
  const repo = new TrainingRepository(db);
  const stored = repo.run(runId);
  if (!stored) throw new TrainingError(`No training run ${runId} in this store.`);
  if (stored.status === 'completed') throw new TrainingError(`Run ${runId} has already completed all ${stored.totalSteps} steps.`);
  if (stored.status === 'running' && stored.pid !== null && stored.pid !== process.pid && isAlive(stored.pid)) {
    throw new TrainingError(`Run ${runId} is still running (process ${stored.pid}); cancel it first.`);
  }
  const backend = await selectBackend(backendName ?? 'auto');
  const { config, checkpointEvery } = storedConfig(stored.configJson);
  const cohort = showCohort(db, String(stored.cohortId));
  const checkpoint = repo.latestCheckpoint(runId);
  const start = checkpoint?.step ?? 0;
  repo.truncateLosses(runId, start);
  repo.resumeRun(runId, process.pid, backend);
  hooks.onStart?.({ runId, backend, config, trainPatients: cohort.split.train, resumedFrom: start });
  const run: RunContext = { db, runId, backend, hooks, total: stored.totalSteps, every: checkpointEvery, batchSize: config.batchSize, clock: hooks.clock ?? (() => performance.now()) };
  return execute(run, start, async (loading) => {
    const { model, data } = await prepare(db, cohort, config, stored.seed, loading);
    const dataRng = new Rng(stored.seed ^ 0x5eed);
    if (checkpoint) {
      await loading(`restoring the checkpoint of step ${num(start)}`);
      model.params.load(unpackTensors(checkpoint.weights));
      await loadOptimizers(model, checkpoint.optimizers);
      restoreState(checkpoint.rngJson, dataRng, model);
    }
    return { model, data, dataRng, start };
  });
}

/** The run being trained, as the loop and its progress reports see it. */
interface RunContext {
  db: Db;
  runId: number;
  backend: BackendChoice;
  hooks: TrainHooks;
  /** Steps of the whole run. */
  total: number;
  /** Steps between checkpoints. */
  every: number;
  batchSize: number;
  clock: () => number;
}

interface Prepared {
  model: Model;
  data: TrainingData;
  dataRng: Rng;
  start: number;
}

/** Reports one part of loading (as the 'loading' phase) and lets the report leave before the synchronous work that follows. */
type Loading = (activity: string) => Promise<void>;

/** Reads and encodes the cohort's training split and builds the model on it. */
async function prepare(db: Db, cohort: CohortReport, config: ModelConfig, seed: number, loading: Loading): Promise<{ model: Model; data: TrainingData }> {
  await loading(`reading and encoding ${num(cohort.split.train)} training patients`);
  const raw = encodeTrainingSplit(db, cohort);
  await loading(config.architecture === 2 ? 'fitting the output heads to the training split and building the model' : 'building the model');
  const { data } = modelView(config, cohort.encoding, raw);
  return { model: buildModel(config, cohort.encoding, seed, data), data };
}

/** Loads and trains a run; a failure anywhere marks it failed. */
async function execute(run: RunContext, from: number, load: (loading: Loading) => Promise<Prepared>): Promise<TrainResult> {
  const repo = new TrainingRepository(run.db);
  const started = run.clock();
  let model: Model | undefined;
  try {
    const prepared = await load(async (activity) => {
      run.hooks.onProgress?.({ runId: run.runId, phase: 'loading', activity, step: from, totalSteps: run.total, losses: {}, msPerStep: null, etaSeconds: null, backend: run.backend.name, device: run.backend.device });
      await new Promise((r) => setImmediate(r));
    });
    model = prepared.model;
    return await loop(run, prepared, started);
  } catch (err) {
    repo.setStatus(run.runId, 'failed', (err as Error).message);
    throw err;
  } finally {
    model?.dispose();
  }
}

async function loop(run: RunContext, { model, data, dataRng, start }: Prepared, started: number): Promise<TrainResult> {
  const { db, runId, backend, hooks, every, clock } = run;
  const repo = new TrainingRepository(db);
  const total = totalOf(model);
  const timer = new StepTimer();
  const seconds = () => (clock() - started) / 1000;
  let pending: { step: number; phase: string; losses: Record<string, number>; ms: number }[] = [];
  const checkpoint = async (step: number) => {
    repo.save(runId, step, pending, {
      weights: packTensors(await model.params.save()),
      optimizers: await saveOptimizers(model),
      rngJson: stateJson(dataRng, model),
    });
    pending = [];
  };
  let step = 0;
  for (const [index, phase] of model.phases.entries()) {
    timer.startPhase();
    for (let k = 0; k < phase.steps; k++, step++) {
      if (step < start) continue;
      // Let messages in (cancel, a parent gone) between steps: a step is synchronous.
      await new Promise((r) => setImmediate(r));
      if (hooks.shouldStop?.()) {
        await checkpoint(step);
        repo.setStatus(runId, 'cancelled');
        return { runId, status: 'cancelled', steps: step, seconds: seconds(), backend };
      }
      const t0 = clock();
      const losses = model.trainStep(phase.name, sampleBatch(data, Math.min(run.batchSize, data.n), dataRng));
      const ms = clock() - t0;
      for (const [name, v] of Object.entries(losses)) {
        if (!Number.isFinite(v)) throw new TrainingError(`loss "${name}" became ${v} at step ${step + 1} (${phase.name}); lower the learning rate and resume from the last checkpoint.`);
      }
      timer.add(ms, phase.cost ?? 1);
      pending.push({ step: step + 1, phase: phase.name, losses, ms });
      if ((step + 1) % every === 0 || step + 1 === total) await checkpoint(step + 1);
      const left = [{ steps: phase.steps - k - 1, cost: phase.cost ?? 1 }, ...model.phases.slice(index + 1).map((p) => ({ steps: p.steps, cost: p.cost ?? 1 }))];
      hooks.onProgress?.({ runId, phase: phase.name, step: step + 1, totalSteps: total, losses, msPerStep: timer.msPerStep, etaSeconds: timer.eta(left), backend: backend.name, device: backend.device });
    }
  }
  repo.setStatus(runId, 'completed');
  return { runId, status: 'completed', steps: total, seconds: seconds(), backend };
}
