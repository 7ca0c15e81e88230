import type { TrainingProgressDto } from '../../preload/contract.js';
import type { Rng } from '../common/rng.js';
import { sampleBatch, type TrainingData } from '../models/minibatch.js';
import type { Model } from '../models/model.js';
import type { SavedTensor } from '../models/params.js';
import type { Db } from '../store/database.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import type { BackendChoice } from './backend.js';
import { packTensors, saveOptimizers, stateJson } from './checkpoint.js';
import { observe, patienceRunOut, type StoppingRule, type StoppingState } from './earlyStopping.js';
import { poissonSample } from '../privacy/dpSgd.js';
import { accountedDelta, type PrivateTraining } from './privacyConfig.js';
import { StepTimer } from './stepTimes.js';
import { TrainingError } from './trainingError.js';

/** The run being trained, as the loop and its progress reports see it. */
export interface RunContext {
  db: Db;
  runId: number;
  backend: BackendChoice;
  /** Steps of the whole run (its budget). */
  total: number;
  /** Steps between checkpoints. */
  every: number;
  batchSize: number;
  clock: () => number;
  onProgress?: (p: TrainingProgressDto) => void;
  shouldStop?: () => boolean;
}

/** A run stopping on a validation loss: its rule, held-out patients, where it stands and the weights of its best measurement. */
export interface Stopping {
  rule: StoppingRule;
  validation: TrainingData;
  state: StoppingState;
  best: SavedTensor[] | null;
}

/** A model ready to train from step `start`, on `data` (without any validation patients). */
export interface Prepared {
  model: Model;
  data: TrainingData;
  dataRng: Rng;
  start: number;
  stopping: Stopping | null;
  /** A run trained with differential privacy: Poisson batches and DP-SGD steps, epsilon spent reported at each step. */
  privacy?: PrivateTraining | null;
}

export interface LoopResult {
  status: 'completed' | 'cancelled';
  steps: number;
  /** Set when the run completes: what ended it, and (stopping on a validation loss) the step whose weights it kept. */
  stoppedBy?: 'budget' | 'validation';
  bestStep?: number | null;
}

/** A step's losses (with the validation loss where it was measured), kept until the next checkpoint writes them. */
type LossRow = { step: number; phase: string; losses: Record<string, number>; ms: number };

/**
 * Trains from `start` to the end of the model's phases, or until the validation
 * loss stops improving: a checkpoint every `every` steps (weights, optimizer
 * state, random streams, stopping state and best weights), progress after each step.
 */
export async function trainLoop(run: RunContext, { model, data, dataRng, start, stopping, privacy }: Prepared): Promise<LoopResult> {
  const { runId, backend, clock } = run;
  const repo = new TrainingRepository(run.db);
  const timer = new StepTimer();
  let validationMs = 0;
  let pending: LossRow[] = [];
  const checkpoint = async (step: number) => {
    repo.save(runId, step, pending, {
      weights: packTensors(await model.params.save()),
      optimizers: await saveOptimizers(model),
      rngJson: stateJson(dataRng, model, stopping?.state),
      bestWeights: stopping?.best ? packTensors(stopping.best) : null,
    });
    pending = [];
  };
  /** The run ends: stopping on a validation loss, it keeps the weights of its best measurement. */
  const finish = async (steps: number, stoppedBy: 'budget' | 'validation'): Promise<LoopResult> => {
    if (stopping?.best && stopping.state.bestStep !== steps) model.params.load(stopping.best);
    await checkpoint(steps);
    repo.complete(runId, { stoppedBy: stopping ? stoppedBy : null, bestStep: stopping?.best ? stopping.state.bestStep : null, bestValidationLoss: stopping?.best ? stopping.state.bestLoss : null });
    return { status: 'completed', steps, stoppedBy, bestStep: stopping?.best ? stopping.state.bestStep : null };
  };

  let step = 0;
  for (const [index, phase] of model.phases.entries()) {
    timer.startPhase();
    for (let k = 0; k < phase.steps; k++, step++) {
      if (step < start) continue;
      // Let messages in (cancel, a parent gone) between steps: a step is synchronous.
      await new Promise((r) => setImmediate(r));
      if (run.shouldStop?.()) {
        await checkpoint(step);
        repo.setStatus(runId, 'cancelled');
        return { status: 'cancelled', steps: step };
      }
      const t0 = clock();
      const losses = privacy
        ? { ...model.privateStep!(phase.name, poissonSample(data.n, privacy.config.sampleRate, () => dataRng.next()), data, privacy.settings), epsilon: privacy.accountant.epsilonAfter(step + 1, accountedDelta(privacy.config)) }
        : model.trainStep(phase.name, sampleBatch(data, Math.min(run.batchSize, data.n), dataRng), step);
      const ms = clock() - t0;
      for (const [name, v] of Object.entries(losses)) {
        if (!Number.isFinite(v)) throw new TrainingError(`loss "${name}" became ${v} at step ${step + 1} (${phase.name}); lower the learning rate and resume from the last checkpoint.`);
      }
      timer.add(ms, phase.cost ?? 1);
      const row: LossRow = { step: step + 1, phase: phase.name, losses, ms };
      pending.push(row);
      if (stopping && (step + 1) % stopping.rule.every === 0) {
        const v0 = clock();
        const loss = model.validationLoss!(stopping.validation);
        validationMs = clock() - v0;
        stopping.state = observe(stopping.state, loss, step + 1, stopping.rule);
        if (stopping.state.bestStep === step + 1) stopping.best = (await model.params.save()).map((t) => ({ ...t, data: Float32Array.from(t.data) }));
        row.losses = { ...losses, validation: loss };
      }
      const ended = stopping !== null && patienceRunOut(stopping.state, stopping.rule);
      if (!ended && step + 1 < run.total && (step + 1) % run.every === 0) await checkpoint(step + 1);
      const left = [{ steps: phase.steps - k - 1, cost: phase.cost ?? 1 }, ...model.phases.slice(index + 1).map((p) => ({ steps: p.steps, cost: p.cost ?? 1 }))];
      const measurementsLeft = stopping ? Math.floor(run.total / stopping.rule.every) - Math.floor((step + 1) / stopping.rule.every) : 0;
      run.onProgress?.({
        runId,
        phase: phase.name,
        step: step + 1,
        totalSteps: run.total,
        losses,
        msPerStep: timer.msPerStep,
        etaSeconds: ended ? 0 : timer.eta(left, measurementsLeft * validationMs),
        stopping: stopping && { lastLoss: stopping.state.lastLoss, bestLoss: stopping.state.bestLoss, bestStep: stopping.state.bestStep, since: stopping.state.since, patience: stopping.rule.patience },
        backend: backend.name,
        device: backend.device,
      });
      if (ended) return finish(step + 1, 'validation');
    }
  }
  return finish(step, 'budget');
}
