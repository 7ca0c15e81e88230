import type { PrivateStepSettings } from '../privacy/dpSgd.js';
import { noiseForBudget, RunAccountant } from '../privacy/rdpAccountant.js';
import { TrainingError } from './trainingError.js';

/*
 * A run trained with differential privacy (DP-SGD, privacy/dpSgd.ts): what the
 * user asks (a target epsilon, and delta and the clipping norm unless the
 * defaults do), and what the run is then bound to, stored with its
 * configuration: the sampling rate of its Poisson batches, its steps and the
 * noise multiplier that spends exactly the budget over them (rdpAccountant.ts).
 */

export interface PrivacyRequest {
  epsilon: number;
  delta?: number;
  clip?: number;
}

export interface PrivacyConfig {
  epsilon: number;
  delta: number;
  /** The largest L2 norm of one patient's gradient. */
  clip: number;
  /** Noise multiplier (sd over clip), solved for the budget. */
  sigma: number;
  /** Each patient's chance to be in a step's batch (Poisson sampling). */
  sampleRate: number;
  steps: number;
}

/** The clipping norm unless told: the per-patient gradients of the default VAE are mostly around it on the shared cohorts. */
export const DEFAULT_CLIP = 1;

/** delta unless told: at most 1e-5, and a hundredth of one patient's share (well below 1/n). */
export const defaultDelta = (patients: number) => Math.min(1e-5, 1 / (100 * patients));

/** The privacy of a run of `steps` batches of about `batchSize` of `patients` training patients; refuses what no noise can keep. */
export function privacyConfig(request: PrivacyRequest, batchSize: number, steps: number, patients: number): PrivacyConfig {
  const { epsilon } = request;
  const delta = request.delta ?? defaultDelta(patients);
  const clip = request.clip ?? DEFAULT_CLIP;
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new TrainingError(`epsilon is the privacy budget, a number above 0, not ${epsilon}.`);
  if (!(delta > 0 && delta < 1)) throw new TrainingError(`delta is a probability above 0 and below 1 (well below 1/${patients} here), not ${delta}.`);
  if (delta >= 1 / patients) throw new TrainingError(`delta ${delta} is not below 1/${patients}, one patient's share: such a guarantee allows a patient's record to be released whole. Use ${defaultDelta(patients)} (the default) or less.`);
  if (!(clip > 0 && Number.isFinite(clip))) throw new TrainingError(`The clipping norm is a number above 0, not ${clip}.`);
  const sampleRate = Math.min(1, batchSize / patients);
  let sigma: number;
  try {
    sigma = noiseForBudget({ epsilon, delta }, sampleRate, steps);
  } catch (err) {
    throw new TrainingError(`${(err as Error).message} Raise epsilon, or train fewer steps or smaller batches.`);
  }
  return { epsilon, delta, clip, sigma, sampleRate, steps };
}

/** What the training loop needs of a private run: the step settings and its accountant. */
export interface PrivateTraining {
  config: PrivacyConfig;
  settings: PrivateStepSettings;
  accountant: RunAccountant;
}

export function privateTraining(config: PrivacyConfig, patients: number): PrivateTraining {
  return { config, settings: { clip: config.clip, sigma: config.sigma, expectedBatch: config.sampleRate * patients }, accountant: new RunAccountant(config.sampleRate, config.sigma) };
}
