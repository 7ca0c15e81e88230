import { Rng } from '../common/rng.js';
import { subsetOf, type TrainingData } from '../models/minibatch.js';

/**
 * Stopping on a validation loss: a seeded share of the training split (never the
 * cohort's holdout, which evaluation keeps) is held out of training; every
 * `every` steps the model's loss on it is measured; the run stops once it has
 * not improved by `tolerance` (relative) for `patience` measurements, and keeps
 * the weights of its lowest measurement. The step budget stays the most it trains.
 */
export interface StoppingRule {
  /** Share of the training split held out for the validation loss. */
  validationShare: number;
  /** Steps between measurements. */
  every: number;
  /** Measurements without an improvement before the run stops. */
  patience: number;
  /** An improvement is a loss below the last improvement's by more than this share of it. */
  tolerance: number;
}

/** Where a run stands (checkpointed with it). */
export interface StoppingState {
  /** The lowest validation loss so far, at `bestStep` (whose weights the run keeps). */
  bestLoss: number | null;
  bestStep: number;
  /** The loss of the last improvement, what the next one must beat by the tolerance. */
  mark: number | null;
  /** Measurements since that improvement. */
  since: number;
  lastLoss: number | null;
}

export const FRESH_STOPPING: StoppingState = { bestLoss: null, bestStep: 0, mark: null, since: 0, lastLoss: null };

/** Fewer held-out patients than this give no validation loss worth stopping on: such runs train their budget. */
export const LEAST_VALIDATION = 10;
/** More add measurement time and no precision worth having. */
export const MOST_VALIDATION = 1000;

/** How many training patients a rule holds out (0: too few to stop on). */
export function validationCount(trainPatients: number, rule: StoppingRule): number {
  const k = Math.min(MOST_VALIDATION, Math.round(trainPatients * rule.validationShare));
  return k >= LEAST_VALIDATION && k < trainPatients ? k : 0;
}

/** The validation patients (drawn with the run's seed) and the rest, which training sees; null when there are too few. */
export function holdOutValidation(data: TrainingData, rule: StoppingRule, seed: number): { fit: TrainingData; validation: TrainingData } | null {
  const k = validationCount(data.n, rule);
  if (k === 0) return null;
  // A stream of its own, so that the split does not move the batches or the model's noise.
  const order = new Rng(seed ^ 0x7a11d).permutation(data.n);
  const inOrder = (ids: number[]) => ids.sort((a, b) => a - b);
  return { fit: subsetOf(data, inOrder(order.slice(k))), validation: subsetOf(data, inOrder(order.slice(0, k))) };
}

/** The state after a measurement of `loss` at `step`. */
export function observe(state: StoppingState, loss: number, step: number, rule: StoppingRule): StoppingState {
  const best = state.bestLoss === null || loss < state.bestLoss;
  const improved = state.mark === null || loss < state.mark - rule.tolerance * Math.abs(state.mark);
  return {
    bestLoss: best ? loss : state.bestLoss,
    bestStep: best ? step : state.bestStep,
    mark: improved ? loss : state.mark,
    since: improved ? 0 : state.since + 1,
    lastLoss: loss,
  };
}

export const patienceRunOut = (state: StoppingState, rule: StoppingRule) => state.since >= rule.patience;
