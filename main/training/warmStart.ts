import * as tf from '@tensorflow/tfjs-core';
import type { ChannelSpec, Group, PartSpec } from '../models/channels.js';
import type { OutputBins } from '../models/outputBins.js';
import type { Params } from '../models/params.js';
import { segmentWidth, type Part, type Segment, type WeightLayout } from '../models/weightLayouts.js';
import type { ColumnMap } from '../sequence/matchChannels.js';

/*
 * A model started from another's weights (issue 17): every entry of a weight whose
 * row and column mean the same in both models (weightLayouts) is carried over,
 * re-based where the two encodings scale a value differently; every other entry
 * keeps the new model's own initial value. Inputs: a matched column's rows are
 * scaled and their offset moved into the row of the value's observed-mask (a
 * missing value is 0 in both encodings), or the layer's bias where it has none. Outputs: a matched
 * unbinned value's column is re-based the other way; a binary flag whose levels
 * are swapped is negated; a level takes its level's logit; a bin takes the logit
 * of the source bin its middle falls in, plus the log of their widths' ratio (a
 * logit is a log-probability: a narrower bin holds less); the outcome's status
 * and time drawn jointly map the same way, level by bin; a step's flags drawn as
 * one pattern take the source's logit of the same pattern, where it has one.
 */

/** Per index of a target segment: the source index (-1: none) and the affine map of the value there. */
interface IndexMap {
  from: Int32Array;
  scale: Float64Array;
  shift: Float64Array;
  /** Input columns: the index of each value's observed-mask (-1: none), which takes its shift instead of the bias. */
  mask?: Int32Array;
}

const identity = (n: number, to = n): IndexMap => ({
  from: Int32Array.from({ length: n }, (_, i) => (i < to ? i : -1)),
  scale: new Float64Array(n).fill(1),
  shift: new Float64Array(n),
});
const none = (n: number): IndexMap => ({ from: new Int32Array(n).fill(-1), scale: new Float64Array(n).fill(1), shift: new Float64Array(n) });

/** Per target bin, the source bin its middle (or point) falls in and the log of their widths' ratio; x_source = a x_target + c. */
export function binMap(target: OutputBins, source: OutputBins, a: number, c: number): { from: number[]; shift: number[] } {
  const from: number[] = [];
  const shift: number[] = [];
  for (let b = 0; b < target.lo.length; b++) {
    const [lo, hi] = [target.lo[b]!, target.hi[b]!];
    const x = a * ((lo + hi) / 2) + c;
    let k = -1;
    // A point to the source's point at the same value, else to the bin it falls in; past the ends, the nearest bin.
    // (float32 data: a value re-based lands within rounding of the source's point)
    if (lo === hi) for (let j = 0; j < source.lo.length; j++) if (source.lo[j] === source.hi[j] && Math.abs(source.lo[j]! - x) <= 1e-5 * Math.max(1, Math.abs(x))) k = j;
    if (k < 0) for (let j = 0; j < source.lo.length && k < 0; j++) if (x >= source.lo[j]! && x <= source.hi[j]! && source.hi[j]! > source.lo[j]!) k = j;
    if (k < 0) k = x < source.lo[0]! ? 0 : source.lo.length - 1;
    const wt = Math.abs(a) * (hi - lo);
    const ws = source.hi[k]! - source.lo[k]!;
    from.push(k);
    shift.push(wt > 0 && ws > 0 ? Math.log(wt / ws) : 0);
  }
  return { from, shift };
}

/** The source group holding a source data column. */
const groupAt = (part: PartSpec, col: number): Group | undefined => part.groups.find((g) => col >= g.offset && col < g.offset + g.width);

/** Per target head column of a part: the source head column that means the same, and how its logit is re-based. */
export function headMap(target: PartSpec, source: PartSpec, cols: ColumnMap): IndexMap {
  const m = none(target.headWidth);
  const set = (to: number, from: number, scale = 1, shift = 0) => {
    m.from[to] = from;
    m.scale[to] = scale;
    m.shift[to] = shift;
  };
  for (const g of target.groups) {
    if (g.joint) continue;
    const at = cols.from[g.offset]!;
    const s = at >= 0 ? groupAt(source, at) : undefined;
    if (!s || s.joint || s.kind !== g.kind || !!s.bins !== !!g.bins) continue;
    const [a, c] = [cols.scale[g.offset]!, cols.shift[g.offset]!];
    if (g.bins && s.bins) {
      const bins = binMap(g.bins, s.bins, a, c);
      bins.from.forEach((k, b) => set(g.headOffset + b, s.headOffset + k, 1, bins.shift[b]!));
      if (g.repeat && s.repeat) set(g.headOffset + g.bins.lo.length, s.headOffset + s.bins.lo.length);
    } else if (g.kind === 'categorical') {
      for (let k = 0; k < g.width; k++) if (cols.from[g.offset + k]! >= 0) set(g.headOffset + k, s.headOffset + cols.from[g.offset + k]! - s.offset);
    } else if (g.kind === 'binary') set(g.headOffset, s.headOffset, a, 0);
    // An unbinned value: y_target = (y_source - c) / a.
    else set(g.headOffset, s.headOffset, 1 / a, -c / a);
  }
  // A step's flags drawn as one pattern: a pattern's logit is the source's pattern of the same flags (where the source's flags are all among these).
  if (target.patterns && source.patterns) {
    const tp = target.patterns;
    const sp = source.patterns;
    const T = tp.offsets.length;
    const S = sp.offsets.length;
    // Each source flag: the target flag it is (its column in the target's patterns) and whether it is flipped.
    const of = sp.offsets.map((o) => {
      const t = tp.offsets.findIndex((to) => cols.from[to] === o);
      return t < 0 ? null : { t, flip: cols.scale[tp.offsets[t]!]! < 0 };
    });
    if (of.every((x) => x !== null)) {
      const key = (bits: ArrayLike<number>) => Array.from(bits).join('');
      const sourceIndex = new Map(Array.from({ length: sp.counts.length }, (_, k) => [key(sp.bits.subarray(k * S, (k + 1) * S)), k]));
      for (let k = 0; k < tp.counts.length; k++) {
        const bits = of.map((x) => (tp.bits[k * T + x!.t]! ^ (x!.flip ? 1 : 0)));
        const j = sourceIndex.get(key(bits));
        if (j !== undefined) set(tp.headOffset + k, sp.headOffset + j);
      }
    }
  }
  // The outcome's status and time drawn as one choice: level by bin.
  if (target.pair && source.pair) {
    const tp = target.pair;
    const sp = source.pair;
    const bins = binMap(tp.bins, sp.bins, cols.scale[tp.valueOffset]!, cols.shift[tp.valueOffset]!);
    for (let l = 0; l < tp.levels; l++) {
      const sl = cols.from[tp.levelOffset + l]! - sp.levelOffset;
      if (sl < 0 || sl >= sp.levels) continue;
      bins.from.forEach((k, b) => set(tp.headOffset + l * tp.bins.lo.length + b, sp.headOffset + sl * sp.bins.lo.length + k, 1, bins.shift[b]!));
    }
  }
  return m;
}

/** What a warm start carried over. */
export interface TransferSummary {
  /** Weight entries carried over (some re-based), of all the new model's. */
  carried: number;
  total: number;
  /** Weights of which nothing was carried over. */
  fresh: string[];
}

export interface ModelSide {
  spec: ChannelSpec;
  layouts: Map<string, WeightLayout>;
}

/**
 * Copies into `target` what means the same in `source` (see the top of this file). `cols`: the data
 * columns' maps from matchChannels, as the models read them (a follow-up share is a share in both);
 * `sameConditions`: both are told the same attributes' levels (their condition inputs mean the same).
 */
export function transferWeights(source: ModelSide & { values: Map<string, Float32Array> }, target: ModelSide & { params: Params }, cols: Record<Part, ColumnMap>, sameConditions: boolean): TransferSummary {
  const heads = { statics: headMap(target.spec.statics, source.spec.statics, cols.statics), step: headMap(target.spec.step, source.spec.step, cols.step), outcome: headMap(target.spec.outcome, source.spec.outcome, cols.outcome) } as Record<Part, IndexMap>;
  const segmentMap = (t: Segment, s: Segment): IndexMap => {
    const tw = segmentWidth(t, target.spec);
    const sw = segmentWidth(s, source.spec);
    if ('fixed' in t && 'fixed' in s) return tw === sw ? identity(tw) : none(tw);
    if ('steps' in t && 'steps' in s) return identity(tw, Math.min(tw, sw));
    if ('condition' in t && 'condition' in s) return sameConditions && tw === sw ? identity(tw) : none(tw);
    if ('input' in t && 'input' in s && t.input === s.input) return cols[t.input];
    if ('head' in t && 'head' in s && t.head === s.head) return heads[t.head];
    if ('logVar' in t && 'logVar' in s && t.logVar === s.logVar) {
      // A log-variance of a value scaled a times the other's: its variance is the source's over a squared.
      const c = cols[t.logVar];
      return { from: c.from, scale: new Float64Array(tw).fill(1), shift: Float64Array.from(c.scale, (a) => -2 * Math.log(Math.abs(a))) };
    }
    return none(tw);
  };
  const mapOf = (t: Segment[], s: Segment[]): { map: IndexMap } | null => {
    if (t.length !== s.length) return null;
    const parts = t.map((seg, i) => segmentMap(seg, s[i]!));
    const width = parts.reduce((n, p) => n + p.from.length, 0);
    const map: IndexMap = { ...none(width), mask: new Int32Array(width).fill(-1) };
    let at = 0;
    let sourceAt = 0;
    parts.forEach((p, i) => {
      p.from.forEach((f, k) => {
        if (f >= 0) map.from[at + k] = sourceAt + f;
        map.scale[at + k] = p.scale[k]!;
        map.shift[at + k] = p.shift[k]!;
        if (p.mask && p.mask[k]! >= 0) map.mask![at + k] = at + p.mask[k]!;
      });
      at += p.from.length;
      sourceAt += segmentWidth(s[i]!, source.spec);
    });
    return { map };
  };
  let carried = 0;
  let total = 0;
  const fresh: string[] = [];
  const values = new Map<string, Float32Array>();

  // Shifts of input rows, applied once every weight is copied: to the row of the value's mask, else to the bias (weight, index, amount).
  const shifts: [string, number, number][] = [];
  for (const [name, tl] of target.layouts) {
    const sl = source.layouts.get(name);
    const tv = target.params.vars.get(name);
    if (!tv) continue;
    const out = Float32Array.from(tv.dataSync() as Float32Array);
    total += out.length;
    values.set(name, out);
    const rows = sl && mapOf(tl.rows, sl.rows);
    const colsMap = sl && mapOf(tl.cols, sl.cols);
    const src = source.values.get(name);
    if (!sl || !rows || !colsMap || !src) {
      fresh.push(name);
      continue;
    }
    const sourceCols = sl.cols.reduce((n, s) => n + segmentWidth(s, source.spec), 0);
    const R = rows.map.from.length;
    const C = colsMap.map.from.length;
    let copied = 0;
    for (let r = 0; r < R; r++) {
      const sr = rows.map.from[r]!;
      if (sr < 0) continue;
      for (let c = 0; c < C; c++) {
        const sc = colsMap.map.from[c]!;
        if (sc < 0) continue;
        const w = src[sr * sourceCols + sc]!;
        // A bias (one row) takes its column's shift; a weight's row is scaled by its input's re-basing.
        out[r * C + c] = R === 1 && tl.rows.length === 1 && 'fixed' in tl.rows[0]! ? colsMap.map.scale[c]! * w + colsMap.map.shift[c]! : rows.map.scale[r]! * colsMap.map.scale[c]! * w;
        copied++;
        const moved = rows.map.shift[r]! * colsMap.map.scale[c]! * w;
        if (moved === 0) continue;
        const maskRow = rows.map.mask![r]!;
        if (maskRow >= 0) shifts.push([name, maskRow * C + c, moved]);
        else if (tl.bias) shifts.push([tl.bias, c, moved]);
      }
    }
    carried += copied;
    if (copied === 0) fresh.push(name);
  }
  for (const [weight, index, amount] of shifts) values.get(weight)![index]! += amount;
  for (const [name, v] of values) {
    const variable = target.params.vars.get(name)!;
    tf.tidy(() => variable.assign(tf.tensor(v, variable.shape)));
  }
  return { carried, total, fresh };
}
