import type { CohortDefinition } from '../../../preload/cohortDefinition.js';
import { levelOf } from '../../common/levels.js';
import { decimalsOf } from '../../sequence/codecs.js';
import { stepsOf, type GridOptions } from '../../sequence/steps.js';
import type { PatientTimeline } from '../../sequence/timeline.js';
import type { VariableRow } from '../../store/repositories/datasetRepository.js';

/*
 * What an encoding is fitted to, named before any patient is read: one
 * quantity per real value the encoding scales (a numeric or date variable, the
 * index date, the gap between steps, follow-up, the calendar end of follow-up,
 * the number of steps), one per categorical variable (its levels) and one for
 * the event types. The list depends only on the cohort's definition and the
 * dataset's variables (the schema), never on the values; `contributionOf` then
 * reads one patient's values of each.
 */

export interface RealQuantity {
  kind: 'real';
  /** A variable's name, or index_date, gap, follow_up, end, length. */
  name: string;
  variableId: number | null;
  /** Numeric variables: how many decimals their values are written with is estimated too. */
  decimals: boolean;
}

export interface LevelQuantity {
  kind: 'levels';
  /** A variable's name, or events. */
  name: string;
  variableId: number | null;
  /** Whether a patient has one value (a static) or several (measurements, events). */
  perPatient: 'one' | 'many';
}

export type Quantity = RealQuantity | LevelQuantity;

/** The most levels one patient may add to one quantity: the patient's most frequent, so that the levels only one patient holds are bounded. */
export const MOST_LEVELS_PER_PATIENT = 64;

export interface CohortSchema {
  def: CohortDefinition;
  variables: VariableRow[];
  timeBasis: 'calendar' | 'relative';
}

/** The variables an encoding of the cohort keeps: statics and measurements, less those the definition drops. */
export function keptVariables(s: CohortSchema): { statics: VariableRow[]; measurements: VariableRow[] } {
  const drop = new Set(s.def.drop);
  return {
    statics: s.variables.filter((v) => v.role === 'static' && !drop.has(v.name)),
    measurements: s.variables.filter((v) => v.role === 'measurement' && !drop.has(v.name)).sort((a, b) => a.id - b.id),
  };
}

const isReal = (v: VariableRow) => v.kind === 'numeric' || v.kind === 'date';

export function quantitiesOf(s: CohortSchema): Quantity[] {
  const { statics, measurements } = keptVariables(s);
  const real = (name: string, variableId: number | null, decimals = false): RealQuantity => ({ kind: 'real', name, variableId, decimals });
  const list: Quantity[] = [];
  if (s.timeBasis === 'calendar') list.push(real('index_date', null));
  for (const v of [...statics, ...measurements]) {
    if (isReal(v)) list.push(real(v.name, v.id, v.kind === 'numeric'));
    else list.push({ kind: 'levels', name: v.name, variableId: v.id, perPatient: v.role === 'static' ? 'one' : 'many' });
  }
  if (s.def.timesteps.mode === 'irregular') list.push(real('gap', null));
  list.push(real('follow_up', null), real('length', null));
  if (s.timeBasis === 'calendar') list.push(real('end', null));
  list.push({ kind: 'levels', name: 'events', variableId: null, perPatient: 'many' });
  return list;
}

/** One patient's values of each quantity (by name), and the most decimals of each numeric one's values (null: more than 9). */
export interface Contribution {
  real: Map<string, number[]>;
  levels: Map<string, string[]>;
  decimals: Map<string, number | null>;
  /** Days between steps and to the end of follow-up: how many decimals times need. */
  timeDecimals: number | null;
}

/** Grid steps need the same options the encoding uses (see fitEncoding). */
export function gridOptions(s: CohortSchema): GridOptions | null {
  const ts = s.def.timesteps;
  if (ts.mode !== 'grid') return null;
  const byId = new Map(s.variables.map((v) => [v.id, v]));
  return { binDays: ts.binDays!, fromDays: s.def.window.fromDays, aggregateOf: (id) => ts.aggregate[byId.get(id)!.name] ?? (byId.get(id)!.kind === 'numeric' ? ts.defaultAggregate : 'last') };
}

export function contributionOf(tl: PatientTimeline, quantities: readonly Quantity[], s: CohortSchema, grid: GridOptions | null): Contribution {
  const real = new Map<string, number[]>();
  const levels = new Map<string, string[]>();
  const decimals = new Map<string, number | null>();
  const byId = new Map(quantities.filter((q) => q.variableId !== null).map((q) => [q.variableId!, q]));
  const kinds = new Map(s.variables.map((v) => [v.id, v.kind]));
  const push = <T>(m: Map<string, T[]>, name: string, x: T) => {
    const list = m.get(name);
    if (list) list.push(x);
    else m.set(name, [x]);
  };
  const note = (q: Quantity, num: number | null, txt: string | null) => {
    if (q.kind === 'levels') {
      const level = levelOf(num, txt);
      if (level !== null) push(levels, q.name, level);
      return;
    }
    if (num === null) return;
    const date = kinds.get(q.variableId!) === 'date';
    push(real, q.name, date ? num - tl.indexTime : num);
    if (q.decimals) {
      const d = decimalsOf(num);
      const seen = decimals.has(q.name) ? decimals.get(q.name)! : 0;
      decimals.set(q.name, d === null || seen === null ? null : Math.max(seen, d));
    }
  };
  for (const [id, v] of tl.statics) {
    const q = byId.get(id);
    if (q) note(q, v.num, v.txt);
  }
  const steps = stepsOf(tl, s.def.timesteps.mode, grid);
  let prev = s.def.window.fromDays;
  let timeDecimals: number | null = decimalsOf(tl.outcome.days);
  for (const step of steps) {
    if (s.def.timesteps.mode === 'irregular') push(real, 'gap', step.relTime - prev);
    const d = decimalsOf(step.relTime);
    timeDecimals = d === null || timeDecimals === null ? null : Math.max(timeDecimals, d);
    prev = step.relTime;
    for (const [id, v] of step.values) {
      const q = byId.get(id);
      if (q) note(q, v.num, v.txt);
    }
    for (const [type] of step.events) push(levels, 'events', type);
  }
  real.set('follow_up', [tl.outcome.days]);
  real.set('length', [steps.length]);
  if (s.timeBasis === 'calendar') {
    real.set('index_date', [tl.indexTime]);
    real.set('end', [tl.indexTime + tl.outcome.days]);
  }
  return { real, levels, decimals, timeDecimals };
}
