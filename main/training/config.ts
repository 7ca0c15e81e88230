import { DEFAULT_BINS } from '../models/outputBins.js';
import type { TimeGanConfig, TimeGanPhase } from '../models/timegan.js';
import type { VaeConfig, VaePhase } from '../models/vae.js';
import type { StoppingRule } from './earlyStopping.js';
import { privacyConfig, type PrivacyConfig, type PrivacyRequest } from './privacyConfig.js';
import { TrainingError } from './trainingError.js';
import type { WarmStart } from './startFrom.js';

export type ModelConfig = (VaeConfig | TimeGanConfig) & {
  /** Stop on a validation loss (new VAE runs); absent or null: the fixed schedule (TimeGAN, and runs from before it). */
  stopping?: StoppingRule | null;
  /** Trained with differential privacy (DP-SGD); absent: without. */
  privacy?: PrivacyConfig;
  /** Started from another run's weights (startFrom.ts); absent: from fresh ones. */
  warmStart?: WarmStart;
};
export type Family = ModelConfig['family'];
/** The training phases of every family. */
export type ModelPhaseName = VaePhase | TimeGanPhase;

/** TimeGAN's loss weights, as every run has trained with unless told otherwise (stored configurations from before they were fields mean these). */
export const TIMEGAN_LOSS_WEIGHTS = {
  supervisedWeight: 10,
  latentAdversarialWeight: 0.5,
  momentWeight: 10,
  staticMomentWeight: 10,
  embedderSupervisedWeight: 0.1,
  discriminatorThreshold: 0.15,
} as const satisfies Partial<TimeGanConfig>;

/** The family the app, the CLI and the demo train unless told otherwise: the more realistic by `npm run bench:quality`. */
export const DEFAULT_FAMILY: Family = 'vae';

/**
 * Defaults sized to the cohort: wider nets for more patients, about 100
 * passes over the training split (500 to 5,000 steps; at least 1,500 for
 * TimeGAN); every field can be
 * overridden. TimeGAN spends 40% of its steps on the embedding, 20% on the
 * supervisor and 40% on joint training. New runs use architecture 2 (outputs
 * fitted to the training data: 32 bins per real channel, step patterns; see VaeConfig).
 */
export function defaultConfig(family: Family, trainPatients: number, overrides: ConfigOverrides = {}): ModelConfig {
  const batchSize = Math.min(64, Math.max(8, trainPatients));
  const hidden = trainPatients < 500 ? 32 : trainPatients < 5000 ? 64 : 96;
  // The GAN needs more steps than the VAE to get past its embedding and find an equilibrium.
  const least = family === 'timegan' ? 1500 : 500;
  const steps = overrides.steps ?? Math.min(5000, Math.max(least, Math.ceil((100 * trainPatients) / batchSize)));
  if (overrides.privacy && overrides.stopping) throw new TrainingError('A private run cannot stop on a validation loss: its decisions would read the patients it holds out, outside the privacy budget. Train its fixed schedule.');
  if (family === 'vae') {
    const { stopping, privacy, ...rest } = overrides;
    const rule = stopping ? { ...vaeStopping(steps), ...stopping } : null;
    const config: VaeConfig = { family, hidden, latent: 16, beta: 0.1, learningRate: 2e-3, batchSize, steps, architecture: 2, bins: DEFAULT_BINS, ...(rest as Partial<VaeConfig>) };
    return { ...config, ...(rule ? { stopping: rule } : {}), ...(privacy ? { privacy: privacyConfig(privacy, config.batchSize, config.steps, trainPatients) } : {}) };
  }
  if (overrides.stopping) throw new TrainingError('Stopping on a validation loss is for the VAE: TimeGAN trains its fixed schedule (its losses are a game between networks, not a fit that patients held out could measure).');
  const { privacy, ...o } = overrides as Partial<TimeGanConfig> & { privacy?: PrivacyRequest };
  // A private TimeGAN's generator learns from no patient (timeganPrivate): what it would be told of a condition is the real patients' mix of them.
  if (privacy && o.conditions?.length) throw new TrainingError(`A private TimeGAN cannot be conditioned (on ${o.conditions.join(', ')}): its generator would learn the mix of conditions from the training patients, outside the budget. Train it without conditions, or train a private VAE, which can.`);
  const config: TimeGanConfig = {
    family,
    hidden: Math.round(hidden * 0.75),
    noise: 8,
    learningRate: 1e-3,
    batchSize,
    embeddingSteps: Math.round(steps * 0.4),
    supervisedSteps: Math.round(steps * 0.2),
    jointSteps: steps - Math.round(steps * 0.4) - Math.round(steps * 0.2),
    ...TIMEGAN_LOSS_WEIGHTS,
    architecture: 2,
    bins: DEFAULT_BINS,
    ...o,
  };
  return privacy ? { ...config, privacy: privacyConfig(privacy, config.batchSize, stepsOf(config), trainPatients) } : config;
}

/** Overrides of the defaults; `stopping` (the VAE only) turns stopping on a validation loss on, with any of its rule's settings changed. */
export type ConfigOverrides = (Partial<VaeConfig> | Partial<TimeGanConfig>) & { steps?: number; stopping?: Partial<StoppingRule> | null; privacy?: PrivacyRequest };

/**
 * The VAE's stopping rule for a step budget, when asked for: 10% of the training
 * split held out, measured 40 times over the budget, stopping after 4 measurements
 * (a tenth of the budget) without a 0.5% improvement. Not the default: on the shared
 * cohorts the held-out ELBO bottoms out long before the samples stop getting more
 * realistic (README, Quality benchmark). TimeGAN has none (its losses are a
 * game's equilibrium, not a fit to patients it could be measured on).
 */
export function vaeStopping(steps: number): StoppingRule {
  return { validationShare: 0.1, every: Math.max(10, Math.round(steps / 40)), patience: 4, tolerance: 0.005 };
}

/** Steps of a configuration, all its phases together. */
export function stepsOf(config: ModelConfig): number {
  return config.family === 'vae' ? config.steps : config.embeddingSteps + config.supervisedSteps + config.jointSteps;
}

/** A run's stored configuration (and how often it checkpoints), with fields added since it was stored set as the run trained without them. */
export function storedConfig(json: string): { config: ModelConfig; checkpointEvery: number } {
  const { checkpointEvery, ...stored } = JSON.parse(json) as ModelConfig & { checkpointEvery: number };
  return { config: stored.family === 'timegan' ? { ...TIMEGAN_LOSS_WEIGHTS, ...stored } : stored, checkpointEvery };
}
