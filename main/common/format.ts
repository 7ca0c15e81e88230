/** Plain-text tables and numbers for the terminal. */

export function table(headers: string[], rows: (string | number)[][], alignRight: boolean[] = []): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (alignRight[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const abs = Math.abs(x);
  if (abs < 1e-3 || abs >= 1e9) return x.toExponential(2);
  // `digits` significant digits below 1000, one decimal above.
  const decimals = abs >= 1000 ? 1 : Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return x.toLocaleString('en-US', { maximumFractionDigits: decimals });
}

export function pct(share: number | null | undefined): string {
  return share === null || share === undefined ? '-' : `${(share * 100).toFixed(1)}%`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

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
