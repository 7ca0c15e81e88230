import type * as tf from '@tensorflow/tfjs-core';
import type { MiniBatch, TrainingData } from './minibatch.js';
import type { Params } from './params.js';
import type { Rng } from '../common/rng.js';
import type { PrivateStepSettings } from '../privacy/dpSgd.js';

/** Synthetic patients as the encoder lays them out, ready to decode. */
export interface GeneratedBatch {
  n: number;
  statics: Float32Array;
  sequences: Float32Array;
  lengths: Int32Array;
  outcomes: Float32Array;
}

export interface ModelPhase<P extends string = string> {
  name: P;
  steps: number;
  optimizers: string[];
  /** Time of one step relative to the model's other phases (default 1); only the ETA reads it, until the phase is timed itself. */
  cost?: number;
}

/**
 * What besides its weights and its optimizers' state decides a model's next
 * step, as JSON (checkpointed; see main/training/checkpoint.ts): the position
 * of its own random stream (initialisation, then training noise) and whatever
 * its family keeps between steps. A field a checkpoint lacks keeps its start value.
 */
export interface ModelState {
  rng: number;
  [field: string]: number | null;
}

/** What the training engine needs of a generator, whichever the family; `P`, the family's phase names. */
export interface Model<P extends string = string> {
  family: 'vae' | 'timegan';
  params: Params;
  optimizers: Record<string, tf.Optimizer>;
  /** Trained in order; the engine counts steps across them. */
  phases: ModelPhase<P>[];
  /** One optimisation step of a phase on a minibatch (`step`: the run's steps before it); the losses by name. */
  trainStep(phase: P, batch: MiniBatch, step?: number): Record<string, number>;
  /**
   * One DP-SGD step (privacy/dpSgd.ts) of a phase on the patients `patients` of `data` (a Poisson
   * sample): each patient's own loss, clipped, summed and noised from the model's random stream, one
   * Gaussian release per step whatever the phase (the accountant counts steps). Its figures by name:
   * the patients' mean loss, how many were drawn, the share clipped (and the phase's other losses).
   */
  privateStep?(phase: P, patients: readonly number[], data: TrainingData, settings: PrivateStepSettings): Record<string, number>;
  state(): ModelState;
  /** Takes up a state from `state()` (or an older, partial one). */
  restore(state: ModelState): void;
  /**
   * The training objective on patients the model does not train on (lower is better), where the
   * family has one that follows what it generates; leaves no trace on training. Without it a run
   * trains its fixed schedule.
   */
  validationLoss?(data: TrainingData): number;
  /**
   * Fits what generation draws from to the training data it was trained on, where the family has such a
   * thing (the VAE's latent distribution); with `members`, to those of its patients who meet a condition
   * (their condition inputs as the model is to be told it).
   */
  fitSampler?(data: TrainingData, members?: TrainingData): void;
  /** n patients; `condition` ([n, K]), what a conditional model is told of each (see conditioning.ts); a model without a condition input ignores it. */
  generate(n: number, rng: Rng, condition?: Float32Array): GeneratedBatch;
  dispose(): void;
}
