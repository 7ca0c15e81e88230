import { Rng } from '../common/rng.js';

/*
 * A small seeded random forest for two classes on binned features (pure
 * TypeScript, no native code). Each feature is cut into at most MAX_BINS
 * quantile bins once, before any fitting (labels are not used, so this leaks
 * nothing between folds); bin 0 holds the missing values. A split sends bins
 * <= b left, so "missing or not" is one of the splits.
 */

export const MAX_BINS = 32;

/** Features as bin numbers, feature-major: bins[f * rows + i]. */
export interface BinnedFeatures {
  rows: number;
  features: number;
  bins: Uint8Array;
}

/** Quantile bins of each column of `x` (rows of equal length); NaN goes to bin 0. */
export function binFeatures(x: Float64Array[]): BinnedFeatures {
  const rows = x.length;
  const features = rows ? x[0]!.length : 0;
  const bins = new Uint8Array(rows * features);
  for (let f = 0; f < features; f++) {
    const values = x.map((r) => r[f]!).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const cuts: number[] = [];
    for (let k = 1; k < MAX_BINS; k++) {
      const c = values[Math.floor((k * values.length) / MAX_BINS)];
      if (c !== undefined && (cuts.length === 0 || c > cuts[cuts.length - 1]!)) cuts.push(c);
    }
    for (let i = 0; i < rows; i++) {
      const v = x[i]![f]!;
      if (!Number.isFinite(v)) continue;
      let lo = 0;
      let hi = cuts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v >= cuts[mid]!) lo = mid + 1;
        else hi = mid;
      }
      bins[f * rows + i] = lo + 1;
    }
  }
  return { rows, features, bins };
}

export interface ForestOptions {
  trees?: number;
  maxDepth?: number;
  /** Features tried at each split (default: the square root of their number). */
  tried?: number;
  seed?: number;
}

interface Tree {
  /** Per node: the feature split on, or -1 for a leaf. */
  feature: number[];
  bin: number[];
  left: number[];
  right: number[];
  /** Share of class 1 among the training rows that reached the node. */
  p: number[];
}

export interface Forest {
  trees: Tree[];
  /** Gini decrease per feature, summed over every split of every tree. */
  importance: Float64Array;
}

const gini = (pos: number, n: number) => (n > 0 ? 2 * (pos / n) * (1 - pos / n) : 0);

/** Fits a forest on the rows `fit` of `data`, with labels 0/1. */
export function fitForest(data: BinnedFeatures, labels: Uint8Array, fit: number[], options: ForestOptions = {}): Forest {
  const rng = new Rng(options.seed ?? 1);
  const F = data.features;
  const tried = Math.min(F, options.tried ?? Math.max(1, Math.round(Math.sqrt(F))));
  const maxDepth = options.maxDepth ?? 12;
  const importance = new Float64Array(F);
  const trees: Tree[] = [];
  const count = new Float64Array(MAX_BINS + 1);
  const positive = new Float64Array(MAX_BINS + 1);
  const candidates = Array.from({ length: F }, (_, f) => f);
  for (let t = 0; t < (options.trees ?? 100); t++) {
    const tree: Tree = { feature: [], bin: [], left: [], right: [], p: [] };
    const sample = Array.from({ length: fit.length }, () => fit[rng.int(fit.length)]!);
    const grow = (rows: number[], depth: number): number => {
      const node = tree.feature.length;
      let pos = 0;
      for (const i of rows) pos += labels[i]!;
      tree.feature.push(-1);
      tree.bin.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.p.push(pos / rows.length);
      if (depth >= maxDepth || pos === 0 || pos === rows.length) return node;
      const n = rows.length;
      const parent = n * gini(pos, n);
      let best = { gain: 1e-12, feature: -1, bin: 0 };
      // A partial Fisher-Yates shuffle picks the features tried at this node.
      for (let k = 0; k < tried; k++) {
        const j = k + rng.int(F - k);
        [candidates[k], candidates[j]] = [candidates[j]!, candidates[k]!];
        const f = candidates[k]!;
        count.fill(0);
        positive.fill(0);
        const base = f * data.rows;
        for (const i of rows) {
          const b = data.bins[base + i]!;
          count[b]!++;
          positive[b]! += labels[i]!;
        }
        let nl = 0;
        let pl = 0;
        for (let b = 0; b < MAX_BINS; b++) {
          nl += count[b]!;
          pl += positive[b]!;
          if (nl === 0 || count[b]! === 0) continue;
          if (nl === n) break;
          const gain = parent - nl * gini(pl, nl) - (n - nl) * gini(pos - pl, n - nl);
          if (gain > best.gain) best = { gain, feature: f, bin: b };
        }
      }
      if (best.feature < 0) return node;
      importance[best.feature]! += best.gain;
      const base = best.feature * data.rows;
      const leftRows = rows.filter((i) => data.bins[base + i]! <= best.bin);
      const rightRows = rows.filter((i) => data.bins[base + i]! > best.bin);
      tree.feature[node] = best.feature;
      tree.bin[node] = best.bin;
      tree.left[node] = grow(leftRows, depth + 1);
      tree.right[node] = grow(rightRows, depth + 1);
      return node;
    };
    grow(sample, 0);
    trees.push(tree);
  }
  return { trees, importance };
}

/** The forest's probability of class 1 for row i of `data`: the mean of its trees' leaves. */
export function predictForest(forest: Forest, data: BinnedFeatures, i: number): number {
  let s = 0;
  for (const t of forest.trees) {
    let node = 0;
    while (t.feature[node]! >= 0) node = data.bins[t.feature[node]! * data.rows + i]! <= t.bin[node]! ? t.left[node]! : t.right[node]!;
    s += t.p[node]!;
  }
  return s / Math.max(1, forest.trees.length);
}
