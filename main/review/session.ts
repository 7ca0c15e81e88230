import { cohortAttributes } from '../cohort/attributes.js';
import type { Encoding } from '../sequence/encoding.js';
import { randomUUID } from 'node:crypto';
import { showCohort } from '../cohort/cohortService.js';
import { levelOf } from '../common/levels.js';
import { Rng } from '../common/rng.js';
import { realPatients, syntheticPatients, type EvalPatient } from '../evaluation/data.js';
import { findSyntheticSet } from '../evaluation/syntheticSet.js';
import type { Db } from '../store/database.js';
import { DatasetRepository, type VariableRow } from '../store/repositories/datasetRepository.js';
import { ReviewRepository } from '../store/repositories/reviewRepository.js';
import { identifierLike, jitterDay, jitterDays, MAX_JITTER_DAYS, roundToStep, valueStep } from './caseTreatment.js';
import { UserError, type ErrorCode } from '../common/errors.js';

/**
 * A case as a reviewer sees it: no identifiers, no calendar dates, days from
 * the index date jittered, values rounded, the truth kept back.
 */
export interface ReviewCase {
  position: number;
  label: string;
  statics: { name: string; value: string }[];
  measurements: { name: string; unit: string | null; kind: string }[];
  steps: { day: number; values: Record<string, string | number>; events: string[] }[];
  outcome: { day: number; status: string };
}

/** How a session's cases were reduced; the same for every case, real or synthetic. Kept with the session and written into its file. */
export interface ReviewTreatment {
  /** Numeric variables and the step their values are rounded to. */
  rounding: { variable: string; unit: string | null; step: number }[];
  maxJitterDays: number;
  /** Variables left out: identifier-like text, dates as measurements, variables the cohort drops. */
  withheld: string[];
}

export class ReviewError extends UserError {
  override name = 'ReviewError';
  readonly code: ErrorCode = 'review-refused';
}

/** A session asked for with settings that cannot make a blinded mix (a share outside (0, 1), a fractional count). */
export class ReviewSettingsError extends ReviewError {
  override name = 'ReviewSettingsError';
  override readonly code: ErrorCode = 'review-settings';
}

/** How many synthetic and real cases a session gets; refuses settings that do not make a mix of both. */
export function sessionMix(cases: number, syntheticShare: number): { synthetic: number; real: number } {
  if (!Number.isInteger(cases) || cases < 2) throw new ReviewSettingsError(`The number of cases must be a whole number of at least 2, not ${cases}.`);
  if (!(syntheticShare > 0 && syntheticShare < 1)) throw new ReviewSettingsError(`The synthetic share must be above 0 and below 1, not ${syntheticShare}.`);
  const synthetic = Math.round(cases * syntheticShare);
  const real = cases - synthetic;
  if (synthetic === 0 || real === 0)
    throw new ReviewSettingsError(`A synthetic share of ${syntheticShare} of ${cases} cases gives ${synthetic} synthetic and ${real} real cases; a session needs at least one of each.`);
  return { synthetic, real };
}

/**
 * Builds a blinded review session: `cases` patients, a share of them synthetic,
 * the rest real holdout patients (never seen by the model), shuffled. Real and
 * synthetic cases get the same treatment (caseTreatment.ts): no identifiers or
 * calendar dates, values rounded to their clinical precision, days jittered.
 */
export function createReviewSession(db: Db, options: { set: string; cases?: number; syntheticShare?: number; seed?: number; subgroup?: { attribute: string; level: string } }) {
  const total = options.cases ?? 20;
  const mix = sessionMix(total, options.syntheticShare ?? 0.5);
  const set = findSyntheticSet(db, options.set);
  const cohort = showCohort(db, String(set.cohortId));
  const seed = options.seed ?? Date.now() % 2147483647;
  const rng = new Rng(seed);
  const pick = (ps: EvalPatient[], n: number) => {
    const idx = ps.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, n).map((i) => ps[i]!);
  };
  // A session of one subgroup draws its real and its synthetic cases from it alike.
  const group = options.subgroup ? subgroupOf(cohort.encoding, options.subgroup) : null;
  const among = (ps: EvalPatient[]) => (group ? ps.filter((p) => group.test(p)) : ps);
  const real = pick(among(realPatients(db, cohort, 'holdout')), mix.real);
  const synthetic = pick(among(syntheticPatients(db, cohort, set.datasetId)), mix.synthetic);
  if (real.length < mix.real || synthetic.length < mix.synthetic)
    throw new ReviewError(`Only ${real.length} holdout and ${synthetic.length} synthetic patients${group ? ` of ${group.text}` : ''} are available for ${mix.real} real and ${mix.synthetic} synthetic cases.`);
  const mixed = [...real.map((p) => ({ p, truth: 'real' as const })), ...synthetic.map((p) => ({ p, truth: 'synthetic' as const }))];
  for (let i = mixed.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [mixed[i], mixed[j]] = [mixed[j]!, mixed[i]!];
  }
  const datasets = new DatasetRepository(db);
  const variables = datasets.variables(datasets.find(cohort.dataset)!.id);
  const treatment = sessionTreatment(new ReviewRepository(db), variables, new Set(cohort.definition.drop));
  const cases = mixed.map((m, i) => ({
    position: i + 1,
    truth: m.truth,
    patientId: m.p.timeline.patientId,
    caseJson: JSON.stringify(renderCase(m.p, i + 1, variables, treatment, rng)),
  }));
  const token = randomUUID();
  const id = new ReviewRepository(db).create(set.id, token, seed, cases, JSON.stringify(treatment), group?.text ?? null);
  return { id, token, cases: cases.length, synthetic: synthetic.length, real: real.length, subgroup: group?.text ?? null };
}

/** A subgroup of the cohort's attributes (cohortAttributes: a categorical static, the age band at index, the outcome status); refused with what there is. */
function subgroupOf(enc: Encoding, asked: { attribute: string; level: string }): { text: string; test: (p: EvalPatient) => boolean } {
  const all = cohortAttributes(enc);
  const a = all.find((x) => x.name === asked.attribute) ?? all.find((x) => x.name.toLowerCase() === asked.attribute.toLowerCase());
  if (!a) throw new ReviewSettingsError(`No subgroup attribute "${asked.attribute}": it can be one of ${all.map((x) => x.name).join(', ')}.`);
  const level = a.levels.find((l) => l === asked.level) ?? a.levels.find((l) => l.toLowerCase() === asked.level.toLowerCase());
  if (level === undefined) throw new ReviewSettingsError(`${a.name} has the levels ${a.levels.join(', ')}; "${asked.level}" is not one of them.`);
  return { text: `${a.name} = ${level}`, test: (p) => a.levelOf(p.timeline) === level };
}

/**
 * The treatment of the source's variables, derived from their recorded values
 * (aggregates only). Variables the cohort drops are withheld too: the
 * synthetic cases do not have them, so showing them would give real ones away.
 */
function sessionTreatment(repo: ReviewRepository, variables: VariableRow[], dropped: Set<string>): ReviewTreatment {
  const rounding: ReviewTreatment['rounding'] = [];
  const withheld: string[] = [];
  for (const v of variables) {
    if (dropped.has(v.name)) withheld.push(v.name);
    else if (v.kind === 'numeric') {
      const values = repo.variableValues(v.id, v.role).flatMap((x) => (x.num === null ? [] : [x.num]));
      rounding.push({ variable: v.name, unit: v.unit, step: valueStep(values) });
    } else if (v.kind === 'date' ? v.role === 'measurement' : identifierLike(repo.variableValues(v.id, v.role).map((x) => levelOf(x.num, x.txt)))) {
      withheld.push(v.name);
    }
  }
  return { rounding, maxJitterDays: MAX_JITTER_DAYS, withheld };
}

function renderCase(p: EvalPatient, position: number, variables: VariableRow[], treatment: ReviewTreatment, rng: Rng): ReviewCase {
  const tl = p.timeline;
  const withheld = new Set(treatment.withheld);
  const byId = new Map(variables.filter((v) => !withheld.has(v.name)).map((v) => [v.id, v]));
  const stepOf = new Map(treatment.rounding.map((r) => [r.variable, r.step]));
  const shown = (v: VariableRow, num: number | null, txt: string | null) => (v.kind === 'numeric' ? (num === null ? null : roundToStep(num, stepOf.get(v.name) ?? 1)) : levelOf(num, txt));
  const statics: ReviewCase['statics'] = [];
  for (const [id, v] of tl.statics) {
    const variable = byId.get(id);
    if (!variable || (v.num === null && v.txt === null)) continue;
    // Dates become whole years before the index date (an age for a birth date): no calendar date is shown.
    if (variable.kind === 'date') statics.push({ name: /birth/i.test(variable.name) ? 'age at index (years)' : `${variable.name} (years before index)`, value: String(Math.floor((tl.indexTime - v.num!) / 365.25)) });
    else statics.push({ name: variable.name, value: String(shown(variable, v.num, v.txt) ?? '') });
  }
  // Every time with a value shown or an event becomes a step; its day from the index date is jittered, the order of visits kept.
  const values = tl.measurements.flatMap((m) => {
    const v = byId.get(m.variableId);
    const value = v ? shown(v, m.num, m.txt) : null;
    return v && value !== null ? [{ time: m.time, name: v.name, value }] : [];
  });
  const times = [...new Set([...values.map((m) => m.time), ...tl.events.map((e) => e.time)])].sort((a, b) => a - b);
  const days = jitterDays(times.map((t) => Math.round(t - tl.indexTime)), rng);
  const steps = times.map((_, i) => ({ day: days[i]!, values: {} as Record<string, string | number>, events: [] as string[] }));
  const at = new Map(times.map((t, i) => [t, steps[i]!]));
  for (const m of values) at.get(m.time)!.values[m.name] = m.value;
  for (const e of tl.events) at.get(e.time)!.events.push(e.type);
  return {
    position,
    label: `Case ${position}`,
    statics,
    measurements: variables.filter((v) => v.role === 'measurement' && byId.has(v.id)).map((v) => ({ name: v.name, unit: v.unit, kind: v.kind })),
    steps,
    outcome: { day: Math.max(jitterDay(Math.round(tl.outcome.days), rng), days.at(-1) ?? -Infinity), status: tl.outcome.status === 0 ? 'censored' : (tl.outcome.eventType ?? 'event') },
  };
}
