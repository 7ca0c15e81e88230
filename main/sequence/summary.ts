import { quantiles, type Quantiles } from '../store/repositories/datasetRepository.js';
import type { Encoding } from './encoding.js';
import { encodePatient, gridOptionsOf } from './encode.js';
import { irregularSteps, stepsOf } from './steps.js';
import type { PatientTimeline } from './timeline.js';

export interface Histogram {
  /** Left edges; the last bucket includes its right edge `max`. */
  edges: number[];
  counts: number[];
  max: number;
}

export interface SequenceSide {
  patients: number;
  /** Steps per patient. */
  lengths: Quantiles | null;
  lengthHistogram: Histogram | null;
  /** Days between consecutive steps (irregular: visits; grid: the bin width). */
  gaps: Quantiles | null;
  gapHistogram: Histogram | null;
  /** Per measurement variable: share of steps where it was observed. */
  observationRate: { variable: string; observed: number; steps: number; rate: number }[];
}

export interface EncodingSummary {
  mode: 'irregular' | 'grid';
  binDays: number | null;
  maxLength: number;
  truncated: number;
  /** Before encoding: every distinct time with a measurement or event is a step. */
  before: SequenceSide;
  /** After encoding: the steps the model sees (bins in grid mode; cut at maxLength). */
  after: SequenceSide;
  /** Grid with carry-forward: share of empty variable-bins filled with a carried value. */
  carriedShare: number | null;
  channels: { statics: number; step: number; outcome: number };
}

/** Before/after view of a cohort's sequences, in one streaming pass. */
export function summarizeEncoding(timelines: Iterable<PatientTimeline>, enc: Encoding): EncodingSummary {
  const names = new Map(enc.measurements.map((m) => [m.variableId, m.name]));
  const before = new SideAccumulator(names);
  const after = new SideAccumulator(names);
  let truncated = 0;
  let carried = 0;
  let empty = 0;
  const grid = gridOptionsOf(enc);
  for (const tl of timelines) {
    const raw = irregularSteps(tl);
    before.add(raw.map((s) => s.relTime), raw.map((s) => s.values.keys()));
    const all = stepsOf(tl, enc.mode, grid);
    const kept = all.slice(0, enc.maxLength);
    if (all.length > kept.length) truncated++;
    after.add(kept.map((s) => s.relTime), kept.map((s) => s.values.keys()));
    if (enc.carryForward) {
      const e = encodePatient(tl, enc);
      for (let k = 0; k < e.length; k++) {
        for (const f of enc.measurements) {
          if (e.sequence[k * enc.stepWidth + f.maskOffset] === 1) continue;
          empty++;
          if (e.sequence[k * enc.stepWidth + f.sinceOffset!]! < ((k + 1) * enc.binDays!) / 365.25 - 1e-12) carried++;
        }
      }
    }
  }
  return {
    mode: enc.mode,
    binDays: enc.binDays,
    maxLength: enc.maxLength,
    truncated,
    before: before.result(),
    after: after.result(),
    carriedShare: enc.carryForward ? (empty ? carried / empty : 0) : null,
    channels: { statics: enc.staticWidth, step: enc.stepWidth, outcome: enc.outcomeWidth },
  };
}

class SideAccumulator {
  private readonly lengths: number[] = [];
  private readonly gaps: number[] = [];
  private readonly observed = new Map<number, number>();
  private steps = 0;

  constructor(private readonly names: Map<number, string>) {}

  add(times: number[], variables: Iterable<number>[]): void {
    this.lengths.push(times.length);
    for (let i = 1; i < times.length; i++) this.gaps.push(times[i]! - times[i - 1]!);
    this.steps += times.length;
    for (const vs of variables) for (const id of vs) this.observed.set(id, (this.observed.get(id) ?? 0) + 1);
  }

  result(): SequenceSide {
    const lengths = this.lengths.slice().sort((a, b) => a - b);
    const gaps = this.gaps.slice().sort((a, b) => a - b);
    return {
      patients: lengths.length,
      lengths: quantiles(lengths),
      lengthHistogram: histogram(lengths),
      gaps: quantiles(gaps),
      gapHistogram: histogram(gaps),
      observationRate: [...this.names].map(([id, variable]) => {
        const observed = this.observed.get(id) ?? 0;
        return { variable, observed, steps: this.steps, rate: this.steps ? observed / this.steps : 0 };
      }),
    };
  }
}

/** Equal-width histogram of an ascending-sorted array. */
export function histogram(sorted: number[], buckets = 20): Histogram | null {
  if (sorted.length === 0) return null;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const n = max > min ? buckets : 1;
  const width = max > min ? (max - min) / n : 1;
  const counts = new Array<number>(n).fill(0);
  for (const x of sorted) counts[Math.min(n - 1, Math.floor((x - min) / width))]!++;
  return { edges: counts.map((_, i) => min + i * width), counts, max };
}
