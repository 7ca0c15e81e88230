/*
 * Invertible value transforms. Numeric: standard (z-score), min-max to [0, 1],
 * or log (ln(x + shift), then z-score) for right-skewed values; each decodes
 * back to the recorded precision. Categorical: one-hot. Binary: 0/1.
 */

export type Scaler =
  | { kind: 'standard'; mean: number; sd: number }
  | { kind: 'minmax'; min: number; max: number }
  | { kind: 'log'; shift: number; mean: number; sd: number };

export interface NumericCodec {
  type: 'numeric';
  scaler: Scaler;
  /** Decimals the source records (0 for whole days); decoded values are rounded to them. Null: no rounding. */
  decimals: number | null;
}

export interface OneHotCodec {
  type: 'onehot';
  levels: string[];
}

export interface BinaryCodec {
  type: 'binary';
  /** One or two levels, as seen in the cohort; the channel holds the index. */
  levels: string[];
}

export type ValueCodec = NumericCodec | OneHotCodec | BinaryCodec;

export function codecWidth(c: ValueCodec): number {
  return c.type === 'onehot' ? c.levels.length : 1;
}

export function scale(s: Scaler, x: number): number {
  switch (s.kind) {
    case 'standard':
      return (x - s.mean) / s.sd;
    case 'minmax':
      return (x - s.min) / (s.max - s.min);
    case 'log':
      return (Math.log(Math.max(x + s.shift, Number.MIN_VALUE)) - s.mean) / s.sd;
  }
}

export function unscale(s: Scaler, y: number): number {
  switch (s.kind) {
    case 'standard':
      return y * s.sd + s.mean;
    case 'minmax':
      return y * (s.max - s.min) + s.min;
    case 'log':
      return Math.exp(y * s.sd + s.mean) - s.shift;
  }
}

export function roundTo(x: number, decimals: number | null): number {
  if (decimals === null) return x;
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** The fewest decimals (0..9) that write `x` exactly; null when more are needed. */
export function decimalsOf(x: number): number | null {
  for (let d = 0; d <= 9; d++) {
    const f = 10 ** d;
    if (Math.round(x * f) / f === x) return d;
  }
  return null;
}

/** Running moments and range of a stream of values. */
export class Moments {
  n = 0;
  sum = 0;
  sumSq = 0;
  sumCube = 0;
  min = Infinity;
  max = -Infinity;
  /** Most decimals seen; null once a value needs more than 9. */
  decimals: number | null = 0;

  add(x: number): void {
    this.n++;
    this.sum += x;
    this.sumSq += x * x;
    this.sumCube += x * x * x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (this.decimals !== null) {
      const d = decimalsOf(x);
      this.decimals = d === null ? null : Math.max(this.decimals, d);
    }
  }

  get mean(): number {
    return this.n ? this.sum / this.n : 0;
  }

  get sd(): number {
    if (this.n < 2) return 0;
    const v = (this.sumSq - (this.sum * this.sum) / this.n) / (this.n - 1);
    return Math.sqrt(Math.max(0, v));
  }

  /** Sample skewness (Fisher-Pearson, unadjusted); 0 for constant or tiny samples. */
  get skewness(): number {
    if (this.n < 3) return 0;
    const m = this.mean;
    const m2 = this.sumSq / this.n - m * m;
    if (m2 <= 1e-300) return 0;
    const m3 = this.sumCube / this.n - 3 * m * (this.sumSq / this.n) + 2 * m ** 3;
    return m3 / m2 ** 1.5;
  }
}

/** Picks and fits a scaler. `log` needs the second pass: `logMoments` of ln(x + shift). */
export function logShift(min: number): number {
  return min > 0 ? 0 : 1 - min;
}

export function standardScaler(m: Moments): Scaler {
  return { kind: 'standard', mean: m.mean, sd: m.sd > 0 ? m.sd : 1 };
}

export function minmaxScaler(m: Moments): Scaler {
  if (m.n === 0) return { kind: 'minmax', min: 0, max: 1 };
  return { kind: 'minmax', min: m.min, max: m.max > m.min ? m.max : m.min + 1 };
}

export function logScaler(shift: number, logMoments: Moments): Scaler {
  return { kind: 'log', shift, mean: logMoments.mean, sd: logMoments.sd > 0 ? logMoments.sd : 1 };
}

/** How a category level is stored: numbers as numbers (binary 0/1), everything else as text. */
export function storedLevel(level: string, kind: 'binary' | 'categorical'): { num: number | null; txt: string | null } {
  if (kind === 'binary') {
    const n = Number(level);
    if (level.trim() !== '' && Number.isFinite(n)) return { num: n, txt: null };
  }
  return { num: null, txt: level };
}
