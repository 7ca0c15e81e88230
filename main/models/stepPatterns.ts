/*
 * Which labs were measured and which events happened at a step are not
 * independent coin flips: a visit draws a panel of labs together, an event-only
 * step (a CVD admission) has no labs. Drawn one bit at a time, a generator
 * mixes them into steps no real timeline has. A joint head picks the whole
 * pattern of a step's binary channels among those seen in training (a softmax
 * over patterns), so those dependencies are kept exactly.
 */

export interface StepPatterns {
  /** The binary channels the patterns cover, in the part's layout. */
  offsets: number[];
  /** P x offsets.length bits, most frequent pattern first. */
  bits: Uint8Array;
  /** Training steps with each pattern. */
  counts: number[];
}

/** Patterns most steps share; a rarer one seen fewer than 3 times is never reproduced (it is read as its nearest kept pattern). */
const LEAST_STEPS = 3;
export const MAX_PATTERNS = 64;

const keyOf = (values: ArrayLike<number>, base: number, offsets: number[]) => offsets.map((o) => (values[base + o]! >= 0.5 ? '1' : '0')).join('');

/**
 * Fits the patterns of `offsets` over rows of `width` channels (those `keep`
 * admits): every pattern seen on at least 3 steps, the 64 most frequent at most.
 * Null when fewer than two patterns qualify (nothing joint to learn).
 */
export function fitPatterns(values: Float32Array, width: number, rows: number, offsets: number[], keep: (row: number) => boolean): StepPatterns | null {
  const counts = new Map<string, number>();
  for (let r = 0; r < rows; r++) {
    if (!keep(r)) continue;
    const key = keyOf(values, r * width, offsets);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const kept = [...counts].filter(([, c]) => c >= LEAST_STEPS).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_PATTERNS);
  if (kept.length < 2) return null;
  const m = offsets.length;
  const bits = new Uint8Array(kept.length * m);
  kept.forEach(([key], p) => {
    for (let k = 0; k < m; k++) bits[p * m + k] = key[k] === '1' ? 1 : 0;
  });
  return { offsets, bits, counts: kept.map(([, c]) => c) };
}

export const patternCount = (s: StepPatterns) => s.counts.length;

/** The pattern of a row: the same bits, else the nearest kept pattern (fewest differing bits; the more frequent on a tie). */
export function patternOf(s: StepPatterns, values: ArrayLike<number>, base: number): number {
  const m = s.offsets.length;
  let best = 0;
  let bestDistance = Infinity;
  for (let p = 0; p < s.counts.length; p++) {
    let distance = 0;
    for (let k = 0; k < m && distance < bestDistance; k++) if ((values[base + s.offsets[k]!]! >= 0.5 ? 1 : 0) !== s.bits[p * m + k]) distance++;
    if (distance < bestDistance) {
      best = p;
      bestDistance = distance;
      if (distance === 0) break;
    }
  }
  return best;
}

/** Writes pattern p's bits into a row. */
export function writePattern(s: StepPatterns, p: number, out: Float32Array, base: number): void {
  const m = s.offsets.length;
  for (let k = 0; k < m; k++) out[base + s.offsets[k]!] = s.bits[p * m + k]!;
}
