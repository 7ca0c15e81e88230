import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { levelOf } from '../common/levels.js';
import { daysToIso } from '../ingest/values.js';
import type { Db } from '../store/database.js';
import { DatasetRepository } from '../store/repositories/datasetRepository.js';
import { DatasetTimelineRepository } from '../store/repositories/datasetTimelineRepository.js';

export interface CsvExport {
  dir: string;
  files: { name: string; path: string; rows: number }[];
}

/** A CSV field, quoted when it needs to be. */
function field(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Writes a dataset (typically a synthetic set) as four CSV files: patients
 * with their statics, long-format measurements with units, events, and
 * outcomes. Dates are ISO dates for calendar datasets, day offsets otherwise.
 * (Issue 7 adds the data card, FHIR and OMOP on top.)
 */
export async function exportCsv(db: Db, datasetName: string, dir: string): Promise<CsvExport> {
  const datasets = new DatasetRepository(db);
  const dataset = datasets.find(datasetName);
  if (!dataset) throw new Error(`No dataset "${datasetName}" to export.`);
  const variables = datasets.variables(dataset.id);
  const statics = variables.filter((v) => v.role === 'static');
  const units = new Map(variables.map((v) => [v.name, v.unit]));
  const kinds = new Map(variables.map((v) => [v.name, v.kind]));
  const calendar = dataset.timeBasis === 'calendar';
  const when = (t: number | null) => (t === null ? null : calendar ? daysToIso(Math.round(t)) : t);
  const repo = new DatasetTimelineRepository(db);
  const patients = repo.patients(dataset.id);
  const keyOf = new Map(patients.map((p) => [p.id, p.sourceKey]));
  mkdirSync(dir, { recursive: true });
  const files: CsvExport['files'] = [];
  const write = async (name: string, header: string[], rows: Iterable<(string | number | null)[]>) => {
    const path = join(dir, name);
    const out = createWriteStream(path);
    out.write(`${header.map(field).join(',')}\n`);
    let n = 0;
    for (const r of rows) {
      if (!out.write(`${r.map(field).join(',')}\n`)) await once(out, 'drain');
      n++;
    }
    out.end();
    await once(out, 'finish');
    files.push({ name, path, rows: n });
  };
  const staticRows = new Map<number, Map<string, string | number | null>>();
  for (const s of repo.statics(dataset.id)) {
    const m = staticRows.get(s.patientId) ?? staticRows.set(s.patientId, new Map()).get(s.patientId)!;
    m.set(s.variable, kinds.get(s.variable) === 'date' ? when(s.num) : kinds.get(s.variable) === 'numeric' ? s.num : levelOf(s.num, s.txt));
  }
  await write(
    'patients.csv',
    ['patient', 'index_date', ...statics.map((v) => v.name)],
    patients.map((p) => [p.sourceKey, when(p.indexTime), ...statics.map((v) => staticRows.get(p.id)?.get(v.name) ?? null)]),
  );
  await write(
    'measurements.csv',
    ['patient', calendar ? 'date' : 'day', 'variable', 'value', 'unit'],
    repo.measurements(dataset.id).map((m) => [keyOf.get(m.patientId)!, when(m.time), m.variable, kinds.get(m.variable) === 'numeric' ? m.num : kinds.get(m.variable) === 'date' ? when(m.num) : levelOf(m.num, m.txt), units.get(m.variable) ?? null]),
  );
  await write('events.csv', ['patient', calendar ? 'date' : 'day', 'type'], repo.events(dataset.id).map((e) => [keyOf.get(e.patientId)!, when(e.time), e.type]));
  await write(
    'outcomes.csv',
    ['patient', calendar ? 'followup_end' : 'followup_end_day', 'event', 'event_type'],
    repo.outcomes(dataset.id).map((o) => [keyOf.get(o.patientId)!, when(o.followupEnd), o.eventTime === null ? 0 : 1, o.eventType]),
  );
  // A mapping that imports these files back (README "Import mapping"): the export round-trips.
  const outcomeTypes = repo.outcomes(dataset.id).map((o) => o.eventType).filter((t): t is string => t !== null);
  const commonType = [...new Set(outcomeTypes)].sort((a, b) => outcomeTypes.filter((t) => t === b).length - outcomeTypes.filter((t) => t === a).length)[0] ?? 'death';
  const settings = (vs: typeof variables) => Object.fromEntries(vs.map((v) => [v.name, { kind: v.kind, ...(v.unit ? { unit: v.unit } : {}) }]));
  const timeCol = calendar ? 'date' : 'day';
  const mapping = {
    dataset: `${dataset.name}_reimport`,
    description: `Re-import of the CSV export of ${dataset.name}.`,
    time: calendar ? { basis: 'calendar' } : { basis: 'relative', unit: 'days' },
    files: [
      { path: 'patients.csv', id: 'patient', patients: true, index: 'index_date', ...(statics.length ? { static: settings(statics) } : {}) },
      { path: 'measurements.csv', id: 'patient', measurements: { layout: 'long', time: timeCol, variable: 'variable', value: 'value', unit: 'unit', variables: settings(variables.filter((v) => v.role === 'measurement')) } },
      { path: 'events.csv', id: 'patient', eventRows: { time: timeCol, type: 'type' } },
      { path: 'outcomes.csv', id: 'patient', followUp: { end: calendar ? 'followup_end' : 'followup_end_day', eventIndicator: 'event', eventType: commonType } },
    ],
  };
  writeFileSync(join(dir, 'import.mapping.json'), JSON.stringify(mapping, null, 2));
  return { dir, files };
}
