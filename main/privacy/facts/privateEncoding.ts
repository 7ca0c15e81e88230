import { logShift, type NumericCodec, type Scaler, type ValueCodec } from '../../sequence/codecs.js';
import type { Encoding } from '../../sequence/encoding.js';
import { layoutEncoding } from '../../sequence/layoutEncoding.js';
import type { VariableRow } from '../../store/repositories/datasetRepository.js';
import { gridOptions, keptVariables, type CohortSchema } from './quantities.js';
import { FactsError, rangeFact, type FactsRelease } from './release.js';
import { spansDecades } from './quantileBins.js';

/*
 * The encoding of a private run, made from released and declared facts alone
 * (release.ts): no patient is read here (its output heads: models/privateHeads.ts). A value is scaled
 * by its range (its centre and a quarter of its width; on a log scale when the
 * range is positive and spans a factor of 20 or more, unless the definition
 * chooses), statics always carry a
 * mask (whether any patient lacks a value is a fact too), and the outcome's
 * event types are always channels (the definition names them).
 */


export function privateEncoding(schema: CohortSchema, facts: FactsRelease): Encoding {
  const { def } = schema;
  const { statics, measurements } = keptVariables(schema);
  const rangeOf = (name: string) => rangeFact(facts, name);
  const levelsOf = (name: string) => facts.levels.find((l) => l.name === name)!;
  const codecOf = (v: VariableRow): ValueCodec => {
    if (v.kind === 'numeric') {
      const r = rangeOf(v.name);
      const choice = def.transforms[v.name] ?? 'auto';
      return rangeCodec(r.range, choice === 'auto' ? (spansDecades(r.range) ? 'log' : 'standard') : choice, r.decimals);
    }
    if (v.kind === 'date') return rangeCodec(rangeOf(v.name).range, 'standard', facts.timeDecimals);
    const l = levelsOf(v.name);
    if (l.levels.length === 0) throw new FactsError(`No level of "${v.name}" stood out of the noise of the private release: declare its levels public (synthehr train --public FILE) or raise epsilon.`);
    if (v.kind === 'binary') {
      if (l.levels.length > 2) throw new FactsError(`"${v.name}" is binary, but its ${l.source} levels are ${l.levels.length}: ${l.levels.join(', ')}.`);
      return { type: 'binary', levels: [...l.levels].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) };
    }
    return { type: 'onehot', levels: l.levels };
  };
  const ts = def.timesteps;
  const grid = gridOptions(schema);
  const length = rangeOf('length').range[1];
  const followUp = rangeOf('follow_up').range;
  const outcomeTypes = [...def.outcome.events, ...def.outcome.competing];
  return layoutEncoding({
    def,
    timesteps: ts,
    timeBasis: schema.timeBasis,
    staticVars: statics,
    measVars: measurements,
    aggregateOf: grid ? grid.aggregateOf : () => 'last',
    index: schema.timeBasis === 'calendar' ? rangeCodec(rangeOf('index_date').range, 'standard', facts.timeDecimals) : { type: 'numeric', scaler: { kind: 'standard', mean: 0, sd: 1 }, decimals: facts.timeDecimals },
    staticCodec: codecOf,
    staticMasked: () => true,
    gap: ts.mode === 'irregular' ? rangeCodec(nonNegative(rangeOf('gap').range), 'log', facts.timeDecimals) : null,
    measurementCodec: codecOf,
    eventTypes: [...new Set([...levelsOf('events').levels, ...outcomeTypes])],
    tail: rangeCodec(nonNegative([0, followUp[1] - def.window.fromDays]), 'log', facts.timeDecimals),
    maxLength: Math.max(1, Math.min(ts.maxLength ?? Infinity, Math.ceil(length))),
    timeDecimals: facts.timeDecimals,
    fittedOn: 'private',
  });
}

const nonNegative = ([lo, hi]: [number, number]): [number, number] => [Math.max(0, lo), Math.max(hi, Math.max(0, lo) + 1)];

/** A codec whose scaler maps the range to about [-2, 2] (its centre to 0, a quarter of its width to 1). */
export function rangeCodec([lo, hi]: [number, number], kind: 'standard' | 'minmax' | 'log', decimals: number | null): NumericCodec {
  let scaler: Scaler;
  if (kind === 'minmax') scaler = { kind: 'minmax', min: lo, max: hi };
  else if (kind === 'log') {
    const shift = logShift(lo);
    const a = Math.log(lo + shift);
    const b = Math.log(hi + shift);
    scaler = { kind: 'log', shift, mean: (a + b) / 2, sd: (b - a) / 4 || 1 };
  } else scaler = { kind: 'standard', mean: (lo + hi) / 2, sd: (hi - lo) / 4 || 1 };
  return { type: 'numeric', scaler, decimals };
}
