import Plotly from 'plotly.js-strict-dist-min';
import { useEffect, useRef } from 'react';

/**
 * A plotly chart (the strict bundle: no eval, so it runs under the app's CSP).
 * `label` names the chart for screen readers.
 */
export function Plot({ data, layout, height = 320, label }: { data: unknown[]; layout?: Record<string, unknown>; height?: number; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    void Plotly.react(el, data, { margin: { t: 36, r: 16, b: 48, l: 56 }, legend: { orientation: 'h', y: -0.25 }, ...layout }, { displaylogo: false, responsive: true, displayModeBar: false });
  }, [data, layout]);
  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) Plotly.purge(el);
    };
  }, []);
  return <div ref={ref} role="img" aria-label={label} style={{ height }} />;
}

const REAL = '#2f6fde';

/** Kaplan-Meier step curve with its 95% band. */
export function kmTraces(points: { time: number; survival: number; lower: number; upper: number }[], name: string, color = REAL): unknown[] {
  const x = [0, ...points.map((p) => p.time)];
  const line = { shape: 'hv', width: 0 };
  return [
    { x, y: [1, ...points.map((p) => p.upper)], line, mode: 'lines', showlegend: false, hoverinfo: 'skip' },
    { x, y: [1, ...points.map((p) => p.lower)], line, mode: 'lines', fill: 'tonexty', fillcolor: `${color}33`, name: '95% band', hoverinfo: 'skip' },
    { x, y: [1, ...points.map((p) => p.survival)], line: { shape: 'hv', color, width: 2 }, mode: 'lines', name },
  ];
}
