import type { PatientTimelineDto } from '../../preload/contract.js';
import { levelOf } from '../common/levels.js';
import type { Db } from '../store/database.js';
import { DatasetRepository } from '../store/repositories/datasetRepository.js';
import { DatasetTimelineRepository } from '../store/repositories/datasetTimelineRepository.js';
import { DatasetNotFoundError } from './datasetSummary.js';

/** One patient's timeline from any dataset (real or synthetic): values per visit time, events, outcome. */
export function patientTimeline(db: Db, datasetRef: string, key?: string): PatientTimelineDto {
  const datasets = new DatasetRepository(db);
  const dataset = datasets.find(datasetRef);
  if (!dataset) throw new DatasetNotFoundError(datasetRef, datasets.list().map((d) => d.name));
  const repo = new DatasetTimelineRepository(db);
  const keys = repo.keys(dataset.id);
  const wanted = key ?? keys[0];
  const p = wanted === undefined ? null : repo.patient(dataset.id, wanted);
  if (!p) throw new Error(`No patient "${wanted ?? ''}" in dataset "${dataset.name}".`);
  const variables = datasets.variables(dataset.id).filter((v) => v.role === 'measurement');
  const kind = new Map(variables.map((v) => [v.name, v.kind]));
  const byTime = new Map<number, { time: number; values: Record<string, string | number | null>; events: string[] }>();
  const at = (time: number) => byTime.get(time) ?? byTime.set(time, { time, values: {}, events: [] }).get(time)!;
  for (const m of p.measurements) at(m.time).values[m.variable] = kind.get(m.variable) === 'numeric' ? m.num : levelOf(m.num, m.txt);
  for (const e of p.events) at(e.time).events.push(e.type);
  const index = p.indexTime ?? 0;
  const o = p.outcome;
  return {
    dataset: dataset.name,
    key: p.sourceKey,
    keys,
    timeBasis: dataset.timeBasis,
    indexTime: index,
    measurements: variables.map((v) => ({ name: v.name, kind: v.kind, unit: v.unit })),
    steps: [...byTime.values()].sort((a, b) => a.time - b.time),
    outcome: { days: (o?.followupEnd ?? index) - index, status: o?.eventTime == null ? 0 : 1, eventType: o?.eventType ?? null },
  };
}
