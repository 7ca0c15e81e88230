import type { ChannelSpec } from '../models/channels.js';
import type { ConditionLayout } from '../models/conditioning.js';
import type { Params } from '../models/params.js';
import { vaeLayouts } from '../models/weightLayouts.js';
import type { Encoding } from '../sequence/encoding.js';
import { matchChannels, matchingTable, type ColumnMap } from '../sequence/matchChannels.js';
import { TrainingError } from './trainingError.js';
import { showCohort, type CohortReport } from '../cohort/cohortService.js';
import type { Db } from '../store/database.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { storedConfig, type ModelConfig } from './config.js';
import { runEncoding } from './runFacts.js';
import { transferWeights, type TransferSummary } from './warmStart.js';

/*
 * A run started from another run's weights (issue 17, `synthehr train COHORT --from RUN`):
 * the new run takes the source's network sizes, its channels are matched to the
 * source's (sequence/matchChannels) before it starts, and its freshly built model
 * then takes every weight entry that means the same in both (warmStart.ts). The
 * matching's table and what was carried over are stored with the run.
 */

export interface WarmStart {
  /** The source run, its cohort and the step its weights are from. */
  from: number;
  cohort: string;
  step: number;
  /** The channel matching, as a table (matchingTable). */
  table: string[];
  /** Set once the weights are carried over: entries carried of all, and the weights nothing was carried into. */
  carried?: { entries: number; total: number; fresh: string[] };
}

/** What a new run must share with the run it starts from: the family and the network's sizes (taken from the source unless told, then checked). */
export function warmStartOverrides(source: ModelConfig, family: ModelConfig['family'], asked: Record<string, unknown> = {}): Record<string, unknown> {
  if (source.family !== family) throw new TrainingError(`Run to start from is a ${source.family}; a ${family} run cannot start from its weights. Train a ${source.family}, or start from a ${family} run.`);
  if (family !== 'vae') throw new TrainingError('Only a VAE can start from another run so far: a TimeGAN trains from fresh weights.');
  const freeze = asked.freeze as number | undefined;
  if (freeze !== undefined && !(Number.isInteger(freeze) && freeze >= 0)) throw new TrainingError(`Freezing the recurrent cores takes a whole number of steps, not ${freeze}.`);
  const sizes = ['hidden', 'latent', 'architecture'] as const;
  const out: Record<string, unknown> = {};
  for (const key of sizes) {
    const theirs = (source as unknown as Record<string, unknown>)[key];
    if (asked[key] !== undefined && asked[key] !== theirs) throw new TrainingError(`The run to start from has ${key} ${String(theirs)}; a run that starts from its weights keeps it (asked: ${String(asked[key])}).`);
    out[key] = theirs;
  }
  return out;
}

/** The models' view of the columns: architecture 2 reads the outcome's time as a share of the window left, the same in both encodings. */
function asModelsRead(m: ReturnType<typeof matchChannels>, target: Encoding, config: ModelConfig): Record<'statics' | 'step' | 'outcome', ColumnMap> {
  if (config.architecture !== 2) return m;
  const outcome = { ...m.outcome, scale: Float64Array.from(m.outcome.scale), shift: Float64Array.from(m.outcome.shift) };
  outcome.scale[target.outcome.tailOffset] = 1;
  outcome.shift[target.outcome.tailOffset] = 0;
  return { statics: m.statics, step: m.step, outcome };
}

/**
 * What starting a run of `family` on a cohort from run `from` would do, before it is asked to (the
 * app's Train step): refused as train would refuse it, else the channel matching's table, against
 * the cohort's encoding (a private run's own is made of its facts when it starts).
 */
export function warmStartPlan(db: Db, from: number, cohort: CohortReport, family: ModelConfig['family']): { table: string[] } {
  const run = new TrainingRepository(db).run(from);
  if (!run) throw new TrainingError(`No training run ${from} in this store.`);
  const { config } = storedConfig(run.configJson);
  warmStartOverrides(config, family);
  return { table: matchingTable(matchChannels(runEncoding(config, showCohort(db, String(run.cohortId))), cohort.encoding)) };
}

/** The warm start a new run records before it starts: the source and the channel matching. */
export function planWarmStart(from: number, sourceCohort: string, step: number, sourceEnc: Encoding, targetEnc: Encoding): WarmStart {
  return { from, cohort: sourceCohort, step, table: matchingTable(matchChannels(sourceEnc, targetEnc)) };
}

/** A model, its layout and encoding, as the warm start reads them: `W`, its weights (the source's as stored, the new run's model's own). */
export interface TrainedSide<W> {
  weights: W;
  spec: ChannelSpec;
  config: ModelConfig;
  enc: Encoding;
  /** Its condition input's layout (null: none). */
  conditions: ConditionLayout | null;
}

/** Carries the source's weights into the new run's freshly built model. */
export function applyWarmStart(source: TrainedSide<Map<string, Float32Array>>, target: TrainedSide<Params>): TransferSummary {
  if (source.config.family !== 'vae' || target.config.family !== 'vae') throw new TrainingError('Only a VAE can start from another run so far.');
  const layouts = (side: TrainedSide<unknown>) => vaeLayouts(side.config as Extract<ModelConfig, { family: 'vae' }>, side.spec, side.conditions?.width ?? 0);
  const sameConditions = JSON.stringify(source.conditions) === JSON.stringify(target.conditions);
  const cols = asModelsRead(matchChannels(source.enc, target.enc), target.enc, target.config);
  return transferWeights({ values: source.weights, spec: source.spec, layouts: layouts(source) }, { params: target.weights, spec: target.spec, layouts: layouts(target) }, cols, sameConditions);
}
