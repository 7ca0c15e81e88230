import { levelOf } from '../common/levels.js';
import { scale, type ValueCodec } from './codecs.js';
import type { EncodedBatch, EncodedPatient, Encoding } from './encoding.js';
import { stepsOf, type GridOptions } from './steps.js';
import type { PatientTimeline, StoredValue } from './timeline.js';

const DAYS_PER_YEAR = 365.25;

export function gridOptionsOf(enc: Encoding): GridOptions | null {
  if (enc.mode !== 'grid') return null;
  const byId = new Map(enc.measurements.map((m) => [m.variableId, m.aggregate]));
  return { binDays: enc.binDays!, fromDays: enc.fromDays, aggregateOf: (id) => byId.get(id) ?? 'last' };
}

/** Writes one value into `out` at `offset` through its codec. */
function writeValue(out: Float64Array, offset: number, codec: ValueCodec, value: StoredValue, relativeTo: number | null): void {
  switch (codec.type) {
    case 'numeric':
      out[offset] = scale(codec.scaler, value.num! - (relativeTo ?? 0));
      return;
    case 'binary':
      out[offset] = Math.max(0, codec.levels.indexOf(levelOf(value.num, value.txt)!));
      return;
    case 'onehot': {
      const i = codec.levels.indexOf(levelOf(value.num, value.txt)!);
      if (i >= 0) out[offset + i] = 1;
    }
  }
}

/** One patient's statics, time steps (padded to maxLength) and outcome, as numbers. */
export function encodePatient(tl: PatientTimeline, enc: Encoding): EncodedPatient {
  const statics = new Float64Array(enc.staticWidth);
  for (const f of enc.statics) {
    if (f.variableId === null) {
      writeValue(statics, f.offset, f.codec, { num: tl.indexTime, txt: null }, null);
      continue;
    }
    const value = tl.statics.get(f.variableId);
    const present = value !== undefined && (value.num !== null || value.txt !== null);
    if (present) writeValue(statics, f.offset, f.codec, value, f.kind === 'date' ? tl.indexTime : null);
    if (f.maskOffset !== null) statics[f.maskOffset] = present ? 1 : 0;
  }

  const all = stepsOf(tl, enc.mode, gridOptionsOf(enc));
  const steps = all.slice(0, enc.maxLength);
  const w = enc.stepWidth;
  const sequence = new Float64Array(enc.maxLength * w);
  const eventOffset = new Map(enc.events.map((e) => [e.type, e.offset]));
  const lastSeen = new Map<number, number>(); // variable id -> step index (carry-forward)
  let prev = enc.fromDays;
  steps.forEach((step, k) => {
    const row = k * w;
    if (enc.gap) sequence[row + enc.gap.offset] = scale(enc.gap.scaler, step.relTime - prev);
    prev = step.relTime;
    for (const f of enc.measurements) {
      const value = step.values.get(f.variableId);
      if (value) {
        writeValue(sequence, row + f.offset, f.codec, value, f.kind === 'date' ? tl.indexTime : null);
        sequence[row + f.maskOffset] = 1;
        lastSeen.set(f.variableId, k);
      } else if (f.sinceOffset !== null) {
        const seen = lastSeen.get(f.variableId);
        const width = f.maskOffset - f.offset;
        if (seen !== undefined) sequence.copyWithin(row + f.offset, seen * w + f.offset, seen * w + f.offset + width);
        sequence[row + f.sinceOffset] = ((seen === undefined ? k + 1 : k - seen) * enc.binDays!) / DAYS_PER_YEAR;
      }
    }
    for (const [type, count] of step.events) {
      const o = eventOffset.get(type);
      if (o !== undefined) sequence[row + o] = count;
    }
  });

  const outcome = new Float64Array(enc.outcomeWidth);
  outcome[enc.outcome.tailOffset] = scale(enc.outcome.tail.scaler, tl.outcome.days - prev);
  const level = enc.outcome.levels.findIndex((l) => l.status === tl.outcome.status && (l.status === 0 || l.eventType === tl.outcome.eventType));
  outcome[enc.outcome.levelOffset + Math.max(0, level)] = 1;
  return { patientId: tl.patientId, statics, sequence, length: steps.length, outcome, truncated: all.length > steps.length };
}

/** Encodes many patients into one set of row-major arrays. */
export function encodeBatch(timelines: Iterable<PatientTimeline>, enc: Encoding): EncodedBatch {
  const encoded = [...timelines].map((tl) => encodePatient(tl, enc));
  const n = encoded.length;
  const batch: EncodedBatch = {
    patientIds: encoded.map((e) => e.patientId),
    statics: new Float64Array(n * enc.staticWidth),
    sequences: new Float64Array(n * enc.maxLength * enc.stepWidth),
    lengths: new Int32Array(n),
    outcomes: new Float64Array(n * enc.outcomeWidth),
    truncated: encoded.filter((e) => e.truncated).length,
  };
  encoded.forEach((e, i) => {
    batch.statics.set(e.statics, i * enc.staticWidth);
    batch.sequences.set(e.sequence, i * enc.maxLength * enc.stepWidth);
    batch.lengths[i] = e.length;
    batch.outcomes.set(e.outcome, i * enc.outcomeWidth);
  });
  return batch;
}

/** Row `i` of a batch, as one patient. */
export function patientOf(batch: EncodedBatch, enc: Encoding, i: number): EncodedPatient {
  const seq = enc.maxLength * enc.stepWidth;
  return {
    patientId: batch.patientIds[i]!,
    statics: batch.statics.subarray(i * enc.staticWidth, (i + 1) * enc.staticWidth),
    sequence: batch.sequences.subarray(i * seq, (i + 1) * seq),
    length: batch.lengths[i]!,
    outcome: batch.outcomes.subarray(i * enc.outcomeWidth, (i + 1) * enc.outcomeWidth),
    truncated: false,
  };
}
