import { roundTo, storedLevel, unscale, type ValueCodec } from './codecs.js';
import type { EncodedPatient, Encoding } from './encoding.js';
import type { Observation, PatientTimeline, StoredValue, TimelineEvent } from './timeline.js';

/**
 * Turns one encoded patient back into store units: the index date, statics
 * (dates from the index), measurements at their times (irregular: the sum of
 * the gaps; grid: the bin start), events and the outcome. Works on generated
 * tensors too: masks and one-hots are read by threshold and arg-max, gaps
 * below zero read as zero, so times never go backwards.
 */
export function decodePatient(p: EncodedPatient, enc: Encoding): PatientTimeline {
  const indexField = enc.statics.find((f) => f.variableId === null)!;
  const indexTime = readNumber(indexField.codec, p.statics, indexField.offset, enc.timeDecimals);
  const statics = new Map<number, StoredValue>();
  for (const f of enc.statics) {
    if (f.variableId === null) continue;
    if (f.maskOffset !== null && p.statics[f.maskOffset]! < 0.5) continue;
    const value = readValue(f.codec, p.statics, f.offset, f.kind, f.kind === 'date' ? indexTime : null);
    if (value) statics.set(f.variableId, value);
  }

  const measurements: Observation[] = [];
  const events: TimelineEvent[] = [];
  const w = enc.stepWidth;
  const rel = (t: number) => roundTo(t, enc.timeDecimals);
  let relTime = enc.fromDays;
  for (let k = 0; k < p.length; k++) {
    const row = k * w;
    if (enc.gap) relTime = rel(relTime + Math.max(0, unscale(enc.gap.scaler, p.sequence[row + enc.gap.offset]!)));
    else relTime = rel(enc.fromDays + k * enc.binDays!);
    const time = indexTime + relTime;
    for (const f of enc.measurements) {
      if (p.sequence[row + f.maskOffset]! < 0.5) continue;
      const value = readValue(f.codec, p.sequence, row + f.offset, f.kind, f.kind === 'date' ? indexTime : null);
      if (value) measurements.push({ time, variableId: f.variableId, ...value });
    }
    for (const e of enc.events) {
      const count = Math.max(0, Math.round(p.sequence[row + e.offset]!));
      for (let i = 0; i < count; i++) events.push({ time, type: e.type });
    }
  }

  const tail = Math.max(0, unscale(enc.outcome.tail.scaler, p.outcome[enc.outcome.tailOffset]!));
  const level = outcomeLevel(enc, p.outcome);
  return {
    patientId: p.patientId,
    indexTime,
    statics,
    measurements,
    events,
    outcome: { days: rel(relTime + tail), status: level.status, eventType: level.eventType },
  };
}

function readNumber(codec: ValueCodec, from: Float64Array, offset: number, decimals: number | null): number {
  if (codec.type !== 'numeric') throw new Error('expected a numeric codec');
  return roundTo(unscale(codec.scaler, from[offset]!), decimals ?? codec.decimals);
}

function readValue(codec: ValueCodec, from: Float64Array, offset: number, kind: string, relativeTo: number | null): StoredValue | null {
  switch (codec.type) {
    case 'numeric': {
      const x = roundTo(unscale(codec.scaler, from[offset]!), codec.decimals);
      return { num: relativeTo === null ? x : relativeTo + x, txt: null };
    }
    case 'binary': {
      if (codec.levels.length === 0) return null;
      const i = codec.levels.length === 1 ? 0 : from[offset]! >= 0.5 ? 1 : 0;
      return storedLevel(codec.levels[i]!, 'binary');
    }
    case 'onehot': {
      if (codec.levels.length === 0) return null;
      let best = 0;
      for (let i = 1; i < codec.levels.length; i++) if (from[offset + i]! > from[offset + best]!) best = i;
      return storedLevel(codec.levels[best]!, kind === 'binary' ? 'binary' : 'categorical');
    }
  }
}

/** The outcome level an encoded outcome holds: the largest of its status channels. */
export function outcomeLevel(enc: Encoding, outcome: ArrayLike<number>): Encoding['outcome']['levels'][number] {
  const levels = enc.outcome.levels;
  let best = 0;
  for (let i = 1; i < levels.length; i++) if (outcome[enc.outcome.levelOffset + i]! > outcome[enc.outcome.levelOffset + best]!) best = i;
  return levels[best]!;
}
