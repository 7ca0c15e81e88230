import { DEFAULT_BINS } from '../models/outputBins.js';
import type { TimeGanConfig, TimeGanPhase } from '../models/timegan.js';
import type { VaeConfig, VaePhase } from '../models/vae.js';

export type ModelConfig = VaeConfig | TimeGanConfig;
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
export function defaultConfig(family: Family, trainPatients: number, overrides: Partial<ModelConfig> & { steps?: number } = {}): ModelConfig {
  const batchSize = Math.min(64, Math.max(8, trainPatients));
  const hidden = trainPatients < 500 ? 32 : trainPatients < 5000 ? 64 : 96;
  // The GAN needs more steps than the VAE to get past its embedding and find an equilibrium.
  const least = family === 'timegan' ? 1500 : 500;
  const steps = overrides.steps ?? Math.min(5000, Math.max(least, Math.ceil((100 * trainPatients) / batchSize)));
  if (family === 'vae') {
    return { family, hidden, latent: 16, beta: 0.1, learningRate: 2e-3, batchSize, steps, architecture: 2, bins: DEFAULT_BINS, ...(overrides as Partial<VaeConfig>) };
  }
  const o = overrides as Partial<TimeGanConfig>;
  return {
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
