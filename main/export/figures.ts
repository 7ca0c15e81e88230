/** Figures in the data card and gate messages: whole numbers as they are, others to 3 significant digits (no 0.30000000000000004). */
export function figure(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  if (abs < 1e-3) return x.toExponential(2);
  // toPrecision then Number drops trailing zeros; above 1000 keep one decimal at most.
  return abs >= 1000 ? String(Math.round(x * 10) / 10) : String(Number(x.toPrecision(3)));
}

/** A share as a percentage with one decimal. */
export function percent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : 'n/a';
}

/** A number rounded to 3 significant digits for the JSON card (integers kept). */
export function rounded(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  return Number.isInteger(x) ? x : Number(x.toPrecision(3));
}
