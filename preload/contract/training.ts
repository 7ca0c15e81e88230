// Training: runs in their own process (start, resume, cancel), their losses, and generating a synthetic set from one.
import { z } from 'zod';
import { publicFactsSchema } from '../publicFacts.js';
import { cohortRef, method } from './shared.js';

export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;

export const trainRequest = z.strictObject({
  cohort: cohortRef,
  family: z.enum(['vae', 'timegan']),
  seed: z.number().int().optional(),
  backend: z.enum(['auto', ...BACKEND_NAMES]).optional(),
  steps: z.number().int().min(1).max(1_000_000).optional(),
  hidden: z.number().int().min(2).max(1024).optional(),
  batchSize: z.number().int().min(1).max(4096).optional(),
  learningRate: z.number().positive().max(1).optional(),
  checkpointEvery: z.number().int().min(1).optional(),
  /** The attributes the run can generate on demand (conditionChoices' attributes); absent: all of them, []: none. */
  conditions: z.array(z.string().min(1).max(200)).max(32).optional(),
  /** Start from this run's weights (a VAE; its channels matched to the cohort's: see warmStartPlan). */
  from: z.number().int().positive().optional(),
  /** Train with differential privacy (DP-SGD, either family): the target epsilon, and delta and the clipping norm unless the defaults do. */
  privacy: z
    .strictObject({
      epsilon: z.number().positive().max(1000),
      delta: z.number().positive().lt(1).optional(),
      clip: z.number().positive().max(1000).optional(),
      /** Facts about the values declared public (ranges, decimals, levels), taken at no cost to the budget; the rest is estimated privately. */
      public: publicFactsSchema.optional(),
    })
    .optional(),
});

/** What every generated patient is to meet: clauses on statics (NAME=LEVEL, NAME>=NUMBER, ...) and an outcome. */
export const conditionRequest = z.strictObject({
  where: z.array(z.string().min(1).max(200)).max(16),
  outcome: z.string().min(1).max(100).optional(),
});

/** A set's levels of one attribute in target shares (absent: equal shares over the levels enough training patients have). */
export const balanceRequest = z.strictObject({
  attribute: z.string().min(1).max(200),
  target: z.record(z.string().max(200), z.number().min(0).max(1)).optional(),
});

/** A balance as the Generate form asks it: the target as typed, LEVEL=SHARE,... (read and checked on the main side, as the CLI's --target). */
export const balanceForm = z.strictObject({
  attribute: z.string().min(1).max(200),
  target: z.string().max(2000).optional(),
});

/** What a cohort's runs can be conditioned on and its sets asked for. */
export const conditionChoices = z.object({
  /** The attributes a run can be told (categorical statics, age band at index, outcome status). */
  attributes: z.array(z.object({ name: z.string(), levels: z.array(z.string()) })),
  /** Statics a clause can test: categorical ones by level, numeric ones (and "age", the age at index) by number. */
  statics: z.array(z.object({ name: z.string(), kind: z.enum(['categorical', 'numeric']), levels: z.array(z.string()) })),
  /** What --outcome takes: event, the event types, censored. */
  outcomes: z.array(z.string()),
});

/** A set generated under a condition: what every patient meets, what the model was told, and the drafts it took. */
export const setCondition = z.object({
  request: conditionRequest.extend({ balance: balanceRequest.optional() }),
  text: z.string(),
  clauses: z.array(z.string()),
  modelled: z.array(z.string()),
  trainingPatients: z.number().nullable(),
  drafts: z.number(),
  accepted: z.number(),
  balance: z
    .object({ attribute: z.string(), levels: z.array(z.object({ level: z.string(), target: z.number(), patients: z.number(), drafts: z.number() })), omitted: z.array(z.string()) })
    .optional(),
});

export const runRow = z.object({
  id: z.number(),
  cohort: z.string(),
  family: z.enum(['vae', 'timegan']),
  status: z.enum(['running', 'cancelled', 'completed', 'failed']),
  step: z.number(),
  totalSteps: z.number(),
  backend: z.string(),
  device: z.string(),
  backendReason: z.string(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** A private run's epsilon budget and what its steps so far have spent; null: trained without differential privacy. */
  privacy: z.object({ epsilon: z.number(), delta: z.number(), spent: z.number() }).nullable(),
  /** The run it started from (its weights at that run's step), or null: from fresh weights. */
  from: z.object({ run: z.number(), cohort: z.string(), step: z.number() }).nullable(),
});

/** A run a new one could start from, matched to a cohort's channels before it starts: the table (first line: the counts). */
export const warmStartPlan = z.object({ table: z.array(z.string()) });

export const lossRow = z.object({ step: z.number(), phase: z.string(), losses: z.record(z.string(), z.number()), ms: z.number() });

export const trainingProgress = z.object({
  runId: z.number(),
  /** A model phase, or 'loading' before the first step (reading and encoding the training split, building the model). */
  phase: z.string(),
  /** While loading: what is being done. */
  activity: z.string().optional(),
  step: z.number(),
  totalSteps: z.number(),
  losses: z.record(z.string(), z.number()),
  /** Measured after the phase's first steps (which compile kernels); null until then. */
  msPerStep: z.number().nullable(),
  /** From measured steps; null while still estimating. With `stopping`, to the step budget: at most. */
  etaSeconds: z.number().nullable(),
  /** A run stopping on its validation loss: the last and best measurements, and measurements without improvement out of `patience`; null on a fixed schedule. */
  stopping: z
    .object({ lastLoss: z.number().nullable(), bestLoss: z.number().nullable(), bestStep: z.number(), since: z.number(), patience: z.number() })
    .nullable(),
  backend: z.string(),
  device: z.string(),
});

/** A run's process started, finished, stopped or failed. */
export const trainingState = z.object({ runId: z.number(), status: z.enum(['running', 'cancelled', 'completed', 'failed']), message: z.string().optional() });

export const violationCounts = z.record(z.string(), z.number());

export const generateResult = z.object({
  syntheticSetId: z.number(),
  dataset: z.string(),
  patients: z.number(),
  measurements: z.number(),
  events: z.number(),
  violations: violationCounts,
  condition: setCondition.nullable(),
  seconds: z.number(),
});

/** What a private run of a cohort would do with its encoding's facts (see privateFactsPlan). */
export const privateFactsPlan = z.object({
  /** Where the declared facts come from (their own words), or null: none declared. */
  source: z.string().nullable(),
  /** Declared by the cohort definition, by a file the steward chose, or nothing. */
  from: z.enum(['definition', 'file', 'none']),
  /** How many of the encoding's facts are declared public, and which are left to the private release. */
  declared: z.number(),
  estimated: z.array(z.string()),
  /** Why such a run would be refused before it starts (declarations that do not fit, noise that drowns the patients), or null. */
  refusal: z.string().nullable(),
});

/** Facts declared in a file the steward chose: its name (not its path) and what it declares. */
export const chosenPublicFacts = z.object({ file: z.string(), facts: publicFactsSchema });

export const trainingMethods = {
  listRuns: method('training:list-runs', z.tuple([]), z.array(runRow)),
  trainingLosses: method('training:losses', z.tuple([z.number().int().min(1)]), z.array(lossRow)),
  /** Starts a run in its own utility process; progress on `trainingProgress`, outcome on `trainingState`. */
  startTraining: method('training:start', z.tuple([trainRequest]), z.object({ runId: z.number() })),
  resumeTraining: method('training:resume', z.tuple([z.number().int().min(1)]), z.object({ runId: z.number() })),
  /** Stops a run after its next checkpoint. */
  cancelTraining: method('training:cancel', z.tuple([z.number().int().min(1)]), z.object({ cancelling: z.boolean() })),
  /** Generates a set from a run (runId, patients, seed, condition). */
  generateSynthetic: method(
    'training:generate',
    z.tuple([z.number().int().min(1), z.number().int().min(1).max(1_000_000), z.number().int().optional(), conditionRequest.optional(), balanceForm.optional()]),
    generateResult,
  ),
  conditionChoices: method('training:condition-choices', z.tuple([cohortRef]), conditionChoices),
  /** A private VAE run's encoding facts for a cohort at an epsilon: declared (the file's facts, else the definition's) and to be estimated, and any refusal. */
  warmStartPlan: method('training:warm-start-plan', z.tuple([z.number().int().positive(), cohortRef, z.enum(['vae', 'timegan'])]), warmStartPlan),
  privateFactsPlan: method('training:private-facts-plan', z.tuple([cohortRef, z.enum(['vae', 'timegan']), z.number().positive().max(1000), publicFactsSchema.nullable()]), privateFactsPlan),
  /** Shows a file dialog for a public facts file (JSON) and reads it; null when cancelled. */
  choosePublicFacts: method('training:choose-public-facts', z.tuple([]), chosenPublicFacts.nullable()),
} as const;

export const trainingEvents = {
  trainingProgress: { channel: 'training:progress', payload: trainingProgress },
  trainingState: { channel: 'training:state', payload: trainingState },
} as const;
