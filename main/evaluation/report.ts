import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EvaluationReport } from './evaluate.js';
import { conditionLine } from './conditionLine.js';
import { REPORT_SCRIPT } from './reportScript.js';

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
  // Only aggregates go into the page's data: binned counts, curves on a grid, quartile bands.
  const chartData = {
    minimumCell: r.disclosure.minimumCell,
    survival: { real: r.survival.real.km, synthetic: r.survival.synthetic.km },
    stratum: r.clinical.survivalByStratum,
    cox: r.clinical.coxEffects,
    events: r.clinical.eventRates,
    trajectories: r.clinical.trajectories,
    numeric: r.fidelity.numeric,
    categorical: r.fidelity.categorical,
    gaps: r.fidelity.gaps,
    lengths: r.fidelity.lengths,
    correlation: r.fidelity.correlation,
    dcr: r.privacy.dcr,
    detection: r.detection.features,
    // Judged measures only, as ratios to their pass line (1: the line), synthetic and holdout.
    subgroups: r.subgroups.rows.flatMap((g) =>
      g.judged ? g.metrics.filter((m) => m.verdict !== 'n/a').map((m) => ({ subgroup: `${g.attribute} = ${g.level}`, metric: m.name.replace(/^subgroup /, ''), synthetic: m.value / m.threshold.pass, holdout: m.baseline === undefined ? null : m.baseline / m.threshold.pass, verdict: m.verdict })) : [],
    ),
  };
  const pct = (x: number | undefined) => (x === undefined ? '' : `${(x * 100).toFixed(1)}%`);
  const eventRows = r.clinical.eventRates
    .map((e) => `<tr><td>${escapeHtml(e.type)}</td><td class="n">${e.real ? pct(e.real.share) : `&lt;${r.disclosure.minimumCell} patients`}</td><td class="n">${pct(e.synthetic.share)}</td><td class="n">${e.holdout ? pct(e.holdout.share) : ''}</td><td class="n">${e.real ? e.real.perPatient.toFixed(2) : ''}</td><td class="n">${e.synthetic.perPatient.toFixed(2)}</td><td class="n">${e.holdout ? e.holdout.perPatient.toFixed(2) : ''}</td></tr>`)
    .join('\n');
  const hr = (h: { hr: number; lower: number; upper: number }, ci = true) => (Number.isFinite(h.hr) ? `${h.hr.toFixed(2)}${ci && Number.isFinite(h.lower) ? ` (${h.lower.toFixed(2)}&ndash;${h.upper.toFixed(2)})` : ''}` : 'n/a');
  const coxRows = r.clinical.coxEffects
    .map((c) => {
      const inside = Number.isFinite(c.synthetic.hr) && c.synthetic.hr >= c.real.lower && c.synthetic.hr <= c.real.upper;
      return `<tr class="${inside ? 'pass' : 'fail'}"><td>${escapeHtml(c.variable)}</td><td>${escapeHtml(c.term)}</td><td class="n">${hr(c.real)}</td><td class="n">${hr(c.synthetic)}</td><td class="n">${hr(c.holdout, false)}</td><td class="v">${inside ? 'PASS' : 'FAIL'}</td></tr>`;
    })
    .join('\n');
  const stratum = r.clinical.survivalByStratum;
  const share = (x: { share: number | null; patients: number | null }) => (x.share === null ? `&lt;${r.disclosure.minimumCell} patients` : pct(x.share));
  // The measures of a judged subgroup, in the order subgroups.ts makes them.
  const subgroupMeasures = ['subgroup share, difference', 'subgroup Kaplan-Meier, largest gap', 'subgroup values, worst Kolmogorov-Smirnov', 'subgroup survival C-index loss, TRTR - TSTR', 'subgroup next-visit error, TSTR / TRTR - 1', 'subgroup detection, |accuracy - 0.5|'];
  const measureCell = (m: EvaluationReport['metrics'][number] | undefined) =>
    m ? `<td class="n ${m.verdict.replace('/', '')}" title="${escapeHtml(`${m.data}${m.note ? `; ${m.note}` : ''}`)}">${fmt(m.value)}<br><span class="note">${fmt(m.baseline)}</span></td>` : '<td></td>';
  const subgroupRows = r.subgroups.rows
    .map((g) => {
      const cells = g.judged ? subgroupMeasures.map((name) => measureCell(g.metrics.find((m) => m.name === name))).join('') : `<td colspan="${subgroupMeasures.length}" class="note">too small to judge (${g.metrics[0]?.note?.replace(/^too small to judge: /, '') ?? ''})</td>`;
      return `<tr><td>${escapeHtml(g.attribute)}</td><td>${escapeHtml(g.level)}</td><td class="n">${share(g.train)}</td><td class="n">${share(g.holdout)}</td><td class="n">${pct(g.synthetic.share)}</td>${cells}</tr>`;
    })
    .join('\n');
  const worst = r.subgroups.worst;
  const v = r.verdicts;
  const det = r.headline.detectors;
  const detection =
    `<p>Headline detection <b>${fmt(r.headline.discriminativeScore)}</b> (|accuracy &minus; 0.5|, from the ${escapeHtml(r.headline.detector)}: the worse of the two detectors counts). ` +
    `GRU classifier ${fmt(det.gru.score)} (accuracy ${pct(det.gru.accuracy)}); random forest on per-patient summaries ${fmt(det.forest.score)} (accuracy ${pct(det.forest.accuracy)}, AUC ${fmt(det.forest.auc)}; holdout vs train ${pct(det.forest.baselineAccuracy)}).</p>`;
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
td.n { text-align: right; font-variant-numeric: tabular-nums; } td.n.pass { background: #e6f4ea; } td.n.warn { background: #fff4d6; } td.n.fail { background: #fde7e5; } td.d { color: #5b6770; font-size: 12px; }
.verdict { font-size: 18px; font-weight: 700; padding: 10px 14px; border-radius: 6px; margin: 12px 0 4px; } .verdict.fit { background: #e6f4ea; color: #1b7f3b; } .verdict.caution { background: #fff4d6; color: #7a5200; } .verdict.unfit { background: #fde7e5; color: #b42318; }
tr.pass td.v { color: #1b7f3b; font-weight: 600; } tr.warn td.v { color: #9a6700; font-weight: 600; } tr.fail td.v { color: #b42318; font-weight: 700; } tr.na td.v { color: #888; }
.summary span { display: inline-block; margin-right: 16px; font-weight: 600; } .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 8px; }
.chart { height: 320px; } .wide { height: 420px; } .note { color: #5b6770; }
</style>
</head>
<body>
<h1>Synthetic data report: ${escapeHtml(r.syntheticSet.dataset)}</h1>
<p class="verdict ${r.verdict.level}" id="verdict">${escapeHtml(r.verdict.line)}</p>
<p class="note">Rule: ${escapeHtml(r.verdict.rule)}</p>
<p>${r.syntheticSet.patients} synthetic patients from ${r.run ? `${escapeHtml(r.run.family)} run ${r.run.id} (step ${r.syntheticSet.checkpointStep}, ${escapeHtml(r.run.backend)})` : 'a deleted run'}, cohort <b>${escapeHtml(r.cohort.name)}@${r.cohort.version}</b> of dataset ${escapeHtml(r.cohort.dataset)}. Generated ${escapeHtml(r.generatedAt)}.</p>
<p class="summary"><span style="color:#1b7f3b">${v.pass} pass</span><span style="color:#9a6700">${v.warn} warn</span><span style="color:#b42318">${v.fail} fail</span>${v['n/a'] ? `<span>${v['n/a']} n/a</span>` : ''}</p>
<p class="note">${escapeHtml(r.disclosure.note)}</p>
${r.condition ? `<p id="condition">${escapeHtml(conditionLine(r.condition))}</p>\n` : ''}<p class="note">Data: train ${r.dataUse.train} patients (what the model saw), holdout ${r.dataUse.holdout} (never seen), synthetic ${r.dataUse.synthetic}. ${escapeHtml(r.dataUse.note)}</p>
<h2>Survival</h2>
<div id="km" class="wide"></div>
${stratum ? `<h2>Survival by ${escapeHtml(stratum.variable)}</h2>\n<div id="stratum" class="grid"></div>${stratum.suppressed.length ? `\n<p class="note">Not drawn (fewer than ${r.disclosure.minimumCell} training patients): ${stratum.suppressed.map(escapeHtml).join(', ')}</p>` : ''}` : ''}
<h2>Subgroups</h2>
<p>${worst ? `Worst subgroup: <b>${escapeHtml(worst.subgroup)}</b>, ${escapeHtml(worst.metric)} ${fmt(worst.value)} (pass &le; ${worst.pass}; holdout against train: ${fmt(worst.baseline ?? undefined)}), <b>${worst.verdict.toUpperCase()}</b>.` : 'No subgroup has enough holdout patients to be judged.'} Subgroups with fewer than ${r.subgroups.minimumHoldout} holdout patients are shown, not judged. Each cell: the synthetic set's figure, and below it the holdout's against train (two real samples). A share passes within 5 percentage points or twice what chance gives two samples of these sizes, whichever is larger.</p>
<div id="subgroups" class="wide"></div>
<table><thead><tr><th>attribute</th><th>subgroup</th><th>share of train</th><th>holdout</th><th>synthetic</th><th>share difference</th><th>KM largest gap</th><th>worst value KS</th><th>C-index lost (TRTR &minus; TSTR)</th><th>next-visit error TSTR / TRTR &minus; 1</th><th>detection |accuracy &minus; 0.5|</th></tr></thead><tbody>
${subgroupRows}
</tbody></table>
<h2>Covariate effects</h2>
${r.clinical.coxEffects.length ? `<div id="cox" class="wide"></div>\n<table><thead><tr><th>static</th><th>term</th><th>HR real (95% CI)</th><th>HR synthetic (95% CI)</th><th>HR holdout</th><th>synthetic inside real CI</th></tr></thead><tbody>\n${coxRows}\n</tbody></table>` : '<p class="note">No static with enough patients and events for a Cox model.</p>'}
<h2>Event rates</h2>
${r.clinical.eventRates.length ? `<div id="events" class="chart"></div>\n<table><thead><tr><th>event type</th><th>patients with one, real</th><th>synthetic</th><th>holdout</th><th>events per patient, real</th><th>synthetic</th><th>holdout</th></tr></thead><tbody>\n${eventRows}\n</tbody></table>` : '<p class="note">No events.</p>'}
<h2>Trajectories</h2>
<p class="note">Median and quartiles of each lab across patients by year from the index date (each patient once per year); years with fewer than ${r.disclosure.minimumCell} patients are not shown.</p>
<div id="trajectories" class="grid"></div>
<h2>Distributions</h2>
<div id="numeric" class="grid"></div>
<div id="categorical" class="grid"></div>
<div class="grid"><div id="gaps" class="chart"></div><div id="lengths" class="chart"></div></div>
<h2>Dependence</h2>
<div class="grid"><div id="corr-real" class="chart"></div><div id="corr-synthetic" class="chart"></div></div>
<h2>Detection</h2>
${detection}
${r.detection.features.length ? '<p class="note">The summary features the random forest splits on most to tell synthetic from real patients (share of its Gini decrease): what gives the set away.</p>\n<div id="detection" class="chart"></div>' : ''}
<h2>Privacy</h2>
<div id="dcr" class="wide"></div>
<h2>All metrics</h2>
<table><thead><tr><th>group</th><th>metric</th><th>value</th><th>baseline</th><th>threshold</th><th>verdict</th><th>data used</th></tr></thead><tbody>
${rows}
</tbody></table>
<script>${plotly}</script>
<script id="data" type="application/json">${embed(chartData)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
