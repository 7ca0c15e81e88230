import { showCohort } from '../cohort/cohortService.js';
import { num } from '../common/format.js';
import { Rng } from '../common/rng.js';
import { decodePatient, outcomeLevel } from '../sequence/decode.js';
import type { EncodedPatient, Encoding } from '../sequence/encoding.js';
import { iterateTimelines, type PatientTimeline } from '../sequence/timeline.js';
import type { Db } from '../store/database.js';
import { DatasetRepository } from '../store/repositories/datasetRepository.js';
import { ImportWriter } from '../store/repositories/importWriter.js';
import { SyntheticRepository } from '../store/repositories/syntheticRepository.js';
import { TrainingRepository } from '../store/repositories/trainingRepository.js';
import { selectBackend, type BackendName } from './backend.js';
import { unpackTensors } from './checkpoint.js';
import { storedConfig } from './config.js';
import { isEmptyCondition, meets, parseCondition, type Condition, type ConditionRequest } from './conditions.js';
import { buildModel, conditionsOf, loadTrainingData, modelView, TrainingError } from './engine.js';
import { balanceParts, type BalanceRequest } from './balance.js';
import { describeParts, maxDrafts, planParts, ConditionMembers, type SetCondition } from './setCondition.js';
import { tailsFromShares } from './followUpShare.js';
import { enforceIncreasingTimes, noViolations, observedRanges, repair, snapToCommon, type ObservedRanges, type ViolationCounts } from './plausibility.js';
import type { GeneratedBatch } from '../models/model.js';
import { emptyTrainingData } from '../models/minibatch.js';
import { privateRanges, runEncoding, runHeads, runRelease } from './runFacts.js';

export interface GenerateRequest {
  runId: number;
  patients: number;
  seed?: number;
  /** Share of the observed range a value may go beyond before it is clamped (default 0.1). */
  margin?: number;
  backend?: BackendName | 'auto';
  /** Every patient to meet this (see conditions.ts); absent or empty: patients as the whole cohort is. */
  condition?: ConditionRequest;
  /** The levels of one attribute in target shares (see balance.ts). */
  balance?: BalanceRequest;
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateResult {
  syntheticSetId: number;
  dataset: string;
  patients: number;
  measurements: number;
  events: number;
  violations: ViolationCounts;
  /** What the set was generated under, and how many drafts met it; null for the whole cohort. */
  condition: SetCondition | null;
  seconds: number;
}

const BATCH = 256;

/**
 * Generates synthetic patients from a run's newest checkpoint, decodes them to
 * real units and dates, enforces the plausibility rules (counting violations
 * before repair) and writes them, in one transaction, as a new dataset linked
 * to the run and the cohort.
 */
export async function generateSyntheticSet(db: Db, req: GenerateRequest): Promise<GenerateResult> {
  const started = performance.now();
  const runs = new TrainingRepository(db);
  const run = runs.run(req.runId);
  if (!run) throw new TrainingError(`No training run ${req.runId} in this store.`);
  const checkpoint = runs.latestCheckpoint(run.id);
  if (!checkpoint) throw new TrainingError(`Run ${run.id} has no checkpoint yet: train it first.`);
  if (!Number.isInteger(req.patients) || req.patients < 1) throw new TrainingError('The number of patients to generate must be a positive whole number.');
  if (req.margin !== undefined && !(req.margin >= 0 && req.margin <= 1)) throw new TrainingError(`The margin is a share of the observed range from 0 to 1, not ${req.margin}.`);
  if (req.seed !== undefined && !(Number.isSafeInteger(req.seed) && req.seed >= 0)) throw new TrainingError(`The seed is a whole number of 0 or more, not ${req.seed}.`);
  await selectBackend(req.backend ?? 'auto');
  const cohort = showCohort(db, String(run.cohortId));
  const { config } = storedConfig(run.configJson);
  const enc = runEncoding(config, cohort);
  const release = runRelease(config);
  const condition = isEmptyCondition(req.condition) ? null : parseCondition(req.condition!, enc, cohort.definition);
  const given = conditionsOf(config, enc);
  // The set's parts: the whole request, or one per level of the attribute it is balanced on.
  const balanced = req.balance ? balanceParts(req.balance, enc, condition) : null;
  // The whole cohort is generated told nothing (measured: telling each patient a training patient's
  // attributes made the ICU cohort's follow-up and survival worse; see README, Conditional generation).
  // A private model is told the condition's own levels alone, draws its latent patients from its prior (see below),
  // and its training patients who meet the condition are not counted: no refusal, omission or figure comes of them.
  const privateRun = config.privacy !== undefined;
  const base = condition ? new ConditionMembers(condition, given, privateRun) : null;
  const partMembers = balanced?.map((p) => new ConditionMembers(p.condition, given, privateRun)) ?? [];
  const counting = !privateRun && (base || balanced);
  // A private run with private facts reads no patient here: its model is made of its facts and weights alone.
  const view = release
    ? { data: emptyTrainingData(enc), followUpEnd: config.architecture === 2 ? runHeads(config, enc)!.followUpEnd : null }
    : modelView(config, enc, loadTrainingData(db, String(run.cohortId), counting ? (tl) => [base, ...partMembers].forEach((m) => m?.see(tl)) : undefined, enc).data);
  if (!privateRun) base?.checkEnough(cohort.name);
  const planned = planParts(req.patients, condition, base, balanced, partMembers, cohort.name, !privateRun);
  const parts = planned.parts;
  const model = buildModel(config, enc, run.seed, view.data);
  model.params.load(unpackTensors(checkpoint.weights));
  const ranges = release ? privateRanges(enc, release) : observedRanges(iterateTimelines(db, { cohortId: cohort.id, fromDays: enc.fromDays, split: 'train' }), enc);
  const seed = req.seed ?? run.seed + 1000 * (new SyntheticRepository(db).countForRun(run.id) + 1);
  const sampler = new Rng(seed);
  const violations = noViolations();
  const margin = req.margin ?? 0.1;
  const outcomeTypes = cohort.definition.outcome.events;
  const outcomeEvents = enc.events.filter((f) => outcomeTypes.includes(f.type) || cohort.definition.outcome.competing.includes(f.type));
  const drafting: DraftContext = { enc, architecture: config.architecture, ranges, margin, outcomeEvents, outcomeTypes };

  const datasets = new DatasetRepository(db);
  const source = datasets.find(cohort.dataset)!;
  const variables = datasets.variables(source.id).filter((v) => enc.statics.some((f) => f.variableId === v.id) || enc.measurements.some((f) => f.variableId === v.id));
  const writer = new ImportWriter(db);
  const name = freeSetName(datasets, `${cohort.name}_${run.family}_r${run.id}_s`, new SyntheticRepository(db).countForRun(run.id) + 1);
  let measurements = 0;
  let events = 0;
  let accepted = 0;
  writer.begin();
  try {
    const datasetId = writer.insertDataset(
      name,
      `Synthetic: ${req.patients} patients${condition ? ` who meet ${condition.text}` : ''}${balanced ? ` balanced on ${req.balance!.attribute}` : ''} generated by ${run.family} run ${run.id} (step ${checkpoint.step}) from cohort ${cohort.name}@${cohort.version}, seed ${seed}.`,
      source.timeBasis,
    );
    const newId = new Map<number, number>();
    for (const v of variables) {
      const id = writer.insertVariable(datasetId, { name: v.name, role: v.role, kind: v.kind, unit: v.unit, sourceFile: 'synthetic', sourceColumn: v.name });
      // A private run's sets list the levels its facts hold, never the real dataset's own lists (a rare level names a patient).
      const levels = release ? codecLevels(enc, v.id) : v.categories;
      if (levels) writer.setVariableCategories(id, levels);
      newId.set(v.id, id);
    }
    for (const part of parts) {
      // The VAE draws its latent patients like the training patients who meet the part's condition; a private
      // VAE from its prior (those patients' latent moments are read from them outside the privacy budget).
      if (!privateRun) model.fitSampler?.(view.data, part.members?.data(view.data));
      const goal = accepted + part.patients;
      const limit = part.condition ? maxDrafts(part.patients) : part.patients;
      while (accepted < goal) {
        if (part.drafts >= limit) throw tooRare(part.condition!, part.patients - (goal - accepted), part.drafts, part.members!.modelled);
        // Under a condition, whole batches: some drafts miss it and are discarded.
        const n = part.condition ? BATCH : Math.min(BATCH, goal - accepted);
        const g = model.generate(n, sampler, part.members?.draw(n, (k) => sampler.int(k)));
        if (view.followUpEnd !== null) tailsFromShares(g, enc, view.followUpEnd);
        for (let b = 0; b < n && accepted < goal; b++) {
          part.drafts++;
          // Counted apart until the patient is kept: a discarded draft's repairs are not the set's.
          const found = noViolations();
          const tl = draftTimeline(g, b, accepted + 1, drafting, found);
          if (part.condition && !meets(part.condition, tl)) continue;
          accepted++;
          for (const rule of Object.keys(found) as (keyof ViolationCounts)[]) violations[rule] += found[rule];
          const patientId = writer.insertPatient(datasetId, `SYN-${String(accepted).padStart(6, '0')}`);
          writer.setIndexTime(patientId, tl.indexTime);
          for (const [vid, v] of tl.statics) writer.insertStatic(patientId, newId.get(vid)!, v.num, v.txt);
          for (const m of tl.measurements) writer.insertMeasurement(patientId, m.time, newId.get(m.variableId)!, m.num, m.txt);
          for (const e of tl.events) writer.insertEvent(patientId, e.time, e.type, 'synthetic');
          const end = tl.indexTime + tl.outcome.days;
          writer.insertOutcome(patientId, end, tl.outcome.status === 0 ? null : end, tl.outcome.status === 0 ? null : tl.outcome.eventType);
          measurements += tl.measurements.length;
          events += tl.events.length;
        }
        req.onProgress?.(accepted, req.patients);
      }
    }
    const setCondition = describeParts(req, condition, base, planned, privateRun ? null : view.data.n);
    const syntheticSetId = new SyntheticRepository(db).insert({
      datasetId,
      runId: run.id,
      cohortId: cohort.id,
      checkpointStep: checkpoint.step,
      patients: req.patients,
      seed,
      violationsJson: JSON.stringify(violations),
      conditionJson: setCondition ? JSON.stringify(setCondition) : null,
    });
    writer.commit();
    return { syntheticSetId, dataset: name, patients: req.patients, measurements, events, violations, condition: setCondition, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    writer.rollback();
    throw err;
  } finally {
    model.dispose();
  }
}

/** The levels an encoding's codec of a variable holds, or null (a numeric or date variable). */
function codecLevels(enc: Encoding, variableId: number): string[] | null {
  const codec = [...enc.statics, ...enc.measurements].find((f) => f.variableId === variableId)?.codec;
  return codec && codec.type !== 'numeric' ? codec.levels : null;
}

/** What decoding a draft reads: the encoding, the run's architecture, the training ranges, the outcome's events. */
interface DraftContext {
  enc: Encoding;
  architecture: 2 | undefined;
  ranges: ObservedRanges;
  margin: number;
  outcomeEvents: Encoding['events'];
  outcomeTypes: string[];
}

/** Draft `b` of a generated batch as a timeline in real units, checked and repaired by the plausibility rules (violations counted into `found`). */
function draftTimeline(g: GeneratedBatch, b: number, patientId: number, { enc, architecture, ranges, margin, outcomeEvents, outcomeTypes }: DraftContext, found: ViolationCounts): PatientTimeline {
  const seqWidth = enc.maxLength * enc.stepWidth;
  const encoded: EncodedPatient = {
    patientId,
    statics: Float64Array.from(g.statics.subarray(b * enc.staticWidth, (b + 1) * enc.staticWidth)),
    sequence: Float64Array.from(g.sequences.subarray(b * seqWidth, (b + 1) * seqWidth)),
    length: g.lengths[b]!,
    outcome: Float64Array.from(g.outcomes.subarray(b * enc.outcomeWidth, (b + 1) * enc.outcomeWidth)),
    truncated: false,
  };
  enforceIncreasingTimes(encoded.sequence, encoded.length, enc, found);
  // The outcome head says whether the outcome happens. A per-step outcome event would end the
  // timeline early, so one stays only at the last step and only where the outcome agrees (in real
  // timelines an outcome counted after the end of follow-up has no event inside). Earlier runs'
  // outcome heads did not see the last step: their event is placed at the end of follow-up.
  const outcomeType = outcomeLevel(enc, encoded.outcome).eventType;
  for (const f of outcomeEvents) {
    for (let k = 0; k < encoded.length; k++) {
      const keep = architecture === 2 && k === encoded.length - 1 && f.type === outcomeType;
      if (!keep) encoded.sequence[k * enc.stepWidth + f.offset] = 0;
    }
  }
  const repaired = repair(decodePatient(encoded, enc), enc, ranges, margin, found, outcomeTypes);
  const tl = architecture === 2 ? snapToCommon(repaired, ranges) : repaired;
  if (architecture !== 2 && tl.outcome.status !== 0 && outcomeEvents.some((f) => f.type === tl.outcome.eventType)) {
    tl.events.push({ time: tl.indexTime + tl.outcome.days, type: tl.outcome.eventType! });
  }
  return tl;
}

/** The refusal of a condition that drafts meet too rarely: what was met, and what would help. */
function tooRare(condition: Condition, accepted: number, drafts: number, modelled: string[]): TrainingError {
  const share = `${accepted} of ${num(drafts)} drafted patients (${((100 * accepted) / drafts).toFixed(2)}%)`;
  const help = modelled.length ? 'the model rarely generates such patients; train it longer or loosen the condition' : 'the run was not trained with these attributes as conditions; loosen the condition, or train a run that is (new runs are conditioned on the cohort\'s categorical statics, age band and outcome)';
  return new TrainingError(`Only ${share} met ${condition.text}: too rare to sample from this run (${help}). Nothing was written.`);
}

/**
 * The first unused dataset name from `prefix` + number: a name already taken (a
 * dataset imported under it, or a set whose bookkeeping row is gone) is skipped,
 * so a run can always generate again.
 */
function freeSetName(datasets: DatasetRepository, prefix: string, from: number): string {
  let k = from;
  while (datasets.find(`${prefix}${k}`)) k++;
  return `${prefix}${k}`;
}
