import type { VariableKind } from '../ingest/mapping.js';
import type { ValueCodec, NumericCodec } from './codecs.js';

/*
 * The layout of an encoded cohort and every fitted transform: enough to turn
 * tensors back into patients in real units. Stored as JSON with the cohort.
 *
 * statics  [index date][per static: value channel(s), mask when some member lacks it]
 * step     [gap (irregular)][per measurement: value channel(s), mask, since? (grid + carry-forward)][per event type: count]
 * outcome  [tail: days from the last step to the event/censoring][status one-hot]
 */

export interface StaticField {
  name: string;
  /** Null for the index date itself. */
  variableId: number | null;
  kind: VariableKind | 'index';
  unit: string | null;
  codec: ValueCodec;
  offset: number;
  /** Present when some member lacks the value: 1 observed, 0 missing. */
  maskOffset: number | null;
}

export interface MeasurementField {
  name: string;
  variableId: number;
  kind: VariableKind;
  unit: string | null;
  codec: ValueCodec;
  aggregate: 'last' | 'mean' | 'max';
  offset: number;
  maskOffset: number;
  /** Grid with carry-forward: years since the variable was last observed. */
  sinceOffset: number | null;
}

export interface EventField {
  type: string;
  offset: number;
}

export interface OutcomeLevel {
  status: 0 | 1 | 2;
  eventType: string | null;
  label: string;
}

export interface Encoding {
  version: 1;
  mode: 'irregular' | 'grid';
  binDays: number | null;
  carryForward: boolean;
  maxLength: number;
  /** Window start relative to the index date. */
  fromDays: number;
  timeBasis: 'calendar' | 'relative';
  /** Decimals of times relative to the index (0: whole days); null: not rounded. */
  timeDecimals: number | null;
  gap: (NumericCodec & { offset: number }) | null;
  statics: StaticField[];
  measurements: MeasurementField[];
  events: EventField[];
  outcome: { tail: NumericCodec; tailOffset: number; levels: OutcomeLevel[]; levelOffset: number };
  staticWidth: number;
  stepWidth: number;
  outcomeWidth: number;
  /** What the codecs were fitted to: the training split, or a private release of facts about it and facts declared public (privacy/facts). */
  fittedOn: 'train' | 'private';
}

/** A cohort, or a batch of it, as model-ready arrays (row-major). */
export interface EncodedBatch {
  patientIds: number[];
  /** N x staticWidth */
  statics: Float64Array;
  /** N x maxLength x stepWidth, zero after each sequence's length */
  sequences: Float64Array;
  lengths: Int32Array;
  /** N x outcomeWidth */
  outcomes: Float64Array;
  /** Patients whose sequence was cut at maxLength. */
  truncated: number;
}

export interface EncodedPatient {
  patientId: number;
  statics: Float64Array;
  sequence: Float64Array;
  length: number;
  outcome: Float64Array;
  truncated: boolean;
}
