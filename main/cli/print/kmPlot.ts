import type { KaplanMeier } from '../../cohort/survival.js';

/**
 * A Kaplan-Meier curve drawn in text: '█' the estimate, '░' the 95% band,
 * x in years (or days for short follow-up), y from 0 to 100%.
 */
export function kmPlot(km: KaplanMeier, width = 60, height = 12): string {
  const maxT = km.points.length ? km.points[km.points.length - 1]!.time : 0;
  if (maxT <= 0) return '(no follow-up to plot)';
  const years = maxT > 730;
  const unit = years ? 365.25 : 1;
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  const rowOf = (s: number) => Math.min(height - 1, Math.max(0, Math.round((1 - s) * (height - 1))));
  let k = 0;
  let cur = { survival: 1, lower: 1, upper: 1 };
  for (let x = 0; x < width; x++) {
    const t = (x / (width - 1)) * maxT;
    while (k < km.points.length && km.points[k]!.time <= t) cur = km.points[k++]!;
    for (let r = rowOf(cur.upper); r <= rowOf(cur.lower); r++) grid[r]![x] = '░';
    grid[rowOf(cur.survival)]![x] = '█';
  }
  const lines = grid.map((row, r) => {
    const label = r === 0 ? '100%' : r === height - 1 ? '  0%' : r === Math.round((height - 1) / 2) ? ' 50%' : '    ';
    return `${label} |${row.join('')}`;
  });
  const axis = `     +${'-'.repeat(width)}`;
  const end = `${(maxT / unit).toFixed(years ? 1 : 0)} ${years ? 'years' : 'days'}`;
  return [...lines, axis, `      0${' '.repeat(Math.max(1, width - end.length - 1))}${end}`].join('\n');
}
