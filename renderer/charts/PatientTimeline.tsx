import type { PatientTimelineDto } from '../../preload/contract';
import { Plot } from './Plot';

const toIso = (days: number) => new Date(Math.round(days) * 86_400_000).toISOString().slice(0, 10);

/**
 * One patient's timeline: numeric labs over time (one line per variable, with
 * units), categorical values as labelled markers, events as vertical marks,
 * the end of follow-up with its outcome. Calendar datasets on a date axis.
 */
/** What the chart needs: an encoding preview and a dataset patient's timeline both have it. */
export type TimelineLike = Pick<PatientTimelineDto, 'timeBasis' | 'indexTime' | 'measurements' | 'steps' | 'outcome'>;

export function PatientTimeline({ preview, title }: { preview: TimelineLike; title: string }) {
  const calendar = preview.timeBasis === 'calendar';
  const x = (time: number) => (calendar ? toIso(time) : time - preview.indexTime);
  const traces: unknown[] = [];
  for (const m of preview.measurements) {
    const points = preview.steps.filter((s) => s.values[m.name] !== null && s.values[m.name] !== undefined);
    if (!points.length) continue;
    if (m.kind === 'numeric') {
      traces.push({ x: points.map((s) => x(s.time)), y: points.map((s) => s.values[m.name]), name: `${m.name}${m.unit ? ` (${m.unit})` : ''}`, mode: 'lines+markers', yaxis: 'y' });
    } else {
      traces.push({ x: points.map((s) => x(s.time)), y: points.map(() => m.name), text: points.map((s) => String(s.values[m.name])), name: m.name, mode: 'markers+text', textposition: 'top center', yaxis: 'y2' });
    }
  }
  const events = preview.steps.flatMap((s) => s.events.map((type) => ({ at: x(s.time), type })));
  const end = x(preview.indexTime + preview.outcome.days);
  const outcome = preview.outcome.status === 0 ? 'censored' : (preview.outcome.eventType ?? 'event');
  const shapes = [
    ...events.map((e) => ({ type: 'line', x0: e.at, x1: e.at, yref: 'paper', y0: 0, y1: 1, line: { color: '#9a6700', dash: 'dot', width: 1 } })),
    { type: 'line', x0: end, x1: end, yref: 'paper', y0: 0, y1: 1, line: { color: preview.outcome.status === 0 ? '#5b6770' : '#b42318', width: 2 } },
  ];
  const annotations = [
    ...events.map((e) => ({ x: e.at, yref: 'paper', y: 1.02, text: e.type, showarrow: false, font: { size: 10, color: '#9a6700' } })),
    { x: end, yref: 'paper', y: 1.08, text: `end: ${outcome}`, showarrow: false, font: { size: 11, color: preview.outcome.status === 0 ? '#5b6770' : '#b42318' } },
  ];
  return (
    <Plot
      label={`${title}: measurements over time, events and the end of follow-up`}
      height={360}
      data={traces}
      layout={{
        title: { text: title },
        xaxis: { title: { text: calendar ? 'date' : 'days from index' }, type: calendar ? 'date' : 'linear' },
        yaxis: { title: { text: 'value' }, domain: [0, 0.72] },
        yaxis2: { domain: [0.78, 0.95], type: 'category', showgrid: false },
        shapes,
        annotations,
        margin: { t: 60, r: 16, b: 48, l: 56 },
      }}
    />
  );
}
