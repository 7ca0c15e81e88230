import type { TrainingProgressDto } from '../../preload/contract.js';
import { showCohort, type CohortReport } from '../cohort/cohortService.js';
import { num } from '../common/format.js';
import { isAlive } from '../common/processAlive.js';
import { channelSpec, type ChannelSpec } from '../models/channels.js';
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
import { emptyTrainingData, trainingData, type TrainingData } from '../models/minibatch.js';
import type { PatientTimeline } from '../sequence/timeline.js';
import { conditionAttributes, conditionNames, conditionRow, stackRows, type ConditionAttributes } from './conditionInput.js';
import { loadOptimizers, restoreState, unpackTensors } from './checkpoint.js';
import { defaultConfig, stepsOf, storedConfig, type ConfigOverrides, type Family, type ModelConfig, type ModelPhaseName } from './config.js';
import { followUpShare } from './followUpShare.js';
import { FRESH_STOPPING, holdOutValidation } from './earlyStopping.js';
import { privateTraining } from './privacyConfig.js';
import { cohortSchema, factsPlan, releaseRunFacts, runEncoding, runHeads, runRelease } from './runFacts.js';
import { TrainingError } from './trainingError.js';
import { trainLoop, type LoopResult, type Prepared, type RunContext } from './trainLoop.js';
import { applyWarmStart, planWarmStart, warmStartOverrides, type WarmStart } from './startFrom.js';

export interface TrainRequest {
  cohort: string;
  family: Family;
  seed?: number;
  backend?: BackendName | 'auto';
  /** Overrides of the defaults (hidden, steps, learningRate, stopping on a validation loss, ...). */
  config?: ConfigOverrides;
  /** Start from this run's weights (its latest checkpoint), carried over channel by channel (startFrom.ts). */
  from?: number;
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

export interface TrainResult extends LoopResult {
  runId: number;
  seconds: number;
  backend: BackendChoice;
}

export { TrainingError };

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
  const spec = modelSpec(config, enc, data);
  const layout = conditionsOf(config, enc)?.layout;
  return config.family === 'vae' ? buildVae(config, spec, rng, layout) : buildTimeGan(config, spec, rng, layout);
}

/** The output layout a model of `config` is built with (buildModel): a private run's heads come from its released facts, never from the data. */
export function modelSpec(config: ModelConfig, enc: Encoding, data: TrainingData): ChannelSpec {
  const heads = runHeads(config, enc);
  return channelSpec(enc, heads ? { heads } : config.architecture === 2 ? { data, bins: config.bins ?? DEFAULT_BINS, stepPatterns: true } : undefined);
}

/**
 * A trained run's weights (its latest checkpoint's), with the output layout and encoding its model is
 * built with: what a new run starts from (startFrom.ts). No model is built (two models' weights cannot
 * share names in one engine).
 */
export function trainedWeights(db: Db, runId: number): { weights: Map<string, Float32Array>; spec: ChannelSpec; config: ModelConfig; enc: Encoding; step: number; cohort: CohortReport } {
  const repo = new TrainingRepository(db);
  const run = repo.run(runId);
  if (!run) throw new TrainingError(`No training run ${runId} in this store.`);
  const checkpoint = repo.latestCheckpoint(run.id);
  if (!checkpoint) throw new TrainingError(`Run ${run.id} has no checkpoint yet: train it first.`);
  const cohort = showCohort(db, String(run.cohortId));
  const { config } = storedConfig(run.configJson);
  const enc = runEncoding(config, cohort);
  const data = runRelease(config) ? emptyTrainingData(enc) : modelView(config, enc, loadTrainingData(db, String(run.cohortId), undefined, enc).data).data;
  const weights = new Map(unpackTensors(checkpoint.weights).map((t) => [t.name, t.data]));
  return { weights, spec: modelSpec(config, enc, data), config, enc, step: checkpoint.step, cohort };
}

/** A private request with its public facts (its own, else its cohort definition's) and the release of the rest planned (see runFacts). */
function planned(db: Db, cohort: CohortReport, overrides?: ConfigOverrides): ConfigOverrides | undefined {
  if (!overrides?.privacy) return overrides;
  const declared = overrides.privacy.public ?? cohort.definition.public;
  return { ...overrides, privacy: { ...overrides.privacy, ...(declared ? { public: declared } : {}), plan: factsPlan(cohortSchema(db, cohort), declared) } };
}

/** A new run's configuration with its private facts released (a private run) and its conditions named on the encoding it will use. */
function withFacts(db: Db, cohort: CohortReport, config: ModelConfig, seed: number): ModelConfig {
  const released = config.privacy ? { ...config, privacy: releaseRunFacts(db, cohort, config.privacy, seed, config.bins ?? DEFAULT_BINS) } : config;
  return withConditions(released, runEncoding(released, cohort));
}

/**
 * A new run's conditions, checked before the run is made: a VAE is conditioned on every attribute of
 * the cohort (conditionNames) unless told which (none: `conditions: []`); a TimeGAN only on those it is
 * told (measured: conditioned on all, its whole-cohort sets got far worse; see README).
 */
function withConditions(config: ModelConfig, enc: Encoding): ModelConfig {
  const named = { ...config, conditions: config.conditions ?? (config.family === 'vae' ? conditionNames(enc) : []) };
  conditionsOf(named, enc);
  return named;
}

/** The attributes a run is conditioned on, or null for a run without (runs from before conditions, or trained with none). */
export function conditionsOf(config: ModelConfig, enc: Encoding): ConditionAttributes | null {
  return config.conditions?.length ? conditionAttributes(enc, config.conditions) : null;
}

/** The cohort's training split, encoded (by `enc`, else the cohort's encoding; the holdout is never read); `each` sees every timeline as it is encoded, in the data's order. */
export function loadTrainingData(db: Db, cohortRef: string, each?: (tl: PatientTimeline) => void, enc?: Encoding) {
  const cohort = showCohort(db, cohortRef);
  return { cohort, data: encodeTrainingSplit(db, cohort, each, enc) };
}

function encodeTrainingSplit(db: Db, cohort: CohortReport, each?: (tl: PatientTimeline) => void, enc: Encoding = cohort.encoding): TrainingData {
  const timelines = iterateTimelines(db, { cohortId: cohort.id, fromDays: cohort.definition.window.fromDays, split: 'train' });
  const seen = each
    ? (function* () {
        for (const tl of timelines) {
          each(tl);
          yield tl;
        }
      })()
    : timelines;
  return trainingData(encodeBatch(seen, enc), enc);
}

/** What a model of `config` trains on: architecture 2 reads follow-up as a share of the window left (see followUpShare; a private run's window ends where its facts say). */
export function modelView(config: ModelConfig, enc: Encoding, data: TrainingData): { data: TrainingData; followUpEnd: number | null } {
  if (config.architecture !== 2) return { data, followUpEnd: null };
  const share = followUpShare(data, enc, runHeads(config, enc)?.followUpEnd);
  return { data: share.data, followUpEnd: share.end };
}

/** Trains a new run. */
export async function train(db: Db, req: TrainRequest, hooks: TrainHooks = {}): Promise<TrainResult> {
  const backend = await selectBackend(req.backend ?? 'auto');
  const cohort = showCohort(db, req.cohort);
  const seed = req.seed ?? 1;
  // Started from another run: its network's sizes, and its channels matched to this cohort's before anything is trained.
  if (req.from === undefined && (req.config as { freeze?: number } | undefined)?.freeze !== undefined) throw new TrainingError('Freezing the recurrent cores is for a run started from another run (from): fresh weights have nothing to keep.');
  const source = req.from !== undefined ? trainedWeights(db, req.from) : null;
  const overrides = source ? ({ ...req.config, ...warmStartOverrides(source.config, req.family, req.config as Record<string, unknown>) } as ConfigOverrides) : req.config;
  // Sized to the training split as counted when the cohort was made, so that the run starts (and says so) before the split is read.
  const planned0 = withFacts(db, cohort, defaultConfig(req.family, cohort.split.train, planned(db, cohort, overrides)), seed);
  const config: ModelConfig = source ? { ...planned0, warmStart: planWarmStart(req.from!, source.cohort.name, source.step, source.enc, runEncoding(planned0, cohort)) } : planned0;
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
  return execute(runContext(db, runId, backend, stepsOf(config), checkpointEvery, config, hooks), 0, async (loading) => {
    const { model, data, stopping, privacy } = await prepare(db, cohort, config, seed, loading, source ?? undefined, (carried) => repo.setConfig(runId, JSON.stringify({ ...config, warmStart: { ...config.warmStart!, carried }, checkpointEvery })));
    // Batches come from their own stream, so that changing the model does not change the batches.
    return { model, data, privacy, dataRng: new Rng(seed ^ 0x5eed), start: 0, stopping: stopping && { ...stopping, state: FRESH_STOPPING, best: null } };
  });
}

/** Resumes a run from its newest checkpoint (after a cancel, a crash or a kill). */
export async function resume(db: Db, runId: number, hooks: TrainHooks = {}, backendName?: BackendName | 'auto'): Promise<TrainResult> {
  const repo = new TrainingRepository(db);
  const stored = repo.run(runId);
  if (!stored) throw new TrainingError(`No training run ${runId} in this store.`);
  if (stored.status === 'completed') {
    throw new TrainingError(`Run ${runId} has already completed ${stored.stoppedBy === 'validation' ? `(its validation loss stopped improving at step ${num(stored.step)} of at most ${num(stored.totalSteps)})` : `all ${stored.totalSteps} steps`}.`);
  }
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
  return execute(runContext(db, runId, backend, stored.totalSteps, checkpointEvery, config, hooks), start, async (loading) => {
    // A run started from another that stopped before its first checkpoint starts from it again (its source's latest weights).
    const from = !checkpoint && config.warmStart ? trainedWeights(db, config.warmStart.from) : undefined;
    const { model, data, stopping, privacy } = await prepare(db, cohort, config, stored.seed, loading, from, (carried) => repo.setConfig(runId, JSON.stringify({ ...config, warmStart: { ...config.warmStart!, step: from!.step, carried }, checkpointEvery })));
    const dataRng = new Rng(stored.seed ^ 0x5eed);
    let state = FRESH_STOPPING;
    if (checkpoint) {
      await loading(`restoring the checkpoint of step ${num(start)}`);
      model.params.load(unpackTensors(checkpoint.weights));
      await loadOptimizers(model, checkpoint.optimizers);
      state = restoreState(checkpoint.rngJson, dataRng, model) ?? FRESH_STOPPING;
    }
    const best = checkpoint?.bestWeights ? unpackTensors(checkpoint.bestWeights) : null;
    return { model, data, privacy, dataRng, start, stopping: stopping && { ...stopping, state, best } };
  });
}

function runContext(db: Db, runId: number, backend: BackendChoice, total: number, every: number, config: ModelConfig, hooks: TrainHooks): RunContext {
  return { db, runId, backend, total, every, batchSize: config.batchSize, clock: hooks.clock ?? (() => performance.now()), onProgress: hooks.onProgress, shouldStop: hooks.shouldStop };
}

/** Reports one part of loading (as the 'loading' phase) and lets the report leave before the synchronous work that follows. */
type Loading = (activity: string) => Promise<void>;

/**
 * Reads and encodes the cohort's training split and builds the model on it (its
 * output heads fitted to all of it, as generation builds it); a run stopping on a
 * validation loss then trains on the split less its validation patients.
 */
async function prepare(db: Db, cohort: CohortReport, config: ModelConfig, seed: number, loading: Loading, from?: ReturnType<typeof trainedWeights>, onCarried?: (c: NonNullable<WarmStart['carried']>) => void) {
  await loading(`reading and encoding ${num(cohort.split.train)} training patients`);
  // A conditional model trains on each patient's own condition input (dropped out batch by batch; see conditioning.ts).
  const enc = runEncoding(config, cohort);
  const conditions = conditionsOf(config, enc);
  const rows: Float32Array[] = [];
  const raw = encodeTrainingSplit(db, cohort, conditions ? (tl) => rows.push(conditionRow(tl, conditions)) : undefined, enc);
  await loading(config.architecture === 2 && !config.privacy ? 'fitting the output heads to the training split and building the model' : 'building the model');
  const view = modelView(config, enc, raw).data;
  const data = conditions ? { ...view, conditions: stackRows(rows, conditions.layout.width) } : view;
  const model = buildModel(config, enc, seed, data);
  if (from) {
    await loading(`carrying over the weights of run ${config.warmStart!.from}`);
    const carried = applyWarmStart({ ...from, conditions: conditionsOf(from.config, from.enc)?.layout ?? null }, { weights: model.params, spec: modelSpec(config, enc, data), config, enc, conditions: conditions?.layout ?? null });
    onCarried?.({ entries: carried.carried, total: carried.total, fresh: carried.fresh });
    await loading(`carried over ${num(carried.carried)} of the ${num(carried.total)} weight entries of run ${config.warmStart!.from} (${((100 * carried.carried) / carried.total).toFixed(0)}%)${carried.fresh.length ? `; fresh: ${carried.fresh.join(', ')}` : ''}`);
  }
  const split = config.stopping && model.validationLoss ? holdOutValidation(data, config.stopping, seed) : null;
  if (config.privacy && !model.privateStep) throw new TrainingError(`A ${config.family} run cannot train with differential privacy yet.`);
  const privacy = config.privacy ? privateTraining(config.privacy, data.n) : null;
  return { model, data: split?.fit ?? data, privacy, stopping: split && config.stopping ? { rule: config.stopping, validation: split.validation } : null };
}

/** Loads and trains a run; a failure anywhere marks it failed. */
async function execute(run: RunContext, from: number, load: (loading: Loading) => Promise<Prepared>): Promise<TrainResult> {
  const repo = new TrainingRepository(run.db);
  const started = run.clock();
  let model: Model | undefined;
  try {
    const prepared = await load(async (activity) => {
      run.onProgress?.({ runId: run.runId, phase: 'loading', activity, step: from, totalSteps: run.total, losses: {}, msPerStep: null, etaSeconds: null, stopping: null, backend: run.backend.name, device: run.backend.device });
      await new Promise((r) => setImmediate(r));
    });
    model = prepared.model;
    const result = await trainLoop(run, prepared);
    return { ...result, runId: run.runId, seconds: (run.clock() - started) / 1000, backend: run.backend };
  } catch (err) {
    repo.setStatus(run.runId, 'failed', (err as Error).message);
    throw err;
  } finally {
    model?.dispose();
  }
}
