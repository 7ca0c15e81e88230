import { randomUUID } from 'node:crypto';
import { showCohort } from '../cohort/cohortService.js';
import { levelOf } from '../cohort/levels.js';
import { Rng } from '../models/rng.js';
import { realPatients, syntheticPatients, type EvalPatient } from '../evaluation/data.js';
import { findSyntheticSet } from '../evaluation/evaluate.js';
import { daysToIso } from '../ingest/values.js';
import type { Db } from '../store/database.js';
import { DatasetRepository, type VariableRow } from '../store/repositories/datasetRepository.js';
import { ReviewRepository } from '../store/repositories/reviewRepository.js';

/** A case as a reviewer sees it: no identifiers, dates shifted, the truth kept back. */
export interface ReviewCase {
  position: number;
  label: string;
  /** Shifted index date (calendar datasets) or null. */
  indexDate: string | null;
  statics: { name: string; value: string }[];
  measurements: { name: string; unit: string | null; kind: string }[];
  steps: { day: number; date: string | null; values: Record<string, string | number>; events: string[] }[];
  outcome: { day: number; status: string };
}

export class ReviewError extends Error {
  override name = 'ReviewError';
}

/**
 * Builds a blinded review session: `cases` patients, a share of them synthetic,
 * the rest real holdout patients (never seen by the model), shuffled. Each is
 * rendered without identifiers; dates move by one random shift for the whole
 * session plus a jitter per case, so no real patient can be found by date.
 */
export function createReviewSession(db: Db, options: { set: string; cases?: number; syntheticShare?: number; seed?: number }) {
  const set = findSyntheticSet(db, options.set);
  const cohort = showCohort(db, String(set.cohortId));
  const seed = options.seed ?? Date.now() % 2147483647;
  const rng = new Rng(seed);
  const total = options.cases ?? 20;
  const share = options.syntheticShare ?? 0.5;
  const pick = (ps: EvalPatient[], n: number) => {
    const idx = ps.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, n).map((i) => ps[i]!);
  };
  const nSynthetic = Math.round(total * share);
  const real = pick(realPatients(db, cohort, 'holdout'), total - nSynthetic);
  const synthetic = pick(syntheticPatients(db, cohort, set.datasetId), nSynthetic);
  if (real.length + synthetic.length < total) throw new ReviewError(`Only ${real.length} holdout and ${synthetic.length} synthetic patients are available for ${total} cases.`);
  const mixed = [...real.map((p) => ({ p, truth: 'real' as const })), ...synthetic.map((p) => ({ p, truth: 'synthetic' as const }))];
  for (let i = mixed.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [mixed[i], mixed[j]] = [mixed[j]!, mixed[i]!];
  }
  const datasets = new DatasetRepository(db);
  const source = datasets.find(cohort.dataset)!;
  const variables = datasets.variables(source.id);
  const shift = Math.round((rng.next() * 2 - 1) * 3650) || 1;
  const cases = mixed.map((m, i) => ({
    position: i + 1,
    truth: m.truth,
    patientId: m.p.timeline.patientId,
    caseJson: JSON.stringify(renderCase(m.p, i + 1, variables, source.timeBasis === 'calendar', shift + Math.round((rng.next() * 2 - 1) * 180))),
  }));
  const token = randomUUID();
  const id = new ReviewRepository(db).create(set.id, token, seed, cases);
  return { id, token, cases: cases.length, synthetic: synthetic.length, real: real.length };
}

function renderCase(p: EvalPatient, position: number, variables: VariableRow[], calendar: boolean, shift: number): ReviewCase {
  const tl = p.timeline;
  const byId = new Map(variables.map((v) => [v.id, v]));
  const when = (time: number) => (calendar ? daysToIso(Math.round(time + shift)) : null);
  const statics: ReviewCase['statics'] = [];
  for (const [id, v] of tl.statics) {
    const variable = byId.get(id);
    if (!variable || v.num === null && v.txt === null) continue;
    // Dates become ages or years before the index date: no calendar date of a real patient is shown.
    if (variable.kind === 'date') statics.push({ name: /birth/i.test(variable.name) ? 'age at index (years)' : `${variable.name} (years before index)`, value: (((tl.indexTime - v.num!) / 365.25).toFixed(1)) });
    else statics.push({ name: variable.name, value: levelOf(v.num, v.txt) ?? '' });
  }
  const steps = new Map<number, ReviewCase['steps'][number]>();
  const at = (time: number) => steps.get(time) ?? steps.set(time, { day: Math.round(time - tl.indexTime), date: when(time), values: {}, events: [] }).get(time)!;
  for (const m of tl.measurements) {
    const v = byId.get(m.variableId);
    if (!v) continue;
    const value = v.kind === 'numeric' ? m.num : levelOf(m.num, m.txt);
    if (value !== null) at(m.time).values[v.name] = value;
  }
  for (const e of tl.events) at(e.time).events.push(e.type);
  return {
    position,
    label: `Case ${position}`,
    indexDate: when(tl.indexTime),
    statics,
    measurements: variables.filter((v) => v.role === 'measurement').map((v) => ({ name: v.name, unit: v.unit, kind: v.kind })),
    steps: [...steps.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s),
    outcome: { day: Math.round(tl.outcome.days), status: tl.outcome.status === 0 ? 'censored' : (tl.outcome.eventType ?? 'event') },
  };
}
