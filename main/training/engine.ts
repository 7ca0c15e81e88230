import type { TrainingProgressDto } from '../../preload/contract.js';
import { showCohort } from '../cohort/cohortService.js';
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
import { defaultConfig, storedConfig, type Family, type ModelConfig, type ModelPhaseName } from './config.js';
import { followUpShare } from './followUpShare.js';
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
  const batch = encodeBatch(iterateTimelines(db, { cohortId: cohort.id, fromDays: cohort.definition.window.fromDays, split: 'train' }), cohort.encoding);
  return { cohort, data: trainingData(batch, cohort.encoding) };
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
  const { cohort, data: raw } = loadTrainingData(db, req.cohort);
  const seed = req.seed ?? 1;
  const config = defaultConfig(req.family, raw.n, req.config);
  const { data } = modelView(config, cohort.encoding, raw);
  const model = buildModel(config, cohort.encoding, seed, data);
  const repo = new TrainingRepository(db);
  const runId = repo.createRun({
    cohortId: cohort.id,
    family: req.family,
    configJson: JSON.stringify({ ...config, checkpointEvery: req.checkpointEvery ?? 100 }),
    seed,
    backend: backend.name,
    device: backend.device,
    backendReason: backend.reason,
    totalSteps: totalOf(model),
    pid: process.pid,
  });
  hooks.onStart?.({ runId, backend, config, trainPatients: data.n, resumedFrom: 0 });
  // Batches come from their own stream, so that changing the model does not change the batches.
  return loop(db, runId, model, config.batchSize, data, new Rng(seed ^ 0x5eed), 0, req.checkpointEvery ?? 100, backend, hooks);
}

/** Resumes a run from its newest checkpoint (after a cancel, a crash or a kill). */
export async function resume(db: Db, runId: number, hooks: TrainHooks = {}, backendName?: BackendName | 'auto'): Promise<TrainResult> {
  const repo = new TrainingRepository(db);
  const run = repo.run(runId);
  if (!run) throw new TrainingError(`No training run ${runId} in this store.`);
  if (run.status === 'completed') throw new TrainingError(`Run ${runId} has already completed all ${run.totalSteps} steps.`);
  if (run.status === 'running' && run.pid !== null && run.pid !== process.pid && isAlive(run.pid)) {
    throw new TrainingError(`Run ${runId} is still running (process ${run.pid}); cancel it first.`);
  }
  const backend = await selectBackend(backendName ?? 'auto');
  const { config: modelConfig, checkpointEvery } = storedConfig(run.configJson);
  const { cohort, data: raw } = loadTrainingData(db, String(run.cohortId));
  const { data } = modelView(modelConfig, cohort.encoding, raw);
  const model = buildModel(modelConfig, cohort.encoding, run.seed, data);
  const dataRng = new Rng(run.seed ^ 0x5eed);
  const checkpoint = repo.latestCheckpoint(runId);
  let start = 0;
  if (checkpoint) {
    model.params.load(unpackTensors(checkpoint.weights));
    await loadOptimizers(model, checkpoint.optimizers);
    restoreState(checkpoint.rngJson, dataRng, model);
    start = checkpoint.step;
  }
  repo.truncateLosses(runId, start);
  repo.resumeRun(runId, process.pid, backend);
  hooks.onStart?.({ runId, backend, config: modelConfig, trainPatients: data.n, resumedFrom: start });
  return loop(db, runId, model, modelConfig.batchSize, data, dataRng, start, checkpointEvery, backend, hooks);
}

async function loop<P extends string>(db: Db, runId: number, model: Model<P>, batchSize: number, data: TrainingData, dataRng: Rng, start: number, every: number, backend: BackendChoice, hooks: TrainHooks): Promise<TrainResult> {
  const repo = new TrainingRepository(db);
  const total = totalOf(model);
  const started = performance.now();
  let pending: { step: number; phase: string; losses: Record<string, number>; ms: number }[] = [];
  let msPerStep = 0;
  const checkpoint = async (step: number) => {
    repo.save(runId, step, pending, {
      weights: packTensors(await model.params.save()),
      optimizers: await saveOptimizers(model),
      rngJson: stateJson(dataRng, model),
    });
    pending = [];
  };
  try {
    let step = 0;
    for (const phase of model.phases) {
      for (let k = 0; k < phase.steps; k++, step++) {
        if (step < start) continue;
        // Let messages in (cancel, a parent gone) between steps: a step is synchronous.
        await new Promise((r) => setImmediate(r));
        if (hooks.shouldStop?.()) {
          await checkpoint(step);
          repo.setStatus(runId, 'cancelled');
          return { runId, status: 'cancelled', steps: step, seconds: (performance.now() - started) / 1000, backend };
        }
        const t0 = performance.now();
        const losses = model.trainStep(phase.name, sampleBatch(data, Math.min(batchSize, data.n), dataRng));
        const ms = performance.now() - t0;
        for (const [name, v] of Object.entries(losses)) {
          if (!Number.isFinite(v)) throw new TrainingError(`loss "${name}" became ${v} at step ${step + 1} (${phase.name}); lower the learning rate and resume from the last checkpoint.`);
        }
        msPerStep = msPerStep === 0 ? ms : 0.9 * msPerStep + 0.1 * ms;
        pending.push({ step: step + 1, phase: phase.name, losses, ms });
        if ((step + 1) % every === 0 || step + 1 === total) await checkpoint(step + 1);
        hooks.onProgress?.({ runId, phase: phase.name, step: step + 1, totalSteps: total, losses, msPerStep, etaSeconds: ((total - step - 1) * msPerStep) / 1000, backend: backend.name, device: backend.device });
      }
    }
    repo.setStatus(runId, 'completed');
    return { runId, status: 'completed', steps: total, seconds: (performance.now() - started) / 1000, backend };
  } catch (err) {
    repo.setStatus(runId, 'failed', (err as Error).message);
    throw err;
  } finally {
    model.dispose();
  }
}
