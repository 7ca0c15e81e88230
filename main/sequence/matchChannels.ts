import { scale, unscale, type NumericCodec, type ValueCodec } from './codecs.js';
import type { Encoding, MeasurementField, StaticField } from './encoding.js';

/*
 * Which channels of one encoding (a trained model's: the source) mean the same
 * as channels of another (a new cohort's: the target), for starting a model of
 * the target from the source's weights (issue 17). Variables match by name and
 * kind, and by unit where both have one; categories level by level; events by
 * type; the index date, the gap between steps and the outcome's time and status
 * by what they are. A matched numeric column is re-based: the target's scaler
 * is fitted to the target's patients, so the source column that means the same
 * value is an affine function of the target's, x_source = scale x_target + shift
 * (exact where both transforms are alike, else the closest line, and the table says so).
 */

export type Part = 'statics' | 'step' | 'outcome';

/** One channel (a variable, an event type, a time) of either encoding, and what became of it. */
export interface ChannelRow {
  part: Part;
  channel: string;
  kind: string;
  unit: string | null;
  /** matched: the source's weights carry over; new: the target's alone (fresh weights); dropped: the source's alone (unused). */
  status: 'matched' | 'new' | 'dropped';
  /** Why a channel is new though the source has one of that name, or what of it matched (levels). */
  note: string | null;
}

/**
 * Per column of a target part: the source column that means the same (-1: none), the affine map
 * between them, and the column of its observed-mask (-1: none). A missing value is 0 in both
 * encodings, so a value's shift holds only where it is observed: x_source = scale x_target + shift mask.
 */
export interface ColumnMap {
  from: Int32Array;
  scale: Float64Array;
  shift: Float64Array;
  mask: Int32Array;
}

export interface ChannelMatching {
  rows: ChannelRow[];
  statics: ColumnMap;
  step: ColumnMap;
  outcome: ColumnMap;
  /** What makes the two encodings' steps or times mean different things (then nothing of a step matches): empty when they agree. */
  conflicts: string[];
}

const emptyMap = (width: number): ColumnMap => ({ from: new Int32Array(width).fill(-1), scale: new Float64Array(width).fill(1), shift: new Float64Array(width), mask: new Int32Array(width).fill(-1) });

/**
 * x_source = scale x_target + shift for a numeric value encoded by both: exact where the two
 * transforms are the same kind (and, on the log scale, the same shift), else the least-squares line
 * over the target's bulk (x from -2 to 2), with what differs (the automatic transform follows each
 * cohort's skew, so one lab may be log-scaled in one cohort and not in another).
 */
export function rebase(source: NumericCodec, target: NumericCodec): { scale: number; shift: number; approximate: string | null } {
  const s = source.scaler;
  const t = target.scaler;
  if (s.kind === 'minmax' && t.kind === 'minmax') {
    const ws = s.max - s.min;
    return { scale: (t.max - t.min) / ws, shift: (t.min - s.min) / ws, approximate: null };
  }
  const sameLog = s.kind === 'log' && t.kind === 'log' && s.shift === t.shift;
  if ((s.kind === 'standard' && t.kind === 'standard') || sameLog) {
    const [ss, ts] = [s as { mean: number; sd: number }, t as { mean: number; sd: number }];
    return { scale: ts.sd / ss.sd, shift: (ts.mean - ss.mean) / ss.sd, approximate: null };
  }
  const xs = Array.from({ length: 41 }, (_, i) => -2 + i / 10);
  const ys = xs.map((x) => scale(s, unscale(t, x)));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const why = s.kind === t.kind ? `log-scaled with shifts ${(s as { shift: number }).shift} and ${(t as { shift: number }).shift}` : `scaled ${s.kind} in the source, ${t.kind} here`;
  return { scale: slope, shift: my - slope * mx, approximate: `re-based approximately (${why})` };
}

/** How one value's columns map (target column -> source column, affine), or why they do not. */
function codecColumns(source: ValueCodec, target: ValueCodec): { pairs: [number, number, number, number][]; note: string | null; matched: boolean } {
  if (source.type === 'numeric' && target.type === 'numeric') {
    const r = rebase(source, target);
    return Number.isFinite(r.scale) && Number.isFinite(r.shift) ? { pairs: [[0, 0, r.scale, r.shift]], note: r.approximate, matched: true } : { pairs: [], note: 'its scalers cannot be related', matched: false };
  }
  if (source.type === 'binary' && target.type === 'binary') {
    // The channel holds the level's index: the same levels in the other order flip it.
    const same = source.levels.join('\u0000') === target.levels.join('\u0000');
    const flipped = source.levels.length === 2 && target.levels.length === 2 && source.levels[0] === target.levels[1] && source.levels[1] === target.levels[0];
    if (same) return { pairs: [[0, 0, 1, 0]], note: null, matched: true };
    if (flipped) return { pairs: [[0, 0, -1, 1]], note: 'levels in the other order', matched: true };
    return { pairs: [], note: `levels ${target.levels.join(', ')} here, ${source.levels.join(', ')} in the source`, matched: false };
  }
  if (source.type === 'onehot' && target.type === 'onehot') {
    const pairs: [number, number, number, number][] = [];
    target.levels.forEach((level, i) => {
      const j = source.levels.indexOf(level);
      if (j >= 0) pairs.push([i, j, 1, 0]);
    });
    const added = target.levels.filter((l) => !source.levels.includes(l));
    const gone = source.levels.filter((l) => !target.levels.includes(l));
    const note = [added.length ? `new levels: ${added.join(', ')}` : '', gone.length ? `levels dropped: ${gone.join(', ')}` : ''].filter(Boolean).join('; ') || null;
    return { pairs, note, matched: pairs.length > 0 };
  }
  return { pairs: [], note: `encoded ${source.type} in the source, ${target.type} here`, matched: false };
}

type Field = Pick<StaticField, 'name' | 'kind' | 'unit' | 'codec' | 'offset'> & { maskOffset: number | null; sinceOffset?: number | null };

/** A field's label in the table: a variable's name, or what the index date is. */
const label = (f: Field) => (f.kind === 'index' ? 'index date' : f.name);

/** Matches the fields of one part (statics or measurements) by name, kind and unit, into the part's map; returns the table's rows. */
function matchFields(part: Part, source: readonly Field[], target: readonly Field[], map: ColumnMap): ChannelRow[] {
  const rows: ChannelRow[] = [];
  const set = (to: number, from: number, scale = 1, shift = 0) => {
    map.from[to] = from;
    map.scale[to] = scale;
    map.shift[to] = shift;
  };
  for (const t of target) {
    const row = (status: ChannelRow['status'], note: string | null): ChannelRow => ({ part, channel: label(t), kind: t.kind, unit: t.unit, status, note });
    const s = source.find((f) => f.name === t.name && (f.kind === 'index') === (t.kind === 'index'));
    if (!s) {
      rows.push(row('new', null));
      continue;
    }
    if (s.kind !== t.kind) {
      rows.push(row('new', `${s.kind} in the source`));
      continue;
    }
    if (s.unit && t.unit && s.unit !== t.unit) {
      rows.push(row('new', `in ${s.unit} in the source`));
      continue;
    }
    const columns = codecColumns(s.codec, t.codec);
    if (!columns.matched) {
      rows.push(row('new', columns.note));
      continue;
    }
    for (const [to, from, scale, shift] of columns.pairs) {
      set(t.offset + to, s.offset + from, scale, shift);
      if (t.maskOffset !== null) map.mask[t.offset + to] = t.maskOffset;
    }
    // A mask (1: observed) and the years since a value was seen mean the same in both, where both have them.
    if (t.maskOffset !== null && s.maskOffset !== null) set(t.maskOffset, s.maskOffset);
    if (t.sinceOffset != null && s.sinceOffset != null) set(t.sinceOffset, s.sinceOffset);
    rows.push(row('matched', columns.note));
  }
  for (const s of source) {
    if (!target.some((t) => t.name === s.name && (t.kind === 'index') === (s.kind === 'index'))) rows.push({ part, channel: label(s), kind: s.kind, unit: s.unit, status: 'dropped', note: null });
  }
  return rows;
}

/** What makes steps or times mean different things in the two encodings. */
function conflictsOf(source: Encoding, target: Encoding): string[] {
  const out: string[] = [];
  if (source.mode !== target.mode) out.push(`steps are ${source.mode} in the source, ${target.mode} here`);
  else if (source.mode === 'grid' && source.binDays !== target.binDays) out.push(`steps are ${source.binDays}-day bins in the source, ${target.binDays}-day here`);
  if (source.timeBasis !== target.timeBasis) out.push(`times are ${source.timeBasis} in the source, ${target.timeBasis} here`);
  return out;
}

/** The channels of `source` (a trained model's encoding) that mean the same in `target`, column by column. */
export function matchChannels(source: Encoding, target: Encoding): ChannelMatching {
  const statics = emptyMap(target.staticWidth);
  const step = emptyMap(target.stepWidth);
  const outcome = emptyMap(target.outcomeWidth);
  const conflicts = conflictsOf(source, target);
  const rows: ChannelRow[] = [];
  // The index date is a calendar date or nothing (times relative to it): it matches only where the times agree.
  const sameTimes = conflicts.length === 0;
  rows.push(...matchFields('statics', sameTimes ? source.statics : source.statics.filter((f) => f.kind !== 'index'), sameTimes ? target.statics : target.statics.filter((f) => f.kind !== 'index'), statics));
  if (sameTimes) {
    const measurementFields = (e: Encoding): Field[] => e.measurements.map((m: MeasurementField) => ({ ...m }));
    if (source.gap && target.gap) rows.push(...matchFields('step', [{ name: 'gap', kind: 'numeric', unit: 'days', codec: source.gap, offset: source.gap.offset, maskOffset: null }], [{ name: 'gap', kind: 'numeric', unit: 'days', codec: target.gap, offset: target.gap.offset, maskOffset: null }], step));
    rows.push(...matchFields('step', measurementFields(source), measurementFields(target), step));
    for (const e of target.events) {
      const s = source.events.find((x) => x.type === e.type);
      if (s) step.from[e.offset] = s.offset;
      rows.push({ part: 'step', channel: `event ${e.type}`, kind: 'event', unit: null, status: s ? 'matched' : 'new', note: null });
    }
    for (const s of source.events) if (!target.events.some((e) => e.type === s.type)) rows.push({ part: 'step', channel: `event ${s.type}`, kind: 'event', unit: null, status: 'dropped', note: null });
  } else {
    const stepChannels = (e: Encoding) => [...e.measurements.map((m) => ({ channel: m.name, kind: m.kind as string, unit: m.unit })), ...e.events.map((x) => ({ channel: `event ${x.type}`, kind: 'event', unit: null }))];
    rows.push(...stepChannels(target).map((c): ChannelRow => ({ part: 'step', ...c, status: 'new', note: conflicts.join('; ') })));
    rows.push(...stepChannels(source).map((c): ChannelRow => ({ part: 'step', ...c, status: 'dropped', note: null })));
  }
  // The outcome: its time after the last step, and its status level by level (what ends follow-up).
  rows.push(...matchFields('outcome', [{ name: 'follow-up after the last step', kind: 'numeric', unit: 'days', codec: source.outcome.tail, offset: source.outcome.tailOffset, maskOffset: null }], [{ name: 'follow-up after the last step', kind: 'numeric', unit: 'days', codec: target.outcome.tail, offset: target.outcome.tailOffset, maskOffset: null }], outcome));
  for (const [i, level] of target.outcome.levels.entries()) {
    const j = source.outcome.levels.findIndex((l) => l.status === level.status && l.eventType === level.eventType);
    if (j >= 0) outcome.from[target.outcome.levelOffset + i] = source.outcome.levelOffset + j;
    rows.push({ part: 'outcome', channel: `status ${level.label}`, kind: 'status', unit: null, status: j >= 0 ? 'matched' : 'new', note: null });
  }
  for (const l of source.outcome.levels) if (!target.outcome.levels.some((x) => x.status === l.status && x.eventType === l.eventType)) rows.push({ part: 'outcome', channel: `status ${l.label}`, kind: 'status', unit: null, status: 'dropped', note: null });
  return { rows, statics, step, outcome, conflicts };
}

/** The matching as a table (the CLI prints it; a run stores it): each channel, its part, what became of it and why. */
export function matchingTable(m: ChannelMatching): string[] {
  const count = (s: ChannelRow['status']) => m.rows.filter((r) => r.status === s).length;
  return [
    `${count('matched')} channels matched, ${count('new')} new, ${count('dropped')} dropped${m.conflicts.length ? ` (${m.conflicts.join('; ')}: no step channel matches)` : ''}`,
    ...m.rows.map((r) => `  ${r.status.padEnd(8)} ${r.part.padEnd(8)} ${r.channel}${r.unit ? ` (${r.unit})` : ''}${r.note ? `: ${r.note}` : ''}`),
  ];
}
