import type * as tf from '@tensorflow/tfjs-core';
import type { MiniBatch, TrainingData } from './minibatch.js';
import type { Params } from './params.js';
import type { Rng } from '../common/rng.js';

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
}

/** What the training engine needs of a generator, whichever the family; `P`, the family's phase names. */
export interface Model<P extends string = string> {
  family: 'vae' | 'timegan';
  params: Params;
  /** The model's own random stream (initialisation, then training noise); checkpointed. */
  rng: Rng;
  optimizers: Record<string, tf.Optimizer>;
  /** Trained in order; the engine counts steps across them. */
  phases: ModelPhase<P>[];
  /** One optimisation step of a phase on a minibatch; the losses by name. */
  trainStep(phase: P, batch: MiniBatch): Record<string, number>;
  /** Fits what generation draws from to the training data it was trained on, where the family has such a thing (the VAE's latent distribution). */
  fitSampler?(data: TrainingData): void;
  generate(n: number, rng: Rng): GeneratedBatch;
  dispose(): void;
}
