import type { CohortDefinition } from '../../preload/cohortDefinition.js';
import type { VariableRow } from '../store/repositories/datasetRepository.js';
import { codecWidth, type NumericCodec, type ValueCodec } from './codecs.js';
import type { Encoding, EventField, MeasurementField, OutcomeLevel, StaticField } from './encoding.js';

/** What a layout is made of: the variables kept, and a codec for each value (fitted to the training split, or from a private release). */
export interface LayoutInput {
  def: CohortDefinition;
  timesteps: CohortDefinition['timesteps'];
  timeBasis: 'calendar' | 'relative';
  staticVars: VariableRow[];
  measVars: VariableRow[];
  aggregateOf: (variableId: number) => 'last' | 'mean' | 'max';
  index: NumericCodec;
  staticCodec: (v: VariableRow) => ValueCodec;
  /** Whether the static gets a mask channel (some member lacks it). */
  staticMasked: (v: VariableRow) => boolean;
  gap: NumericCodec | null;
  measurementCodec: (v: VariableRow) => ValueCodec;
  eventTypes: string[];
  tail: NumericCodec;
  maxLength: number;
  timeDecimals: number | null;
  fittedOn: Encoding['fittedOn'];
}

/** The channels of an encoding, in order (see encoding.ts), from its codecs. */
export function layoutEncoding(input: LayoutInput): Encoding {
  const { def, timesteps: ts } = input;
  let offset = 0;
  const staticFields: StaticField[] = [];
  staticFields.push({ name: 'index_date', variableId: null, kind: 'index', unit: 'days', codec: input.index, offset, maskOffset: null });
  offset += 1;
  for (const v of input.staticVars) {
    const codec = input.staticCodec(v);
    const hasMask = input.staticMasked(v);
    staticFields.push({ name: v.name, variableId: v.id, kind: v.kind, unit: v.unit, codec, offset, maskOffset: hasMask ? offset + codecWidth(codec) : null });
    offset += codecWidth(codec) + (hasMask ? 1 : 0);
  }
  const staticWidth = offset;

  offset = 0;
  let gapField: Encoding['gap'] = null;
  if (input.gap) {
    gapField = { ...input.gap, offset: 0 };
    offset = 1;
  }
  const measurementFields: MeasurementField[] = [];
  for (const v of input.measVars) {
    const codec = input.measurementCodec(v);
    const width = codecWidth(codec);
    const since = ts.mode === 'grid' && ts.carryForward;
    measurementFields.push({
      name: v.name,
      variableId: v.id,
      kind: v.kind,
      unit: v.unit,
      codec,
      aggregate: input.aggregateOf(v.id),
      offset,
      maskOffset: offset + width,
      sinceOffset: since ? offset + width + 1 : null,
    });
    offset += width + 1 + (since ? 1 : 0);
  }
  const eventFields: EventField[] = [...input.eventTypes].sort().map((type) => ({ type, offset: offset++ }));
  const stepWidth = offset;

  const levels: OutcomeLevel[] = [
    { status: 0, eventType: null, label: 'censored' },
    ...def.outcome.events.map((t) => ({ status: 1 as const, eventType: t, label: t })),
    ...def.outcome.competing.map((t) => ({ status: 2 as const, eventType: t, label: `${t} (competing)` })),
  ];
  return {
    version: 1,
    mode: ts.mode,
    binDays: ts.mode === 'grid' ? ts.binDays! : null,
    carryForward: ts.mode === 'grid' && ts.carryForward,
    maxLength: input.maxLength,
    fromDays: def.window.fromDays,
    timeBasis: input.timeBasis,
    timeDecimals: input.timeDecimals,
    gap: gapField,
    statics: staticFields,
    measurements: measurementFields,
    events: eventFields,
    outcome: { tail: input.tail, tailOffset: 0, levels, levelOffset: 1 },
    staticWidth,
    stepWidth,
    outcomeWidth: 1 + levels.length,
    fittedOn: input.fittedOn,
  };
}
