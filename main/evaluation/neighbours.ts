/**
 * Exact nearest neighbours in Euclidean distance, fast: what privacy.ts and
 * the forest's grouping ask of every synthetic, training and holdout patient.
 *
 * The answer is the brute-force one, to the bit: the distances of the
 * neighbours found are summed in the same order as `bruteForceNearest`, ties
 * go to the lowest reference index, and a reference is passed over only when a
 * lower bound proves it farther than the second-nearest found so far.
 * The bounds come from coordinates in which distances are the same sum of
 * squares: each vector's projection on the references' K leading principal
 * directions (first the leading one), then what is left of it (the residual,
 * in the original axes). References are sorted on the leading projection and
 * visited outward from the query's own, so the nearest ones come first and a
 * side of the scan ends once its gap on that axis alone exceeds the bound;
 * every other reference is dropped as soon as its partial sum of squares
 * exceeds the bound. The bounds carry a margin far above the floating-point
 * error of the projections, so rounding never drops a neighbour.
 */

export interface Neighbours {
  /** Distance to the nearest reference (Infinity when there is none). */
  d1: number;
  /** Distance to the second-nearest (Infinity when there is none); equals d1 on a tie. */
  d2: number;
  /** Index of the nearest reference, the lowest one on a tie; -1 when there is none. */
  index: number;
}

/** The columns a distance uses: all but `skip`, in order. */
function keptColumns(width: number, skip?: Set<number>): Int32Array {
  const cols: number[] = [];
  for (let i = 0; i < width; i++) if (!skip?.has(i)) cols.push(i);
  return Int32Array.from(cols);
}

/** The rows' kept columns in one flat array (row-major). */
function pack(rows: readonly Float64Array[], cols: Int32Array): Float64Array {
  const w = cols.length;
  const out = new Float64Array(rows.length * w);
  for (let p = 0; p < rows.length; p++) {
    const row = rows[p]!;
    for (let c = 0; c < w; c++) out[p * w + c] = row[cols[c]!]!;
  }
  return out;
}

/** The squared distance between two packed rows, summed in column order (as brute force does). */
function squaredDistance(a: Float64Array, ao: number, b: Float64Array, bo: number, w: number): number {
  let s = 0;
  for (let c = 0; c < w; c++) {
    const d = a[ao + c]! - b[bo + c]!;
    s += d * d; // the same value as d ** 2, faster
  }
  return s;
}

/** Keeps the nearest (lowest index on a tie) and second-nearest distance of one query. */
class Best {
  d1 = Infinity;
  d2 = Infinity;
  index = -1;

  /** Returns whether d2 changed. */
  offer(d: number, ri: number): boolean {
    const before = this.d2;
    if (d < this.d1 || (d === this.d1 && ri < this.index)) {
      this.d2 = this.d1;
      this.d1 = d;
      this.index = ri;
    } else if (d < this.d2) this.d2 = d;
    return this.d2 !== before;
  }

  result(): Neighbours {
    return { d1: this.d1, d2: this.d2, index: this.index };
  }
}

/**
 * The reference answer: every query against every reference in index order.
 * Kept for vectors that are not all finite (their distances are NaN, which
 * no bound orders), and as what the tests compare the fast search with.
 */
export function bruteForceNearest(queries: readonly Float64Array[], refs: readonly Float64Array[], sameSet = false, skip?: Set<number>): Neighbours[] {
  const cols = keptColumns(refs[0]?.length ?? queries[0]?.length ?? 0, skip);
  const w = cols.length;
  const r = pack(refs, cols);
  const q = pack(queries, cols);
  return queries.map((_, qi) => {
    const best = new Best();
    for (let ri = 0; ri < refs.length; ri++) {
      if (sameSet && ri === qi) continue;
      best.offer(Math.sqrt(squaredDistance(q, qi * w, r, ri * w, w)), ri);
    }
    return best.result();
  });
}

/** Leading principal directions used for the bounds (fewer when the vectors are narrower). */
const DIRECTIONS = 8;
/** Relative and absolute margins of every bound: orders of magnitude above the rounding of the projections. */
const RELATIVE_MARGIN = 1e-9;
const TINY = 1e-100;
/** References on each side of the query's place on the leading axis offered first, to set the bound. */
const SEED = 16;
/** Bound coordinates read first, from a compact copy. */
const HEAD = 8;

/**
 * An orthonormal basis of the k directions along which the rows vary most:
 * subspace iteration on the covariance of (a sample of) the rows.
 */
function leadingDirections(rows: Float64Array, n: number, w: number, mean: Float64Array, k: number): Float64Array[] {
  // A sample is enough: any orthonormal basis keeps the search exact; a good one makes it fast.
  const sample = Math.min(n, Math.max(512, Math.floor(2e7 / Math.max(1, w * w))));
  const cov = new Float64Array(w * w);
  const x = new Float64Array(w);
  for (let s = 0; s < sample; s++) {
    const o = Math.floor((s * n) / sample) * w;
    for (let c = 0; c < w; c++) x[c] = rows[o + c]! - mean[c]!;
    for (let a = 0; a < w; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      for (let b = a; b < w; b++) cov[a * w + b]! += xa * x[b]!;
    }
  }
  for (let a = 0; a < w; a++) for (let b = 0; b < a; b++) cov[a * w + b] = cov[b * w + a]!;
  // Start from the axes of largest variance, then iterate.
  const axes = [...Array(w).keys()].sort((a, b) => cov[b * w + b]! - cov[a * w + a]!);
  let basis: Float64Array[] = axes.slice(0, k).map((axis) => {
    const v = new Float64Array(w);
    v[axis] = 1;
    return v;
  });
  for (let it = 0; it < 30; it++) {
    basis = orthonormalize(
      basis.map((v) => {
        const out = new Float64Array(w);
        for (let a = 0; a < w; a++) {
          let s = 0;
          for (let b = 0; b < w; b++) s += cov[a * w + b]! * v[b]!;
          out[a] = s;
        }
        return out;
      }),
    );
  }
  return orthonormalize(basis);
}

/** Modified Gram-Schmidt, twice over for orthogonality to rounding; stops at a vector with nothing left (rank reached). */
function orthonormalize(vs: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const v0 of vs) {
    const v = Float64Array.from(v0);
    const before = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    for (let pass = 0; pass < 2; pass++) {
      for (const u of out) {
        let d = 0;
        for (let c = 0; c < v.length; c++) d += v[c]! * u[c]!;
        for (let c = 0; c < v.length; c++) v[c]! -= d * u[c]!;
      }
    }
    const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    if (!(norm > 1e-9 * before)) break;
    for (let c = 0; c < v.length; c++) v[c]! /= norm;
    out.push(v);
  }
  return out;
}

/**
 * References prepared for exact nearest-neighbour queries (see the top of the file).
 * `skip`: columns the distance leaves out.
 */
export class NeighbourIndex {
  private readonly cols: Int32Array;
  private readonly w: number;
  private readonly n: number;
  /** Reference positions sorted on the leading projection → their index. */
  private readonly order: Int32Array;
  /** The references' kept columns, in sorted order. */
  private readonly exact: Float64Array;
  /** Per reference in sorted order: K projections then the w residual coordinates. */
  private readonly bound: Float64Array;
  /** The first HEAD of those per reference (zero-padded), apart: the scan reads little else. */
  private readonly head: Float64Array;
  private readonly L: number;
  private readonly k: number;
  private readonly mean: Float64Array;
  private readonly basis: Float64Array[];
  /** The largest centred norm of a reference: part of every margin. */
  private readonly maxNorm: number;
  private readonly finite: boolean;

  constructor(
    private readonly refs: readonly Float64Array[],
    private readonly skip?: Set<number>,
  ) {
    const n = (this.n = refs.length);
    this.cols = keptColumns(refs[0]?.length ?? 0, skip);
    const w = (this.w = this.cols.length);
    const raw = pack(refs, this.cols);
    this.finite = raw.every(Number.isFinite);
    this.mean = new Float64Array(w);
    for (let p = 0; p < n; p++) for (let c = 0; c < w; c++) this.mean[c]! += raw[p * w + c]! / n;
    this.basis = this.finite && n > 0 ? leadingDirections(raw, n, w, this.mean, Math.min(DIRECTIONS, w)) : [];
    this.k = this.basis.length;
    const L = (this.L = this.k + w);
    const projected = new Float64Array(n * L);
    let maxNorm = 0;
    for (let p = 0; p < n; p++) maxNorm = Math.max(maxNorm, this.project(raw, p * w, projected, p * L));
    this.maxNorm = maxNorm;
    const key = (p: number) => (this.k > 0 ? projected[p * L]! : 0);
    this.order = Int32Array.from([...Array(n).keys()].sort((a, b) => key(a) - key(b) || a - b));
    this.exact = new Float64Array(n * w);
    this.bound = new Float64Array(n * L);
    this.head = new Float64Array(n * HEAD);
    this.order.forEach((ri, p) => {
      this.exact.set(raw.subarray(ri * w, ri * w + w), p * w);
      this.bound.set(projected.subarray(ri * L, ri * L + L), p * L);
      this.head.set(projected.subarray(ri * L, ri * L + Math.min(HEAD, L)), p * HEAD);
    });
  }

  /** What a scan reads. */
  arrays(): { head: Float64Array; bound: Float64Array; exact: Float64Array; order: Int32Array; L: number; w: number } {
    return { head: this.head, bound: this.bound, exact: this.exact, order: this.order, L: this.L, w: this.w };
  }

  /** Writes a vector's bound coordinates (projections, residual) at `out[oo..]`; returns its centred norm. */
  private project(src: Float64Array, so: number, out: Float64Array, oo: number): number {
    const { w, k, mean, basis } = this;
    const res = out.subarray(oo + k, oo + k + w);
    let norm = 0;
    for (let c = 0; c < w; c++) {
      res[c] = src[so + c]! - mean[c]!;
      norm += res[c]! ** 2;
    }
    for (let j = 0; j < k; j++) {
      const u = basis[j]!;
      let p = 0;
      for (let c = 0; c < w; c++) p += u[c]! * res[c]!;
      out[oo + j] = p;
      for (let c = 0; c < w; c++) res[c]! -= p * u[c]!;
    }
    return Math.sqrt(norm);
  }

  /** The nearest and second-nearest reference of each query; `sameSet`: the queries are the references, each skipping itself. */
  query(queries: readonly Float64Array[], sameSet = false): Neighbours[] {
    const q = pack(queries, this.cols);
    if (!this.finite || !q.every(Number.isFinite)) return bruteForceNearest(queries, this.refs, sameSet, this.skip);
    const { w, L, n } = this;
    const qb = new Float64Array(Math.max(L, HEAD));
    const results: Neighbours[] = [];
    for (let qi = 0; qi < queries.length; qi++) {
      const margin = RELATIVE_MARGIN * (this.project(q, qi * w, qb, 0) + this.maxNorm) + TINY;
      const s: Search = { index: this, q, qo: qi * w, qb, self: sameSet ? qi : -1, margin, best: new Best() };
      if (this.k === 0) scan(s, 0, n, 1, false, Infinity);
      else {
        // Outward from the query's place on the leading axis: first a few neighbours on it to set the bound, then each
        // side until its gap alone exceeds the bound (which only shrinks, so what is left beyond is farther).
        const at = lowerBound(this.head, n, qb[0]!);
        const lo = Math.max(0, at - SEED);
        const hi = Math.min(n, at + SEED);
        let tau = scan(s, lo, hi, 1, false, Infinity);
        tau = scan(s, hi, n, 1, true, tau);
        scan(s, lo - 1, -1, -1, true, tau);
      }
      results.push(s.best.result());
    }
    return results;
  }
}

/** One query's search: its packed row, its bound coordinates, itself among the references (-1: not), what it found. */
interface Search {
  index: NeighbourIndex;
  q: Float64Array;
  qo: number;
  qb: Float64Array;
  self: number;
  margin: number;
  best: Best;
}

/**
 * Offers sorted positions from..to (step ±1) to the search and returns the
 * bound after: a reference is passed over once its partial sum of squares in
 * bound coordinates exceeds tau, which proves it farther than the
 * second-nearest. gapLimited: stops once the gap on the leading axis alone does.
 */
function scan(x: Search, from: number, to: number, step: 1 | -1, gapLimited: boolean, tau: number): number {
  const { head, bound, exact, order, L, w } = x.index.arrays();
  const { q, qo, qb, self, margin, best } = x;
  const q0 = qb[0]!;
  const q1 = qb[1]!;
  const q2 = qb[2]!;
  const q3 = qb[3]!;
  const q4 = qb[4]!;
  const q5 = qb[5]!;
  const q6 = qb[6]!;
  const q7 = qb[7]!;
  for (let p = from; p !== to; p += step) {
    const ho = p * HEAD;
    const a = q0 - head[ho]!;
    if (gapLimited && a * a > tau) break;
    const b = q1 - head[ho + 1]!;
    const c = q2 - head[ho + 2]!;
    const d = q3 - head[ho + 3]!;
    let s = a * a + b * b + c * c + d * d;
    if (s > tau) continue;
    const e = q4 - head[ho + 4]!;
    const f = q5 - head[ho + 5]!;
    const g = q6 - head[ho + 6]!;
    const h = q7 - head[ho + 7]!;
    s += e * e + f * f + g * g + h * h;
    if (s > tau) continue;
    // The rest in fours, each four checked.
    const bo = p * L;
    let j = HEAD;
    for (; j + 4 <= L && s <= tau; j += 4) {
      const t0 = qb[j]! - bound[bo + j]!;
      const t1 = qb[j + 1]! - bound[bo + j + 1]!;
      const t2 = qb[j + 2]! - bound[bo + j + 2]!;
      const t3 = qb[j + 3]! - bound[bo + j + 3]!;
      s += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3;
    }
    for (; j < L && s <= tau; j++) {
      const t = qb[j]! - bound[bo + j]!;
      s += t * t;
    }
    if (s > tau || order[p] === self) continue;
    if (best.offer(Math.sqrt(squaredDistance(q, qo, exact, p * w, w)), order[p]!)) tau = (best.d2 * (1 + RELATIVE_MARGIN) + margin) ** 2;
  }
  return tau;
}

/** The first sorted position whose leading projection is at least `key`. */
function lowerBound(head: Float64Array, n: number, key: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (head[mid * HEAD]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Distances from each query to its nearest and second-nearest reference (excluding itself by index if same set); `skip`: columns left out. */
export function nearest(queries: readonly Float64Array[], refs: readonly Float64Array[], sameSet = false, skip?: Set<number>): Neighbours[] {
  return new NeighbourIndex(refs, skip).query(queries, sameSet);
}
