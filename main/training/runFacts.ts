import { NO_PUBLIC_FACTS, type PublicFacts } from '../../preload/publicFacts.js';
import type { CohortReport } from '../cohort/cohortService.js';
import { Rng } from '../common/rng.js';
import { privateHeads, type PrivateHeads } from '../models/privateHeads.js';
import { checkDeclared } from '../privacy/facts/loadPublicFacts.js';
import { privateEncoding } from '../privacy/facts/privateEncoding.js';
import type { CohortSchema } from '../privacy/facts/quantities.js';
import { checkReliable, rangeFact, releaseFacts, undeclared, undeclaredNames, type FactsRelease } from '../privacy/facts/release.js';
import type { Encoding } from '../sequence/encoding.js';
import { iterateTimelines } from '../sequence/timeline.js';
import type { Db } from '../store/database.js';
import { DatasetRepository } from '../store/repositories/datasetRepository.js';
import { DEFAULT_BINS } from '../models/outputBins.js';
import { defaultConfig, type ModelConfig, type Family } from './config.js';
import type { ObservedRanges } from './plausibility.js';
import type { FactsPlan, PrivacyConfig } from './privacyConfig.js';

/*
 * A private run's encoding facts (privacy/facts), from the run's side: what
 * the release will be (known before any patient is read, so that the budget
 * can be split), the release itself when the run starts (its noise drawn from
 * the run's seed, so the same seed makes the same run), and what training,
 * resuming and generating read of it instead of the cohort's own encoding,
 * which was fitted to the training split.
 */

/** The schema of a cohort: its definition, its dataset's variables and time basis. */
export function cohortSchema(db: Db, cohort: CohortReport): CohortSchema {
  const datasets = new DatasetRepository(db);
  const source = datasets.find(cohort.dataset)!;
  return { def: cohort.definition, variables: datasets.variables(source.id), timeBasis: source.timeBasis };
}

/** What a private run's release will be (checking first that the declaration fits the cohort). */
export function factsPlan(schema: CohortSchema, declared: PublicFacts = NO_PUBLIC_FACTS): FactsPlan {
  checkDeclared(schema, declared);
  const u = undeclared(schema, declared);
  // The third release (lattice points) is planned whatever the facts: whether a value needs it can depend on estimated decimals.
  return { releases: (u.first ? 1 : 0) + (u.second ? 1 : 0) + 1, selecting: u.levels.length > 0 };
}

const FACTS_SEED = 0xfac75;

/** Releases a private run's facts and makes its encoding of them (refused first, on public grounds alone, when the noise would drown them). */
export function releaseRunFacts(db: Db, cohort: CohortReport, privacy: PrivacyConfig, seed: number, bins: number): PrivacyConfig {
  const facts = privacy.facts!;
  const schema = cohortSchema(db, cohort);
  checkReliable(schema, facts.declared, facts.sigma, cohort.split.train, privacy.epsilon);
  const rng = new Rng(seed ^ FACTS_SEED);
  const timelines = iterateTimelines(db, { cohortId: cohort.id, fromDays: cohort.definition.window.fromDays, split: 'train' });
  const release = releaseFacts(schema, timelines, facts.declared, facts.sigma, facts.selectionDelta, () => rng.normal(), bins);
  return { ...privacy, facts: { ...facts, release, encoding: privateEncoding(schema, release) } };
}

/** The facts a run's encoding was made of, or null (a run without privacy, or a private one from before its facts were). */
export const runRelease = (config: ModelConfig): FactsRelease | null => config.privacy?.facts?.release ?? null;

/** The encoding a run trains and generates with: its own private one, else the cohort's. */
export const runEncoding = (config: ModelConfig, cohort: CohortReport): Encoding => config.privacy?.facts?.encoding ?? cohort.encoding;

/** A private run's output heads, or null (its heads are fitted to the training split). */
export function runHeads(config: ModelConfig, enc: Encoding): PrivateHeads | null {
  const release = runRelease(config);
  return release ? privateHeads(enc, release, config.bins ?? DEFAULT_BINS) : null;
}

/** The value ranges generation keeps a private run's drafts inside (see plausibility.ts): the facts' ranges; no common values. */
export function privateRanges(enc: Encoding, facts: FactsRelease): ObservedRanges {
  const rangeOf = (name: string) => rangeFact(facts, name).range;
  const variables = new Map<number, [number, number]>();
  for (const f of [...enc.statics, ...enc.measurements]) if (f.variableId !== null && f.codec.type === 'numeric') variables.set(f.variableId, [...rangeOf(f.name)]);
  return {
    index: enc.timeBasis === 'calendar' ? [...rangeOf('index_date')] : [0, 0],
    followUp: [...rangeOf('follow_up')],
    variables,
    common: new Map(),
  };
}

/**
 * How a private run of a family learns and generates, in words (the CLI and the data card): what its
 * updates read, and what generation draws from.
 */
export function privateFamilyText(family: Family): string {
  return family === 'timegan'
    ? 'Every update of its embedder, recovery, supervisor and discriminator that reads a patient is a private step (one release a step); its generator learns only through them (no moment losses against real latents; the discriminator updates at every joint step, whatever its loss, so the moment weights and threshold in its configuration are unused). Generation reads no training patient beyond the model (noise drawn into its generator).'
    : "Generation reads no training patient beyond the model (latent patients drawn from its prior; under a condition, only the condition's own levels told).";
}

/** What a private run's guarantee covers, in words (the CLI and the data card): its steps, and where its encoding's facts came from. */
export function guaranteeText(privacy: PrivacyConfig): string {
  const facts = privacy.facts;
  if (!facts?.release) {
    return 'The guarantee covers the training steps and what generation reads; what the encoding and the output heads were fitted to before training (means, ranges, categories, bins) is not covered (a run from before they were private).';
  }
  const r = facts.release;
  const all = [...r.ranges.map((f) => f.rangeSource), ...r.ranges.flatMap((f) => (f.decimalsSource ? [f.decimalsSource] : [])), ...r.levels.map((f) => f.source), r.timeDecimalsSource];
  const count = (s: string) => all.filter((x) => x === s).length;
  const declared = count('declared') + count('dataset') + count('definition');
  const estimated = count('estimated');
  const counted = r.ranges.filter((f) => f.pointsSource === 'estimated');
  const cut = r.ranges.filter((f) => f.edges).length;
  const what = [
    ...(estimated ? [`${estimated} of the facts`] : []),
    ...(counted.length ? [`which values ${counted.length} output heads hold exactly (${counted.filter((f) => f.points.length).length} hold some)`] : []),
    ...(cut ? [`where ${cut} heads' other bins are cut`] : []),
  ].join(' and ');
  const release = r.releases
    ? `estimated privately: ${what}, by ${r.releases} Gaussian release${r.releases > 1 ? 's' : ''} (noise ${facts.sigma.toPrecision(4)}, a tenth of the budget${r.selectionDelta ? `; levels seen in the data kept above a threshold spending delta ${r.selectionDelta.toExponential(1)}` : ''})`
    : 'nothing estimated';
  return `The guarantee covers the training steps, the encoding and output heads, and what generation reads: of the encoding's ${all.length} facts, ${declared} declared public (${r.declaredSource}); ${release}; no patient is read outside the budget.`;
}

/**
 * What a private VAE run of a cohort at `epsilon` would do with its encoding's facts, before it is
 * asked to start: the declaration it would take (`declared`, else the definition's), what is left to
 * estimate, and the refusal it would meet (the same checks a run makes; all on public grounds).
 */
export function privateFactsPlan(db: Db, cohort: CohortReport, family: Family, epsilon: number, declared: PublicFacts | null) {
  const facts = declared ?? cohort.definition.public ?? null;
  const schema = cohortSchema(db, cohort);
  const u = undeclared(schema, facts ?? NO_PUBLIC_FACTS);
  const names = undeclaredNames(u);
  // Every fact: a range per real value, decimals per numeric one, levels per categorical one and the event types, time decimals.
  const all = u.quantities.reduce((n, q) => n + (q.kind === 'real' && q.decimals ? 2 : 1), 0) + 1;
  let refusal: string | null = null;
  try {
    const plan = factsPlan(schema, facts ?? NO_PUBLIC_FACTS);
    const config = defaultConfig(family, cohort.split.train, { privacy: { epsilon, ...(facts ? { public: facts } : {}), plan } });
    checkReliable(schema, facts ?? NO_PUBLIC_FACTS, config.privacy!.facts!.sigma, cohort.split.train, epsilon);
  } catch (err) {
    refusal = (err as Error).message;
  }
  return { source: facts?.source ?? null, from: declared ? ('file' as const) : facts ? ('definition' as const) : ('none' as const), declared: all - names.length, estimated: names, refusal };
}
