import type { PrivateStepSettings } from '../privacy/dpSgd.js';
import { composeRdp, DEFAULT_ORDERS, epsilonFromRdp, noiseForBudget, RunAccountant, type MechanismSteps } from '../privacy/rdpAccountant.js';
import { NO_PUBLIC_FACTS, type PublicFacts } from '../../preload/publicFacts.js';
import type { FactsRelease } from '../privacy/facts/release.js';
import type { Encoding } from '../sequence/encoding.js';
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
  /** Facts declared public (privacy/facts); the rest is estimated by a private release. */
  public?: PublicFacts;
  /** What the facts' release will be, known from the schema and the declaration (set by the engine; see factsPlan). */
  plan?: FactsPlan;
}

/** The private release of an encoding's facts a run will make: how many Gaussian releases, and whether levels seen in the data are selected. */
export interface FactsPlan {
  releases: number;
  selecting: boolean;
}

/** A private run's encoding facts: how they were released, what was found and declared, and the encoding made of them. */
export interface FactsConfig {
  /** Noise multiplier of each Gaussian release (0: none was needed). */
  sigma: number;
  releases: number;
  /** The part of delta spent on levels seen in the data. */
  selectionDelta: number;
  declared: PublicFacts;
  /** Set once the release is made (before the first step). */
  release?: FactsRelease;
  encoding?: Encoding;
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
  /** The encoding's facts (runs from before they were private have none: their encoding was fitted to the training split). */
  facts?: FactsConfig;
}

/** The share of the budget a run gives its encoding's facts when some are not declared (see factsNoise). */
export const FACTS_SHARE = 0.1;
/** The share of delta a run gives the levels seen in the data (their threshold) when some are not declared. */
export const SELECTION_SHARE = 0.1;

/** What a private run's DP-SGD steps and facts composed spend: the facts' releases first (none for runs without). */
export const factsMechanisms = (facts: FactsConfig | undefined): MechanismSteps[] => (facts?.releases ? [{ q: 1, sigma: facts.sigma, steps: facts.releases }] : []);

/** The delta the accountant turns RDP into epsilon at: the run's, less what the levels' threshold spent. */
export const accountedDelta = (c: PrivacyConfig) => c.delta - (c.facts?.selectionDelta ?? 0);

/**
 * The noise of a run's facts releases: they take FACTS_SHARE of the Renyi divergence the steps
 * alone would spend at the order that gives the run its epsilon (a Gaussian release's divergence
 * grows with the order, a step's faster, so a share of epsilon alone would ask orders past those
 * the accountant uses at small epsilon); the steps' noise is then solved with them composed.
 */
export function factsNoise(target: { epsilon: number; delta: number }, q: number, steps: number, releases: number): number {
  const alone = composeRdp([{ q, sigma: noiseForBudget(target, q, steps), steps }]);
  const { order } = epsilonFromRdp(DEFAULT_ORDERS, alone, target.delta);
  const share = FACTS_SHARE * alone[DEFAULT_ORDERS.indexOf(order)]!;
  return Math.sqrt((releases * order) / (2 * share));
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
  const plan = request.plan ?? { releases: 0, selecting: false };
  const selectionDelta = plan.selecting ? SELECTION_SHARE * delta : 0;
  const target = { epsilon, delta: delta - selectionDelta };
  let sigma: number;
  let facts: FactsConfig;
  try {
    const factsSigma = plan.releases ? factsNoise(target, sampleRate, steps, plan.releases) : 0;
    facts = { sigma: factsSigma, releases: plan.releases, selectionDelta, declared: request.public ?? NO_PUBLIC_FACTS };
    sigma = noiseForBudget(target, sampleRate, steps, 0.01, factsMechanisms(facts));
  } catch (err) {
    throw new TrainingError(`${(err as Error).message} Raise epsilon, or train fewer steps or smaller batches.`);
  }
  return { epsilon, delta, clip, sigma, sampleRate, steps, facts };
}

/** What the training loop needs of a private run: the step settings and its accountant. */
export interface PrivateTraining {
  config: PrivacyConfig;
  settings: PrivateStepSettings;
  accountant: RunAccountant;
}

export function privateTraining(config: PrivacyConfig, patients: number): PrivateTraining {
  return { config, settings: { clip: config.clip, sigma: config.sigma, expectedBatch: config.sampleRate * patients }, accountant: new RunAccountant(config.sampleRate, config.sigma, undefined, factsMechanisms(config.facts)) };
}
