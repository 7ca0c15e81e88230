import type { Aggregate } from '../../preload/cohortDefinition.js';
import type { Observation, PatientTimeline, StoredValue } from './timeline.js';

/** One time step before encoding: what was observed and which events happened. */
export interface Step {
  /** Days from the index date: the visit time (irregular) or the bin start (grid). */
  relTime: number;
  values: Map<number, StoredValue>;
  events: Map<string, number>;
}

/** Irregular mode: one step per distinct time at which something was measured or happened. */
export function irregularSteps(tl: PatientTimeline): Step[] {
  const byTime = new Map<number, Step>();
  const at = (time: number) => {
    let s = byTime.get(time);
    if (!s) byTime.set(time, (s = { relTime: time - tl.indexTime, values: new Map(), events: new Map() }));
    return s;
  };
  for (const m of tl.measurements) at(m.time).values.set(m.variableId, { num: m.num, txt: m.txt });
  for (const e of tl.events) {
    const s = at(e.time);
    s.events.set(e.type, (s.events.get(e.type) ?? 0) + 1);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

export interface GridOptions {
  binDays: number;
  fromDays: number;
  aggregateOf: (variableId: number) => Aggregate;
}

/** Index of the bin holding a time `rel` days from the index date. */
export function binOf(rel: number, o: { binDays: number; fromDays: number }): number {
  return Math.floor((rel - o.fromDays) / o.binDays + 1e-9);
}

/**
 * Grid mode: fixed-width bins from the window start to the end of follow-up;
 * several values of a variable in one bin become one (last, mean or max);
 * bins with nothing in them are kept, empty.
 */
export function gridSteps(tl: PatientTimeline, o: GridOptions): Step[] {
  const count = binOf(tl.outcome.days, o) + 1;
  const steps: Step[] = Array.from({ length: count }, (_, b) => ({ relTime: o.fromDays + b * o.binDays, values: new Map(), events: new Map() }));
  const pending = new Map<string, Observation[]>();
  for (const m of tl.measurements) {
    const b = Math.min(binOf(m.time - tl.indexTime, o), count - 1);
    const key = `${b}:${m.variableId}`;
    const list = pending.get(key);
    if (list) list.push(m);
    else pending.set(key, [m]);
  }
  for (const [key, list] of pending) {
    const b = Number(key.slice(0, key.indexOf(':')));
    steps[b]!.values.set(list[0]!.variableId, aggregate(list, o.aggregateOf(list[0]!.variableId)));
  }
  for (const e of tl.events) {
    const s = steps[Math.min(binOf(e.time - tl.indexTime, o), count - 1)]!;
    s.events.set(e.type, (s.events.get(e.type) ?? 0) + 1);
  }
  return steps;
}

/** Observations of one variable in one bin, in time order, made one. */
export function aggregate(list: readonly StoredValue[], how: Aggregate): StoredValue {
  const last = list[list.length - 1]!;
  if (how === 'last' || list.length === 1) return last;
  const nums = list.map((v) => v.num).filter((n): n is number => n !== null);
  if (nums.length === 0) return last;
  if (how === 'max') return { num: Math.max(...nums), txt: null };
  return { num: nums.reduce((a, b) => a + b, 0) / nums.length, txt: null };
}

/** Time steps of a timeline in the encoding's mode. */
export function stepsOf(tl: PatientTimeline, mode: 'irregular' | 'grid', grid: GridOptions | null): Step[] {
  return mode === 'grid' ? gridSteps(tl, grid!) : irregularSteps(tl);
}
