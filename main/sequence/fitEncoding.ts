import { levelOf } from '../common/levels.js';
import type { CohortDefinition, TransformChoice } from '../../preload/cohortDefinition.js';
import { CohortDefinitionError } from '../common/errors.js';
import type { VariableRow } from '../store/repositories/datasetRepository.js';
import {
  codecWidth,
  logScaler,
  logShift,
  minmaxScaler,
  Moments,
  standardScaler,
  type NumericCodec,
  type Scaler,
  type ValueCodec,
} from './codecs.js';
import type { Encoding } from './encoding.js';
import { layoutEncoding } from './layoutEncoding.js';
import { stepsOf, type GridOptions } from './steps.js';
import type { PatientTimeline, StoredValue } from './timeline.js';

/** One-hot columns beyond this many levels are refused: such a variable is an identifier, not a feature. */
export const MAX_ONE_HOT_LEVELS = 64;
const SKEWED = 1;

interface NumericStats {
  all: Moments;
  train: Moments;
  /** Second pass: moments of ln(x + shift) over the training patients. */
  log?: { shift: number; train: Moments };
}

const newStats = (): NumericStats => ({ all: new Moments(), train: new Moments() });

export interface FitInput {
  def: CohortDefinition;
  variables: VariableRow[];
  timeBasis: 'calendar' | 'relative';
  /** Every member's timeline, with its split; called once per pass. */
  timelines: () => Iterable<PatientTimeline>;
  /** Overrides of the definition's timestep settings (previews). */
  timesteps?: CohortDefinition['timesteps'];
}

/**
 * Fits the encoding of a cohort in two streaming passes: layout, levels,
 * ranges and precision from every member; scaling from the training split
 * only, so that the holdout stays unseen.
 */
export function fitEncoding(input: FitInput): Encoding {
  const { def, variables } = input;
  const ts = input.timesteps ?? def.timesteps;
  const drop = new Set(def.drop);
  for (const name of drop) if (!variables.some((v) => v.name === name)) throw new CohortDefinitionError(`drop: no variable "${name}" in dataset "${def.dataset}".`);
  const staticVars = variables.filter((v) => v.role === 'static' && !drop.has(v.name));
  const measVars = variables.filter((v) => v.role === 'measurement' && !drop.has(v.name)).sort((a, b) => a.id - b.id);
  for (const [name, how] of Object.entries(ts.aggregate)) {
    const v = variables.find((x) => x.name === name);
    if (!v || v.role !== 'measurement') throw new CohortDefinitionError(`timesteps.aggregate: "${name}" is not a measurement variable.`);
    if (how !== 'last' && v.kind !== 'numeric') throw new CohortDefinitionError(`timesteps.aggregate.${name}: "${how}" needs a numeric variable; ${v.kind} values can only keep the last.`);
  }
  for (const name of Object.keys(def.transforms)) {
    const v = variables.find((x) => x.name === name);
    if (!v || v.kind !== 'numeric') throw new CohortDefinitionError(`transforms: "${name}" is not a numeric variable.`);
  }
  const variableById = new Map(variables.map((v) => [v.id, v]));
  const aggregateOf = (id: number) => {
    const v = variableById.get(id)!;
    return ts.aggregate[v.name] ?? (v.kind === 'numeric' ? ts.defaultAggregate : 'last');
  };
  const grid: GridOptions | null = ts.mode === 'grid' ? { binDays: ts.binDays!, fromDays: def.window.fromDays, aggregateOf } : null;

  // Pass 1: layout, levels, ranges, moments.
  const index = newStats();
  const statics = new Map(staticVars.map((v) => [v.id, { stats: newStats(), levels: new Set<string>(), missing: false }]));
  const meas = new Map(measVars.map((v) => [v.id, { stats: newStats(), levels: new Set<string>() }]));
  const gap = newStats();
  const times = new Moments();
  const eventTypes = new Set<string>();
  let longest = 0;
  let patients = 0;
  for (const tl of input.timelines()) {
    patients++;
    const train = tl.split !== 'holdout';
    add(index, tl.indexTime, train);
    for (const v of staticVars) {
      const s = statics.get(v.id)!;
      const value = tl.statics.get(v.id);
      if (!value || (value.num === null && value.txt === null)) {
        s.missing = true;
        continue;
      }
      if (v.kind === 'numeric') add(s.stats, value.num!, train);
      else if (v.kind === 'date') add(s.stats, value.num! - tl.indexTime, train);
      else s.levels.add(levelOf(value.num, value.txt)!);
    }
    const steps = stepsOf(tl, ts.mode, grid);
    longest = Math.max(longest, steps.length);
    let prev = def.window.fromDays;
    for (const step of steps) {
      times.add(step.relTime);
      if (ts.mode === 'irregular') add(gap, step.relTime - prev, train);
      prev = step.relTime;
      for (const [id, value] of step.values) {
        const m = meas.get(id);
        if (!m) continue;
        const v = variableById.get(id)!;
        if (v.kind === 'numeric') add(m.stats, value.num!, train);
        else if (v.kind === 'date') add(m.stats, value.num! - tl.indexTime, train);
        else m.levels.add(levelOf(value.num, value.txt)!);
      }
      for (const type of step.events.keys()) eventTypes.add(type);
    }
    times.add(tl.outcome.days);
  }
  if (patients === 0) throw new CohortDefinitionError(`cohort "${def.name}" has no patients left to encode; loosen its criteria.`);
  const maxLength = ts.maxLength ?? Math.max(1, longest);

  // Choose transforms; log ones need a second pass over ln(x + shift).
  const choose = (vars: VariableRow[], statsOf: (id: number) => NumericStats) => {
    const chosen = new Map<number, 'standard' | 'minmax' | 'log'>();
    for (const v of vars) {
      if (v.kind !== 'numeric' && v.kind !== 'date') continue;
      const s = statsOf(v.id);
      const choice: TransformChoice = v.kind === 'date' ? 'standard' : (def.transforms[v.name] ?? 'auto');
      const c = choice !== 'auto' ? choice : s.train.skewness > SKEWED ? 'log' : 'standard';
      chosen.set(v.id, c);
      if (c === 'log') s.log = { shift: logShift(s.all.min), train: new Moments() };
    }
    return chosen;
  };
  const staticChoice = choose(staticVars, (id) => statics.get(id)!.stats);
  const measChoice = choose(measVars, (id) => meas.get(id)!.stats);
  if (ts.mode === 'irregular') gap.log = { shift: 1, train: new Moments() }; // gaps can be 0: log(1 + days)
  const tail = newStats();
  tail.log = { shift: 1, train: new Moments() };

  // Pass 2: log moments, and the outcome tail (days from the last kept step to the end).
  for (const tl of input.timelines()) {
    const train = tl.split !== 'holdout';
    for (const v of staticVars) {
      const s = statics.get(v.id)!.stats;
      const value = tl.statics.get(v.id);
      if (s.log && value?.num !== null && value?.num !== undefined) addLog(s, v.kind === 'date' ? value.num - tl.indexTime : value.num, train);
    }
    const steps = stepsOf(tl, ts.mode, grid).slice(0, maxLength);
    let prev = def.window.fromDays;
    for (const step of steps) {
      if (gap.log) addLog(gap, step.relTime - prev, train);
      prev = step.relTime;
      for (const [id, value] of step.values) {
        const s = meas.get(id)?.stats;
        const kind = variableById.get(id)?.kind;
        if (s?.log && value.num !== null) addLog(s, kind === 'date' ? value.num - tl.indexTime : value.num, train);
      }
    }
    addLog(tail, tl.outcome.days - prev, train);
    tail.all.add(tl.outcome.days - prev);
  }

  return layoutEncoding({
    def,
    timeBasis: input.timeBasis,
    staticVars,
    measVars,
    aggregateOf,
    index: numericCodec(index, 'standard', times.decimals),
    staticCodec: (v) => valueCodec(v, statics.get(v.id)!.stats, statics.get(v.id)!.levels, staticChoice.get(v.id), v.kind === 'date' ? times.decimals : undefined),
    staticMasked: (v) => statics.get(v.id)!.missing,
    gap: ts.mode === 'irregular' ? numericCodec(gap, 'log', times.decimals) : null,
    measurementCodec: (v) => valueCodec(v, meas.get(v.id)!.stats, meas.get(v.id)!.levels, measChoice.get(v.id), v.kind === 'date' ? times.decimals : undefined),
    eventTypes: [...eventTypes],
    tail: numericCodec(tail, 'log', times.decimals),
    maxLength,
    timeDecimals: times.decimals,
    fittedOn: 'train',
    timesteps: ts,
  });
}

function add(s: NumericStats, x: number, train: boolean): void {
  s.all.add(x);
  if (train) s.train.add(x);
}

function addLog(s: NumericStats, x: number, train: boolean): void {
  if (train) s.log!.train.add(Math.log(x + s.log!.shift));
}

function numericCodec(s: NumericStats, kind: 'standard' | 'minmax' | 'log', decimals: number | null): NumericCodec {
  // With no training values (all in the holdout), fall back on every value.
  const m = s.train.n > 0 ? s.train : s.all;
  let scaler: Scaler;
  if (kind === 'log' && s.log) scaler = logScaler(s.log.shift, s.log.train);
  else if (kind === 'minmax') scaler = minmaxScaler(m);
  else scaler = standardScaler(m);
  return { type: 'numeric', scaler, decimals };
}

function valueCodec(v: VariableRow, stats: NumericStats, seen: Set<string>, choice: 'standard' | 'minmax' | 'log' | undefined, dateDecimals?: number | null): ValueCodec {
  if (v.kind === 'numeric') return numericCodec(stats, choice ?? 'standard', stats.all.decimals);
  if (v.kind === 'date') return numericCodec(stats, 'standard', dateDecimals ?? null);
  const levels = [...seen].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (v.kind === 'binary') return { type: 'binary', levels: levels.length ? levels : (v.categories ?? []).slice(0, 2) };
  if (levels.length > MAX_ONE_HOT_LEVELS) {
    throw new CohortDefinitionError(
      `variable "${v.name}" has ${levels.length} levels in this cohort; one-hot encoding takes at most ${MAX_ONE_HOT_LEVELS}. ` +
        `Such a variable acts as an identifier: add it to "drop" in the cohort definition.`,
    );
  }
  return { type: 'onehot', levels };
}

export type { StoredValue };
