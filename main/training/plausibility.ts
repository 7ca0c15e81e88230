import { scale, unscale } from '../sequence/codecs.js';
import type { Encoding } from '../sequence/encoding.js';
import type { PatientTimeline } from '../sequence/timeline.js';

/** Observed ranges in the training split, per variable (dates as days from index), and of the index date. */
export interface ObservedRanges {
  index: [number, number];
  /** Days from index to the end of follow-up. */
  followUp: [number, number];
  variables: Map<number, [number, number]>;
  /** Per numeric variable (not dates), the values 3 or more training values share, ascending (see snapToCommon). */
  common: Map<number, Float64Array>;
}

/** A value becomes common when at least this many training values share it (as output bins make point masses). */
const LEAST_COMMON = 3;

export function observedRanges(timelines: Iterable<PatientTimeline>, enc: Encoding): ObservedRanges {
  const dated = new Set([...enc.statics, ...enc.measurements].filter((f) => f.kind === 'date').map((f) => f.variableId));
  const ranges = new Map<number, [number, number]>();
  const index: [number, number] = [Infinity, -Infinity];
  const followUp: [number, number] = [Infinity, -Infinity];
  const widen = (id: number, x: number) => {
    const r = ranges.get(id);
    if (!r) ranges.set(id, [x, x]);
    else {
      r[0] = Math.min(r[0], x);
      r[1] = Math.max(r[1], x);
    }
  };
  const counts = new Map<number, Map<number, number>>();
  const count = (id: number, x: number) => {
    let c = counts.get(id);
    if (!c) counts.set(id, (c = new Map()));
    c.set(x, (c.get(x) ?? 0) + 1);
  };
  for (const tl of timelines) {
    index[0] = Math.min(index[0], tl.indexTime);
    index[1] = Math.max(index[1], tl.indexTime);
    followUp[0] = Math.min(followUp[0], tl.outcome.days);
    followUp[1] = Math.max(followUp[1], tl.outcome.days);
    for (const [id, v] of tl.statics) if (v.num !== null) widen(id, dated.has(id) ? v.num - tl.indexTime : v.num);
    for (const m of tl.measurements) if (m.num !== null) widen(m.variableId, dated.has(m.variableId) ? m.num - tl.indexTime : m.num);
    for (const [id, v] of tl.statics) if (v.num !== null && !dated.has(id)) count(id, v.num);
    for (const m of tl.measurements) if (m.num !== null && !dated.has(m.variableId)) count(m.variableId, m.num);
  }
  const common = new Map([...counts].map(([id, c]) => [id, Float64Array.from([...c].filter(([, n]) => n >= LEAST_COMMON).map(([x]) => x)).sort()]));
  return { index, followUp, variables: ranges, common };
}

/**
 * Snaps a generated numeric value that lies within float32 precision of a common
 * training value (one 3+ values share: a dose of 0, a lab's reporting step) onto
 * it. Values go through a float32 encoding and back, so a point mass the model
 * means exactly comes back 1e-8 off, and a summary such as "lowest protein is
 * exactly 0" tells real patients from synthetic ones.
 */
export function snapToCommon(tl: PatientTimeline, ranges: ObservedRanges): PatientTimeline {
  const snap = (id: number, x: number) => {
    const values = ranges.common.get(id);
    const r = ranges.variables.get(id);
    if (!values?.length || !r) return x;
    const tolerance = 1e-6 * Math.max(r[1] - r[0], Math.abs(x), 1e-9);
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    for (const i of [lo - 1, lo]) if (i >= 0 && Math.abs(values[i]! - x) <= tolerance) return values[i]!;
    return x;
  };
  const statics = new Map([...tl.statics].map(([id, v]) => [id, v.num === null || !ranges.common.has(id) ? v : { ...v, num: snap(id, v.num) }]));
  const measurements = tl.measurements.map((m) => (m.num === null || !ranges.common.has(m.variableId) ? m : { ...m, num: snap(m.variableId, m.num) }));
  return { ...tl, statics, measurements };
}

export const RULES = ['after-death-or-censoring', 'out-of-range', 'invalid-category', 'inconsistent-age-or-date', 'non-increasing-time'] as const;
export type Rule = (typeof RULES)[number];
export type ViolationCounts = Record<Rule, number>;

export const noViolations = (): ViolationCounts => Object.fromEntries(RULES.map((r) => [r, 0])) as ViolationCounts;

/**
 * Checks one generated patient against the plausibility rules, counts each
 * violation, and repairs it: nothing after death (the timeline ends at the
 * first in-sequence outcome event), values clamped to the observed range
 * widened by `margin` (a share of the range), categories kept to known levels,
 * dates (ages) clamped likewise. (Strictly increasing visit times are
 * enforced on the gap channel before decoding: see `enforceIncreasingTimes`.)
 */
export function repair(tl: PatientTimeline, enc: Encoding, ranges: ObservedRanges, margin: number, counts: ViolationCounts, outcomeTypes: string[]): PatientTimeline {
  const round = (x: number, decimals: number | null) => (decimals === null ? x : Math.round(x * 10 ** decimals) / 10 ** decimals);
  /** Clamps to the observed range widened by the margin, at the value's precision (see `insideExtremes`). */
  const clamp = (x: number, r: [number, number] | undefined, rule: Rule, decimals: number | null) => {
    if (!r) return round(x, decimals);
    const pad = (r[1] - r[0]) * margin;
    if (x >= r[0] - pad && x <= r[1] + pad) return round(x, decimals);
    counts[rule]++;
    return insideExtremes(round(x < r[0] ? r[0] - pad : r[1] + pad, decimals), r, decimals);
  };

  // The index date itself.
  const indexField = enc.statics.find((f) => f.variableId === null)!;
  const indexTime = clamp(tl.indexTime, ranges.index, 'inconsistent-age-or-date', indexField.codec.type === 'numeric' ? indexField.codec.decimals : 0);

  const statics = new Map(tl.statics);
  for (const f of enc.statics) {
    if (f.variableId === null) continue;
    const v = statics.get(f.variableId);
    if (!v) continue;
    if (f.codec.type === 'numeric' && v.num !== null) {
      const decimals = f.codec.decimals;
      if (f.kind === 'date') statics.set(f.variableId, { num: indexTime + clamp(v.num - tl.indexTime, ranges.variables.get(f.variableId), 'inconsistent-age-or-date', decimals), txt: null });
      else statics.set(f.variableId, { num: clamp(v.num, ranges.variables.get(f.variableId), 'out-of-range', decimals), txt: null });
    } else if (f.codec.type !== 'numeric' && !f.codec.levels.includes(v.txt ?? String(v.num))) {
      counts['invalid-category']++;
      statics.delete(f.variableId);
    }
  }

  // The timeline ends at the first outcome event inside it.
  const shift = indexTime - tl.indexTime;
  let events = tl.events.map((e) => ({ ...e, time: e.time + shift }));
  let measurements = tl.measurements.map((m) => ({ ...m, time: m.time + shift }));
  let outcome = tl.outcome;
  const death = events.find((e) => outcomeTypes.includes(e.type));
  if (death) {
    const after = measurements.filter((m) => m.time > death.time).length + events.filter((e) => e.time > death.time).length;
    if (after > 0 || death.time - indexTime < outcome.days) {
      counts['after-death-or-censoring']++;
      measurements = measurements.filter((m) => m.time <= death.time);
      events = events.filter((e) => e.time <= death.time);
      outcome = { days: death.time - indexTime, status: 1, eventType: death.type };
    }
  }
  // Follow-up no longer than observed (widened by the margin): records beyond it are dropped,
  // and the end of follow-up is never before the last record.
  const pad = (ranges.followUp[1] - ranges.followUp[0]) * margin;
  const longest = indexTime + ranges.followUp[1] + pad;
  const tooLate = measurements.filter((m) => m.time > longest).length + events.filter((e) => e.time > longest).length;
  if (tooLate) {
    counts['out-of-range']++;
    measurements = measurements.filter((m) => m.time <= longest);
    events = events.filter((e) => e.time <= longest);
  }
  const lastRecord = Math.max(indexTime, ...measurements.map((m) => m.time), ...events.map((e) => e.time)) - indexTime;
  const days = clamp(outcome.days, [ranges.followUp[0], ranges.followUp[1]], 'out-of-range', enc.timeDecimals);
  if (days !== outcome.days || days < lastRecord) outcome = { ...outcome, days: Math.max(lastRecord, round(days, enc.timeDecimals)) };
  const end = indexTime + outcome.days;
  const beyond = measurements.filter((m) => m.time > end).length + events.filter((e) => e.time > end).length;
  if (beyond) {
    counts['after-death-or-censoring']++;
    measurements = measurements.filter((m) => m.time <= end);
    events = events.filter((e) => e.time <= end);
  }
  // An outcome event inside the timeline is the outcome: it stays at the end of follow-up
  // when the clamps above move that end.
  if (outcome.status !== 0) events = events.map((e) => (e.type === outcome.eventType && e.time !== end ? { ...e, time: end } : e));

  const byId = new Map(enc.measurements.map((f) => [f.variableId, f]));
  measurements = measurements.flatMap((m) => {
    const f = byId.get(m.variableId)!;
    if (f.codec.type === 'numeric' && m.num !== null) {
      const rel = f.kind === 'date';
      const x = clamp(rel ? m.num - indexTime : m.num, ranges.variables.get(f.variableId), rel ? 'inconsistent-age-or-date' : 'out-of-range', f.codec.decimals);
      return [{ ...m, num: round(rel ? indexTime + x : x, f.codec.decimals) }];
    }
    if (f.codec.type !== 'numeric' && !f.codec.levels.includes(m.txt ?? String(m.num))) {
      counts['invalid-category']++;
      return [];
    }
    return [m];
  });
  return { patientId: tl.patientId, indexTime, statics, measurements, events, outcome };
}

/**
 * A clamped value that lands on a training extreme would copy a real patient's
 * exact value by construction (always so with margin 0): it is moved one step
 * of the value's precision inside the range instead (a thousandth of the range
 * for values kept at full precision). A range narrower than that step is left.
 */
export function insideExtremes(x: number, r: [number, number], decimals: number | null): number {
  const step = decimals === null ? (r[1] - r[0]) / 1000 : 10 ** -decimals;
  if (r[1] - r[0] <= 2 * step) return x;
  const snap = (y: number) => (decimals === null ? y : Math.round(y * 10 ** decimals) / 10 ** decimals);
  if (x === r[1]) return snap(r[1] - step);
  if (x === r[0]) return snap(r[0] + step);
  return x;
}

/**
 * Irregular mode: a generated gap that decodes to less than one time unit
 * would put two visits at one time. Counted, and raised to one unit.
 */
export function enforceIncreasingTimes(sequence: Float32Array | Float64Array, length: number, enc: Encoding, counts: ViolationCounts): void {
  if (!enc.gap) return;
  const quantum = 10 ** -(enc.timeDecimals ?? 0);
  for (let k = 1; k < length; k++) {
    const at = k * enc.stepWidth + enc.gap.offset;
    if (unscale(enc.gap.scaler, sequence[at]!) < quantum / 2) {
      counts['non-increasing-time']++;
      sequence[at] = scale(enc.gap.scaler, quantum);
    }
  }
}
