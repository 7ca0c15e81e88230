import type { EvaluationViewDto } from '../../../preload/contract';

type Binned = EvaluationViewDto['numeric'][number];

/** Bars of real and synthetic shares per bin; suppressed real cells (null) draw as 0 and say so on hover. */
export function binnedTraces(b: Binned, syntheticColor: string): unknown[] {
  const mid = b.edges.slice(0, -1).map((e, i) => (e + b.edges[i + 1]!) / 2);
  const width = b.edges.length > 1 ? b.edges[1]! - b.edges[0]! : 1;
  const trace = (counts: (number | null)[], n: number, name: string, color?: string) => ({
    x: mid,
    y: counts.map((c) => (c === null ? 0 : c / Math.max(1, n))),
    customdata: counts.map((c) => (c === null ? 'fewer than 5 (not shown)' : String(c))),
    hovertemplate: `%{x}: %{customdata}<extra>${name}</extra>`,
    type: 'bar',
    width,
    name,
    opacity: 0.6,
    ...(color ? { marker: { color } } : {}),
  });
  return [trace(b.real, b.n.real, 'real'), trace(b.synthetic, b.n.synthetic, 'synthetic', syntheticColor)];
}
