/* Two-sample statistics used by the fidelity report. Inputs need not be sorted. */

const asc = (xs: readonly number[]) => Float64Array.from(xs).sort();

/** Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs (0 = same, 1 = disjoint). */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  if (!a.length || !b.length) return NaN;
  const x = asc(a);
  const y = asc(b);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** First Wasserstein (earth mover's) distance between two samples, in the values' units. */
export function wasserstein1(a: readonly number[], b: readonly number[]): number {
  if (!a.length || !b.length) return NaN;
  const x = asc(a);
  const y = asc(b);
  // Integrate |F_x - F_y| over the merged support.
  const all = asc([...x, ...y]);
  let i = 0;
  let j = 0;
  let area = 0;
  for (let k = 0; k + 1 < all.length; k++) {
    const v = all[k]!;
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    area += Math.abs(i / x.length - j / y.length) * (all[k + 1]! - v);
  }
  return area;
}

/** Total variation distance between two categorical samples (0 = same shares, 1 = disjoint). */
export function totalVariation(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return NaN;
  const count = (xs: readonly string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  let sum = 0;
  for (const level of new Set([...ca.keys(), ...cb.keys()])) sum += Math.abs((ca.get(level) ?? 0) / a.length - (cb.get(level) ?? 0) / b.length);
  return sum / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN;
}

export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Pearson correlation of paired samples; NaN when either is constant. */
export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 3) return NaN;
  const ma = mean(a.slice(0, n));
  const mb = mean(b.slice(0, n));
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Quantile (linear interpolation) of a sample. */
export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) return NaN;
  const s = asc(xs);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Upper tail of the chi-square distribution with one degree of freedom. */
export function chiSquare1Tail(x: number): number {
  if (!(x > 0)) return 1;
  return erfc(Math.sqrt(x / 2));
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Area under the ROC curve of scores for positives against negatives (ties count half). */
export function auc(positives: readonly number[], negatives: readonly number[]): number {
  if (!positives.length || !negatives.length) return NaN;
  const all = [...positives.map((s) => [s, 1] as const), ...negatives.map((s) => [s, 0] as const)].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]![1] === 1) rankSum += avgRank;
    i = j;
  }
  const p = positives.length;
  return (rankSum - (p * (p + 1)) / 2) / (p * negatives.length);
}
