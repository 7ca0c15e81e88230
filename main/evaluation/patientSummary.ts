import type { Encoding } from '../sequence/encoding.js';
import type { PatientTimeline } from '../sequence/timeline.js';

/*
 * One row of plain numbers per patient, in real units, for a tree classifier:
 * per measured variable its first, last, mean, min, max, slope per year and
 * count; the visits, the mean and spread of the gaps between them, the
 * follow-up, the outcome, the events and the statics. Missing is NaN.
 */

const YEAR = 365.25;
const PER_VARIABLE = ['first', 'last', 'mean', 'min', 'max', 'slope per year', 'count'] as const;

/** The names of the summary columns, e.g. "a1c: slope per year", in column order. */
export function summaryFeatureNames(enc: Encoding): string[] {
  return [
    ...enc.measurements.flatMap((m) => PER_VARIABLE.map((s) => `${m.name}: ${s}`)),
    'visits',
    'days between visits: mean',
    'days between visits: spread',
    'follow-up days',
    ...enc.outcome.levels.map((l) => `outcome: ${l.label}`),
    ...enc.events.map((e) => `events: ${e.type}`),
    ...enc.statics.map((s) => (s.kind === 'index' ? 'index date' : s.name)),
  ];
}

/** Least-squares slope of value on time (per year); NaN with fewer than two distinct times. */
function slopePerYear(times: number[], values: number[]): number {
  const n = times.length;
  if (n < 2) return NaN;
  const mt = times.reduce((a, b) => a + b, 0) / n;
  const mv = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (times[i]! - mt) * (values[i]! - mv);
    sxx += (times[i]! - mt) ** 2;
  }
  return sxx > 0 ? (sxy / sxx) * YEAR : NaN;
}

/** A categorical value as its level's position (NaN when unknown); numbers as they are. */
function valueOf(num: number | null, txt: string | null, levels: string[] | null): number {
  if (!levels) return num === null ? NaN : num;
  const i = txt === null ? -1 : levels.indexOf(txt);
  return i < 0 ? NaN : i;
}

/** The summary row of one patient, in the column order of summaryFeatureNames. */
export function patientSummary(tl: PatientTimeline, enc: Encoding): Float64Array {
  const out: number[] = [];
  const byVar = new Map<number, { t: number[]; v: number[] }>();
  const levelsOf = new Map(enc.measurements.map((f) => [f.variableId, f.codec.type === 'numeric' ? null : f.codec.levels]));
  for (const m of tl.measurements) {
    let s = byVar.get(m.variableId);
    if (!s) byVar.set(m.variableId, (s = { t: [], v: [] }));
    const x = valueOf(m.num, m.txt, levelsOf.get(m.variableId) ?? null);
    if (Number.isFinite(x)) {
      s.t.push(m.time);
      s.v.push(x);
    }
  }
  for (const f of enc.measurements) {
    const s = byVar.get(f.variableId);
    const n = s?.v.length ?? 0;
    if (!s || n === 0) {
      out.push(NaN, NaN, NaN, NaN, NaN, NaN, 0);
      continue;
    }
    out.push(s.v[0]!, s.v[n - 1]!, s.v.reduce((a, b) => a + b, 0) / n, Math.min(...s.v), Math.max(...s.v), slopePerYear(s.t, s.v), n);
  }
  const times = [...new Set(tl.measurements.map((m) => m.time))].sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const meanGap = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : NaN;
  const spread = gaps.length > 1 ? Math.sqrt(gaps.reduce((a, g) => a + (g - meanGap) ** 2, 0) / (gaps.length - 1)) : NaN;
  out.push(times.length, meanGap, spread, tl.outcome.days);
  for (const l of enc.outcome.levels) out.push(tl.outcome.status === l.status && (l.eventType === null || l.eventType === tl.outcome.eventType) ? 1 : 0);
  for (const e of enc.events) out.push(tl.events.filter((x) => x.type === e.type).length);
  for (const s of enc.statics) {
    if (s.kind === 'index' || s.variableId === null) {
      out.push(tl.indexTime);
      continue;
    }
    const v = tl.statics.get(s.variableId);
    out.push(v ? valueOf(v.num, v.txt, s.codec.type === 'numeric' ? null : s.codec.levels) : NaN);
  }
  return Float64Array.from(out);
}
