/** Two-sided exact binomial test of `k` successes in `n` trials against p = 0.5. */
export function binomialTwoSided(k: number, n: number): number {
  if (n === 0) return 1;
  const logChoose = (a: number, b: number) => lgamma(a + 1) - lgamma(b + 1) - lgamma(a - b + 1);
  const pmf = (i: number) => Math.exp(logChoose(n, i) - n * Math.LN2);
  const observed = pmf(k);
  let p = 0;
  for (let i = 0; i <= n; i++) {
    const q = pmf(i);
    if (q <= observed * (1 + 1e-9)) p += q;
  }
  return Math.min(1, p);
}

/** Log-gamma (Lanczos), accurate to ~1e-14 for the arguments used here. */
function lgamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Fleiss' kappa for `ratings[subject][category]` = how many raters put the
 * subject in the category (every subject rated by the same number of raters).
 */
export function fleissKappa(ratings: number[][]): number {
  const N = ratings.length;
  if (N === 0) return NaN;
  const n = ratings[0]!.reduce((a, b) => a + b, 0);
  if (n < 2) return NaN;
  const k = ratings[0]!.length;
  const pj = Array.from({ length: k }, (_, j) => ratings.reduce((s, r) => s + r[j]!, 0) / (N * n));
  const Pi = ratings.map((r) => (r.reduce((s, x) => s + x * x, 0) - n) / (n * (n - 1)));
  const Pbar = Pi.reduce((a, b) => a + b, 0) / N;
  const Pe = pj.reduce((s, p) => s + p * p, 0);
  return Pe === 1 ? 1 : (Pbar - Pe) / (1 - Pe);
}
