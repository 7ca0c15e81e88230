import type { CohortReport } from '../cohort/cohortService.js';
import { iterateTimelines, type PatientTimeline } from '../sequence/timeline.js';
import { byPatient } from '../common/groupBy.js';
import { staticLevelOf } from '../cohort/attributes.js';
import type { Db } from '../store/database.js';
import { DatasetRepository } from '../store/repositories/datasetRepository.js';
import { DatasetTimelineRepository } from '../store/repositories/datasetTimelineRepository.js';

/** A patient for evaluation: the timeline in the cohort's variable ids, and a label. */
export interface EvalPatient {
  key: string;
  timeline: PatientTimeline;
}

/** Follow-up days and event status (1 = the outcome's event, else censored) of each patient: a survival sample. */
export function outcomeSample(ps: EvalPatient[]): { days: number[]; status: number[] } {
  return { days: ps.map((p) => p.timeline.outcome.days), status: ps.map((p) => (p.timeline.outcome.status === 1 ? 1 : 0)) };
}

/** The patient's level of a categorical static (its text, or its number as text), or null when absent. */
export function staticLevel(p: EvalPatient, variableId: number): string | null {
  return staticLevelOf(p.timeline, variableId);
}

/** The patients' values of a numeric measurement (dates as days from each patient's index when `dated`). */
export function measuredValues(ps: EvalPatient[], variableId: number, dated = false): number[] {
  return ps.flatMap((p) => p.timeline.measurements.filter((m) => m.variableId === variableId && m.num !== null).map((m) => m.num! - (dated ? p.timeline.indexTime : 0)));
}

/** The cohort's real patients of one split. */
export function realPatients(db: Db, cohort: CohortReport, split: 'train' | 'holdout'): EvalPatient[] {
  return [...iterateTimelines(db, { cohortId: cohort.id, fromDays: cohort.definition.window.fromDays, split })].map((tl) => ({ key: String(tl.patientId), timeline: tl }));
}

/**
 * A synthetic set's patients as timelines in the cohort's variable ids (matched
 * by name), outcome status read against the cohort's outcome definition.
 */
export function syntheticPatients(db: Db, cohort: CohortReport, datasetId: number): EvalPatient[] {
  const sourceVars = new DatasetRepository(db).variables(new DatasetRepository(db).find(cohort.dataset)!.id);
  const idOf = new Map(sourceVars.map((v) => [v.name, v.id]));
  const repo = new DatasetTimelineRepository(db);
  const measurements = byPatient(repo.measurements(datasetId));
  const statics = byPatient(repo.statics(datasetId));
  const events = byPatient(repo.events(datasetId));
  const outcomes = new Map(repo.outcomes(datasetId).map((o) => [o.patientId, o]));
  const { events: outcomeTypes, competing } = cohort.definition.outcome;
  return repo.patients(datasetId).map((p) => {
    const index = p.indexTime ?? 0;
    const o = outcomes.get(p.id);
    const status = o?.eventTime == null ? 0 : outcomeTypes.includes(o.eventType ?? '') ? 1 : competing.includes(o.eventType ?? '') ? 2 : 0;
    return {
      key: p.sourceKey,
      timeline: {
        patientId: p.id,
        indexTime: index,
        statics: new Map((statics.get(p.id) ?? []).filter((s) => idOf.has(s.variable)).map((s) => [idOf.get(s.variable)!, { num: s.num, txt: s.txt }])),
        measurements: (measurements.get(p.id) ?? []).filter((m) => idOf.has(m.variable)).map((m) => ({ time: m.time, variableId: idOf.get(m.variable)!, num: m.num, txt: m.txt })),
        events: (events.get(p.id) ?? []).map((e) => ({ time: e.time, type: e.type })),
        outcome: { days: (o?.followupEnd ?? index) - index, status: status as 0 | 1 | 2, eventType: status ? (o?.eventType ?? null) : null },
      },
    };
  });
}
