import { levelOf } from '../common/levels.js';
import { daysToIso } from '../ingest/values.js';
import { byPatient } from '../common/groupBy.js';
import type { Db } from '../store/database.js';
import { DatasetRepository, type DatasetRow, type VariableRow } from '../store/repositories/datasetRepository.js';
import { DatasetTimelineRepository } from '../store/repositories/datasetTimelineRepository.js';

export interface ExportPatient {
  key: string;
  indexTime: number;
  statics: Map<string, string | number | null>;
  measurements: { time: number; variable: string; value: string | number | null }[];
  events: { time: number; type: string }[];
  outcome: { end: number; eventTime: number | null; eventType: string | null };
}

/** Relative-time datasets get calendar dates from this anchor (day 0 = 2000-01-01), said in the data card. */
export const RELATIVE_ANCHOR = Date.UTC(2000, 0, 1) / 86_400_000;

export interface ExportData {
  dataset: DatasetRow;
  variables: VariableRow[];
  patients: ExportPatient[];
  /** A store time as an ISO date. */
  isoDate: (time: number) => string;
}

/** A dataset (a synthetic set) read for export: every patient with statics, values, events and outcome. */
export function loadExportData(db: Db, datasetName: string): ExportData {
  const datasets = new DatasetRepository(db);
  const dataset = datasets.find(datasetName);
  if (!dataset) throw new Error(`No dataset "${datasetName}" to export.`);
  const variables = datasets.variables(dataset.id);
  const kind = new Map(variables.map((v) => [v.name, v.kind]));
  const value = (variable: string, num: number | null, txt: string | null) => (kind.get(variable) === 'numeric' || kind.get(variable) === 'date' ? num : levelOf(num, txt));
  const repo = new DatasetTimelineRepository(db);
  const statics = byPatient(repo.statics(dataset.id));
  const measurements = byPatient(repo.measurements(dataset.id));
  const events = byPatient(repo.events(dataset.id));
  const outcomes = new Map(repo.outcomes(dataset.id).map((o) => [o.patientId, o]));
  const calendar = dataset.timeBasis === 'calendar';
  return {
    dataset,
    variables,
    isoDate: (time) => daysToIso(Math.round(calendar ? time : RELATIVE_ANCHOR + time)),
    patients: repo.patients(dataset.id).map((p) => {
      const index = p.indexTime ?? 0;
      const o = outcomes.get(p.id);
      return {
        key: p.sourceKey,
        indexTime: index,
        statics: new Map((statics.get(p.id) ?? []).map((s) => [s.variable, value(s.variable, s.num, s.txt)])),
        measurements: (measurements.get(p.id) ?? []).map((m) => ({ time: m.time, variable: m.variable, value: value(m.variable, m.num, m.txt) })),
        events: (events.get(p.id) ?? []).map((e) => ({ time: e.time, type: e.type })),
        outcome: { end: o?.followupEnd ?? index, eventTime: o?.eventTime ?? null, eventType: o?.eventType ?? null },
      };
    }),
  };
}

/** The patient's sex as FHIR/OMOP read it, from a static named sex or gender. */
export function sexOf(p: ExportPatient): 'male' | 'female' | null {
  const v = String(p.statics.get('sex') ?? p.statics.get('gender') ?? '').trim().toLowerCase();
  if (['m', 'male', 'man', '1'].includes(v)) return 'male';
  if (['f', 'female', 'woman', '2'].includes(v)) return 'female';
  return null;
}

/** A birth date (store days) from a date static named like birth, when there is one. */
export function birthOf(p: ExportPatient, variables: VariableRow[]): number | null {
  const v = variables.find((x) => x.role === 'static' && x.kind === 'date' && /birth|dob/i.test(x.name));
  const b = v ? p.statics.get(v.name) : null;
  return typeof b === 'number' ? b : null;
}
