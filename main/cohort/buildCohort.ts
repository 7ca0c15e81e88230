import { groupBy } from '../common/groupBy.js';
import type { Db } from '../store/database.js';
import { DatasetRepository, type DatasetRow, type VariableRow } from '../store/repositories/datasetRepository.js';
import { PatientFactsRepository, type StaticValueRow } from '../store/repositories/patientFactsRepository.js';
import { CohortDefinitionError, describeCriterion, type CohortDefinition, type Criterion, type IndexRule } from './definition.js';
import { levelOf } from '../common/levels.js';
import { resolveOutcome, type ResolvedOutcome, type TimedEvent } from './outcome.js';
import { stratifiedSplit, type Split } from './split.js';

export interface AttritionStep {
  step: number;
  label: string;
  remaining: number;
  removed: number;
}

export interface CohortMember {
  patientId: number;
  sourceKey: string;
  indexTime: number;
  split: Split;
  outcome: ResolvedOutcome;
}

export interface BuiltCohort {
  dataset: DatasetRow;
  variables: VariableRow[];
  attrition: AttritionStep[];
  /** Ascending patient id. */
  members: CohortMember[];
  /** Things the steward should know about how outcomes were read. */
  notes: string[];
}

const DAYS_PER_YEAR = 365.25;

/**
 * Applies a definition to a dataset: index dates, follow-up, criteria in
 * order (each step of the attrition table), outcomes, split. Pure reads: the
 * same definition on the same data gives the same members.
 */
export function buildCohort(db: Db, def: CohortDefinition): BuiltCohort {
  const datasets = new DatasetRepository(db);
  const dataset = datasets.find(def.dataset);
  if (!dataset) {
    const known = datasets.list().map((d) => d.name);
    throw new CohortDefinitionError(`cohort "${def.name}": no dataset "${def.dataset}" in this store${known.length ? ` (datasets: ${known.join(', ')})` : ''}.`);
  }
  const variables = datasets.variables(dataset.id);
  const facts = new PatientFactsRepository(db);
  const lookup = variableLookup(def, variables);
  const eventTypes = facts.eventTypes(dataset.id);
  checkEventTypes(def, eventTypes);

  const patients = facts.patients(dataset.id);
  const statics = groupStatics(facts.staticValues(dataset.id));
  const events = groupBy(facts.events(dataset.id), (e) => e.patientId);
  const outcomes = new Map(facts.outcomes(dataset.id).map((o) => [o.patientId, o]));
  const spans = facts.recordSpan(dataset.id);

  const attrition: AttritionStep[] = [{ step: 0, label: `patients in dataset "${dataset.name}"`, remaining: patients.length, removed: 0 }];
  const record = (label: string, remaining: number) => {
    const before = attrition[attrition.length - 1]!.remaining;
    attrition.push({ step: attrition.length, label, remaining, removed: before - remaining });
  };

  // Index dates.
  const index = new Map<number, number>();
  for (const p of patients) {
    const t = indexTimeOf(def.index, p, statics, events, spans, lookup);
    if (t !== null) index.set(p.id, t);
  }
  record(`index date: ${describeIndex(def.index)}`, index.size);

  // Outcome and follow-up after the index date.
  const resolved = new Map<number, ResolvedOutcome>();
  for (const [id, t] of index) {
    const o = outcomes.get(id);
    const r = resolveOutcome(
      { followupEnd: o?.followupEnd ?? null, lastRecord: spans.get(id)?.lastRecord ?? null, events: (events.get(id) ?? []) as TimedEvent[] },
      def.outcome,
      t,
      def.window.toDays,
    );
    if (r) resolved.set(id, r);
    else index.delete(id);
  }
  record('follow-up after the index date', index.size);

  // Criteria, in order.
  for (const c of def.criteria) {
    const matching = matchCriterion(c, index, statics, resolved, facts, lookup);
    for (const id of [...index.keys()]) {
      if (matching.has(id) === c.exclude) {
        index.delete(id);
        resolved.delete(id);
      }
    }
    record(describeCriterion(c), index.size);
  }

  const ids = [...index.keys()].sort((a, b) => a - b);
  const splits = stratifiedSplit(ids, ids.map((id) => resolved.get(id)!.status), def.split.holdout, def.split.seed);
  const sourceKeys = new Map(patients.map((p) => [p.id, p.sourceKey]));
  const members = ids.map((id) => ({
    patientId: id,
    sourceKey: sourceKeys.get(id)!,
    indexTime: index.get(id)!,
    split: splits.get(id)!,
    outcome: resolved.get(id)!,
  }));
  return { dataset, variables, attrition, members, notes: outcomeNotes(members, def) };
}

type Lookup = (name: string, where: string) => VariableRow;

function variableLookup(def: CohortDefinition, variables: VariableRow[]): Lookup {
  const byName = new Map(variables.map((v) => [v.name, v]));
  return (name, where) => {
    const v = byName.get(name);
    if (!v) throw new CohortDefinitionError(`cohort "${def.name}", ${where}: no variable "${name}" in dataset "${def.dataset}" (variables: ${variables.map((x) => x.name).join(', ')}).`);
    return v;
  };
}

function checkEventTypes(def: CohortDefinition, known: string[]): void {
  const named: [string, string[]][] = [
    ['outcome.events', def.outcome.events],
    ['outcome.competing', def.outcome.competing],
    ['outcome.censorOn', def.outcome.censorOn],
  ];
  if (def.index.from === 'first-event') named.push(['index.eventTypes', def.index.eventTypes]);
  def.criteria.forEach((c, i) => c.type === 'event' && named.push([`criteria.${i}.eventTypes`, c.eventTypes]));
  for (const [where, types] of named) {
    for (const t of types) {
      if (!known.includes(t)) {
        throw new CohortDefinitionError(`cohort "${def.name}", ${where}: no event of type "${t}" in dataset "${def.dataset}" (event types: ${known.join(', ') || 'none'}).`);
      }
    }
  }
}

function indexTimeOf(
  rule: IndexRule,
  p: { id: number; indexTime: number | null },
  statics: Map<number, Map<number, StaticValueRow>>,
  events: Map<number, { time: number; type: string }[]>,
  spans: Map<number, { firstVisit: number | null }>,
  lookup: Lookup,
): number | null {
  switch (rule.from) {
    case 'dataset':
      return p.indexTime;
    case 'static': {
      const v = lookup(rule.variable, 'index');
      if (v.kind !== 'date') throw new CohortDefinitionError(`index: variable "${v.name}" is ${v.kind}, not a date.`);
      return statics.get(p.id)?.get(v.id)?.num ?? null;
    }
    case 'first-visit':
      return spans.get(p.id)?.firstVisit ?? null;
    case 'first-event': {
      const times = (events.get(p.id) ?? []).filter((e) => rule.eventTypes.includes(e.type)).map((e) => e.time);
      return times.length ? Math.min(...times) : null;
    }
  }
}

function describeIndex(rule: IndexRule): string {
  switch (rule.from) {
    case 'dataset':
      return 'the dataset index date recorded';
    case 'static':
      return `${rule.variable} recorded`;
    case 'first-visit':
      return 'first visit';
    case 'first-event':
      return `first ${rule.eventTypes.join(' or ')} event`;
  }
}

function matchCriterion(
  c: Criterion,
  index: Map<number, number>,
  statics: Map<number, Map<number, StaticValueRow>>,
  resolved: Map<number, ResolvedOutcome>,
  facts: PatientFactsRepository,
  lookup: Lookup,
): Set<number> {
  const where = `criterion "${describeCriterion(c)}"`;
  const inRange = (x: number, min?: number, max?: number) => (min === undefined || x >= min) && (max === undefined || x <= max);
  const matching = new Set<number>();
  switch (c.type) {
    case 'age': {
      const v = lookup(c.variable, where);
      if (v.kind !== 'date' && v.kind !== 'numeric') throw new CohortDefinitionError(`${where}: "${v.name}" must be a birth date or a numeric age, not ${v.kind}.`);
      for (const [id, t] of index) {
        const value = statics.get(id)?.get(v.id)?.num;
        if (value === undefined || value === null) continue;
        const age = v.kind === 'date' ? (t - value) / DAYS_PER_YEAR : value;
        if (inRange(age, c.min, c.max)) matching.add(id);
      }
      return matching;
    }
    case 'static': {
      const v = lookup(c.variable, where);
      if (v.role !== 'static') throw new CohortDefinitionError(`${where}: "${v.name}" is a measurement; use a "measurement" criterion.`);
      const levels = c.in?.map(String);
      for (const id of index.keys()) {
        const value = statics.get(id)?.get(v.id);
        if (!value) continue;
        const level = levelOf(value.num, value.txt);
        const okLevel = !levels || (level !== null && levels.includes(level));
        const okRange = (c.min === undefined && c.max === undefined) || (value.num !== null && inRange(value.num, c.min, c.max));
        if (okLevel && okRange) matching.add(id);
      }
      return matching;
    }
    case 'visits':
      return facts.withCandidates(index, () => facts.withVisits(c.min, c.window));
    case 'measurement': {
      const v = lookup(c.variable, where);
      if (v.role !== 'measurement') throw new CohortDefinitionError(`${where}: "${v.name}" is a static attribute; use a "static" criterion.`);
      return facts.withCandidates(index, () => facts.withMeasurement(v.id, c, c.window));
    }
    case 'event':
      return facts.withCandidates(index, () => facts.withEvent(c.eventTypes, c.window));
    case 'followUp':
      for (const [id, r] of resolved) if (r.days >= c.minDays) matching.add(id);
      return matching;
  }
}

function outcomeNotes(members: CohortMember[], def: CohortDefinition): string[] {
  const count = (f: (m: CohortMember) => boolean) => members.filter(f).length;
  const notes: string[] = [];
  const exit = count((m) => m.outcome.reason === 'event-after-end-exit');
  if (exit) notes.push(`${exit} outcome event(s) recorded after the end of follow-up were counted at the end of follow-up (outcome.afterFollowUpEnd = "exit").`);
  const late = count((m) => m.outcome.reason === 'event-after-end-censored');
  if (late) notes.push(`${late} patient(s) had the outcome event recorded after the end of follow-up and were censored there (outcome.afterFollowUpEnd = "censor"; "exit" would count the event).`);
  const fromRecord = count((m) => m.outcome.endFromLastRecord);
  if (fromRecord) notes.push(`${fromRecord} patient(s) had no follow-up end in the data; their follow-up ends at their last record.`);
  const horizon = count((m) => m.outcome.reason === 'horizon');
  if (horizon) notes.push(`${horizon} patient(s) administratively censored at ${def.outcome.horizonDays} days.`);
  const byEvent = count((m) => m.outcome.reason === 'censored-by-event');
  if (byEvent) notes.push(`${byEvent} patient(s) censored at a ${def.outcome.censorOn.join('/')} event.`);
  return notes;
}

function groupStatics(rows: StaticValueRow[]): Map<number, Map<number, StaticValueRow>> {
  const out = new Map<number, Map<number, StaticValueRow>>();
  for (const r of rows) {
    let m = out.get(r.patientId);
    if (!m) out.set(r.patientId, (m = new Map()));
    m.set(r.variableId, r);
  }
  return out;
}
