import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EvaluationReport } from './evaluate.js';

const require = createRequire(import.meta.url);

/** Writes the report as JSON and as one self-contained HTML file (plotly inlined: opens offline). */
export function writeReport(report: EvaluationReport, dir: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${report.syntheticSet.dataset}.report`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${base}.html`, reportHtml(report));
  return { json: `${base}.json`, html: `${base}.html` };
}

/** JSON that can sit inside a <script> element. */
const embed = (x: unknown) => JSON.stringify(x).replace(/</g, '\\u003c');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function reportHtml(r: EvaluationReport): string {
  const plotly = readFileSync(require.resolve('plotly.js-strict-dist-min'), 'utf8');
  const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : Math.abs(x) >= 100 ? String(Math.round(x)) : x.toFixed(3));
  const rows = r.metrics
    .map(
      (m) =>
        `<tr class="${m.verdict.replace('/', '')}"><td>${m.group}</td><td>${escapeHtml(m.name)}${m.variable ? ` <b>${escapeHtml(m.variable)}</b>` : ''}</td><td class="n">${fmt(m.value)}</td><td class="n">${fmt(m.baseline)}</td>` +
        `<td>${m.threshold.better === 'lower' ? '&le;' : '&ge;'} ${m.threshold.pass} (warn ${m.threshold.better === 'lower' ? '&le;' : '&ge;'} ${m.threshold.warn})</td><td class="v">${m.verdict.toUpperCase()}</td><td class="d">${escapeHtml(m.data)}${m.note ? `; ${escapeHtml(m.note)}` : ''}</td></tr>`,
    )
    .join('\n');
  // Only what the charts draw goes into the page's data, not patient-level detail beyond it.
  const chartData = {
    survival: {
      real: r.survival.real.km.points.map((p) => [p.time, p.survival, p.lower, p.upper]),
      synthetic: r.survival.synthetic.km.points.map((p) => [p.time, p.survival, p.lower, p.upper]),
    },
    numeric: r.fidelity.numeric,
    categorical: r.fidelity.categorical,
    gaps: r.fidelity.gaps,
    lengths: r.fidelity.lengths,
    correlation: r.fidelity.correlation,
    dcr: { synthetic: r.privacy.dcrSynthetic, holdout: r.privacy.dcrHoldout },
  };
  const v = r.verdicts;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Synthetic data report: ${escapeHtml(r.syntheticSet.dataset)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1200px; color: #1d2329; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #dde2e6; padding-bottom: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; } td, th { padding: 4px 8px; border-bottom: 1px solid #eceff1; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } td.d { color: #5b6770; font-size: 12px; }
tr.pass td.v { color: #1b7f3b; font-weight: 600; } tr.warn td.v { color: #9a6700; font-weight: 600; } tr.fail td.v { color: #b42318; font-weight: 700; } tr.na td.v { color: #888; }
.summary span { display: inline-block; margin-right: 16px; font-weight: 600; } .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 8px; }
.chart { height: 320px; } .wide { height: 420px; } .note { color: #5b6770; }
</style>
</head>
<body>
<h1>Synthetic data report: ${escapeHtml(r.syntheticSet.dataset)}</h1>
<p>${r.syntheticSet.patients} synthetic patients from ${r.run ? `${escapeHtml(r.run.family)} run ${r.run.id} (step ${r.syntheticSet.checkpointStep}, ${escapeHtml(r.run.backend)})` : 'a deleted run'}, cohort <b>${escapeHtml(r.cohort.name)}@${r.cohort.version}</b> of dataset ${escapeHtml(r.cohort.dataset)}. Generated ${escapeHtml(r.generatedAt)}.</p>
<p class="summary"><span style="color:#1b7f3b">${v.pass} pass</span><span style="color:#9a6700">${v.warn} warn</span><span style="color:#b42318">${v.fail} fail</span>${v['n/a'] ? `<span>${v['n/a']} n/a</span>` : ''}</p>
<p class="note">Data: train ${r.dataUse.train} patients (what the model saw), holdout ${r.dataUse.holdout} (never seen), synthetic ${r.dataUse.synthetic}. ${escapeHtml(r.dataUse.note)}</p>
<h2>Survival</h2>
<div id="km" class="wide"></div>
<h2>Distributions</h2>
<div id="numeric" class="grid"></div>
<div id="categorical" class="grid"></div>
<div class="grid"><div id="gaps" class="chart"></div><div id="lengths" class="chart"></div></div>
<h2>Dependence</h2>
<div class="grid"><div id="corr-real" class="chart"></div><div id="corr-synthetic" class="chart"></div></div>
<h2>Privacy</h2>
<div id="dcr" class="wide"></div>
<h2>All metrics</h2>
<table><thead><tr><th>group</th><th>metric</th><th>value</th><th>baseline</th><th>threshold</th><th>verdict</th><th>data used</th></tr></thead><tbody>
${rows}
</tbody></table>
<script>${plotly}</script>
<script id="data" type="application/json">${embed(chartData)}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  var real = '#2f6fde', syn = '#e4572e', cfg = { displaylogo: false, responsive: true, displayModeBar: false };
  var drawn = 0;
  function plot(el, traces, layout) { Plotly.newPlot(el, traces, Object.assign({ margin: { t: 36, r: 12, b: 70, l: 50 }, legend: { orientation: 'h', y: -0.32 } }, layout), cfg); drawn++; }
  function div(parent, cls) { var e = document.createElement('div'); e.className = cls || 'chart'; document.getElementById(parent).appendChild(e); return e; }
  function km(points, name, color) {
    var x = [0], y = [1], lo = [1], hi = [1];
    points.forEach(function (p) { x.push(p[0]); y.push(p[1]); lo.push(p[2]); hi.push(p[3]); });
    return [
      { x: x, y: hi, line: { shape: 'hv', width: 0 }, showlegend: false, hoverinfo: 'skip', mode: 'lines' },
      { x: x, y: lo, fill: 'tonexty', fillcolor: color + '33', line: { shape: 'hv', width: 0 }, showlegend: false, hoverinfo: 'skip', mode: 'lines' },
      { x: x, y: y, name: name, line: { shape: 'hv', color: color, width: 2 }, mode: 'lines' }
    ];
  }
  plot('km', km(d.survival.real, 'real (train)', real).concat(km(d.survival.synthetic, 'synthetic', syn)), { title: { text: 'Kaplan-Meier with 95% band' }, xaxis: { title: { text: 'days from index' } }, yaxis: { title: { text: 'survival' }, range: [0, 1.02] } });
  function hist(el, title, a, b, xtitle) {
    plot(el, [
      { x: a, type: 'histogram', histnorm: 'probability', name: 'real (train)', opacity: 0.6, marker: { color: real } },
      { x: b, type: 'histogram', histnorm: 'probability', name: 'synthetic', opacity: 0.6, marker: { color: syn } }
    ], { title: { text: title }, barmode: 'overlay', xaxis: { title: { text: xtitle || '' } }, yaxis: { title: { text: 'share' } } });
  }
  function toDate(days) { return new Date(days * 864e5).toISOString().slice(0, 10); }
  function years(days) { return days / 365.25; }
  d.numeric.forEach(function (n) {
    if (n.kind === 'index') hist(div('numeric'), n.variable, n.real.map(toDate), n.synthetic.map(toDate), 'date');
    else if (n.kind === 'date') hist(div('numeric'), n.variable, n.real.map(years), n.synthetic.map(years), 'years from the index date');
    else hist(div('numeric'), n.variable, n.real, n.synthetic, n.unit || '');
  });
  d.categorical.forEach(function (c) {
    plot(div('categorical'), [
      { x: c.levels, y: c.real, type: 'bar', name: 'real (train)', marker: { color: real } },
      { x: c.levels, y: c.synthetic, type: 'bar', name: 'synthetic', marker: { color: syn } }
    ], { title: { text: c.variable }, yaxis: { title: { text: 'share' } } });
  });
  hist('gaps', 'Days between visits', d.gaps.real, d.gaps.synthetic, 'days');
  hist('lengths', 'Visits per patient', d.lengths.real, d.lengths.synthetic, 'visits');
  function heat(el, title, z) { plot(el, [{ z: z, x: d.correlation.variables, y: d.correlation.variables, type: 'heatmap', zmin: -1, zmax: 1, colorscale: 'RdBu' }], { title: { text: title } }); }
  if (d.correlation.variables.length) { heat('corr-real', 'Correlation of patient means: real', d.correlation.real); heat('corr-synthetic', 'Correlation of patient means: synthetic', d.correlation.synthetic); }
  hist('dcr', 'Distance to the closest training patient', d.dcr.holdout, d.dcr.synthetic, 'distance (scaled units)');
  document.getElementById('dcr').data[0].name = 'holdout (real, unseen)';
  Plotly.redraw('dcr');
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
</script>
</body>
</html>
`;
}
