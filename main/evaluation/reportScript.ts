/*
 * The script of the HTML report: draws every chart from the aggregates in the
 * page's data element (binned counts, curves on a grid, quartile bands). It
 * counts what it drew in body[data-charts-drawn]:
 *   1 (survival) + stratum levels + (covariate effects ? 1 : 0) + (event rates ? 1 : 0)
 *   + trajectories + numeric + categorical + 2 (gaps, lengths) + (correlation ? 2 : 0) + (detection features ? 1 : 0) + 1 (DCR)
 *   + (judged subgroup measures ? 1 : 0)
 */
export const REPORT_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  var real = '#2f6fde', syn = '#e4572e', hold = '#6b7b8c', cfg = { displaylogo: false, responsive: true, displayModeBar: false };
  var drawn = 0;
  function plot(el, traces, layout) { Plotly.newPlot(el, traces, Object.assign({ margin: { t: 36, r: 12, b: 70, l: 50 }, legend: { orientation: 'h', y: -0.32 } }, layout), cfg); drawn++; }
  function div(parent, cls) { var e = document.createElement('div'); e.className = cls || 'chart'; document.getElementById(parent).appendChild(e); return e; }
  function km(curve, name, color) {
    var x = [0], y = [1], lo = [1], hi = [1];
    curve.points.forEach(function (p) { x.push(p.time); y.push(p.survival); lo.push(p.lower); hi.push(p.upper); });
    return [
      { x: x, y: hi, line: { shape: 'hv', width: 0 }, showlegend: false, hoverinfo: 'skip', mode: 'lines' },
      { x: x, y: lo, fill: 'tonexty', fillcolor: color + '33', line: { shape: 'hv', width: 0 }, showlegend: false, hoverinfo: 'skip', mode: 'lines' },
      { x: x, y: y, name: name, line: { shape: 'hv', color: color, width: 2 }, mode: 'lines' }
    ];
  }
  var kmAxes = { xaxis: { title: { text: 'days from index' } }, yaxis: { title: { text: 'survival' }, range: [0, 1.02] } };
  plot('km', km(d.survival.real, 'real (train)', real).concat(km(d.survival.synthetic, 'synthetic', syn)), Object.assign({ title: { text: 'Kaplan-Meier with 95% band' } }, kmAxes));
  if (d.stratum) d.stratum.levels.forEach(function (l) {
    plot(div('stratum'), km(l.real, 'real (train)', real).concat(km(l.synthetic, 'synthetic', syn)), Object.assign({ title: { text: d.stratum.variable + ' = ' + l.level } }, kmAxes));
  });
  if (d.cox.length) {
    var labels = d.cox.map(function (c) { return c.variable + ': ' + c.term; });
    function forest(side, name, color, shift) {
      return { x: d.cox.map(function (c) { return c[side].hr; }), y: labels.map(function (_, i) { return i + shift; }), mode: 'markers', name: name, marker: { color: color, size: 9 },
        error_x: side === 'real' || side === 'synthetic' ? { type: 'data', symmetric: false, array: d.cox.map(function (c) { return c[side].upper - c[side].hr; }), arrayminus: d.cox.map(function (c) { return c[side].hr - c[side].lower; }), color: color } : undefined };
    }
    plot('cox', [forest('real', 'real (train), 95% CI', real, 0.15), forest('synthetic', 'synthetic, 95% CI', syn, -0.15), forest('holdout', 'holdout', hold, 0)], {
      title: { text: 'Hazard ratio of each static (Cox model of the outcome)' }, xaxis: { type: 'log', title: { text: 'hazard ratio (log scale)' } },
      yaxis: { tickvals: labels.map(function (_, i) { return i; }), ticktext: labels, automargin: true }, height: Math.max(260, 60 + 40 * labels.length),
      shapes: [{ type: 'line', x0: 1, x1: 1, yref: 'paper', y0: 0, y1: 1, line: { color: '#999', dash: 'dot' } }]
    });
  }
  if (d.events.length) {
    var share = function (side) { return d.events.map(function (e) { return e[side] ? e[side].share : null; }); };
    plot('events', [
      { x: d.events.map(function (e) { return e.type; }), y: share('real'), type: 'bar', name: 'real (train)', marker: { color: real } },
      { x: d.events.map(function (e) { return e.type; }), y: share('synthetic'), type: 'bar', name: 'synthetic', marker: { color: syn } },
      { x: d.events.map(function (e) { return e.type; }), y: share('holdout'), type: 'bar', name: 'holdout', marker: { color: hold } }
    ], { title: { text: 'Patients with at least one event, by type' }, yaxis: { title: { text: 'share of patients' } } });
  }
  d.trajectories.forEach(function (t) {
    function band(b, name, color) {
      var x = t.years.map(function (y) { return y + 0.5; });
      return [
        { x: x, y: b.q3, line: { width: 0 }, mode: 'lines', showlegend: false, hoverinfo: 'skip', connectgaps: false },
        { x: x, y: b.q1, fill: 'tonexty', fillcolor: color + '33', line: { width: 0 }, mode: 'lines', name: name + ' quartiles', connectgaps: false },
        { x: x, y: b.median, line: { color: color, width: 2 }, mode: 'lines+markers', name: name + ' median', connectgaps: false }
      ];
    }
    plot(div('trajectories'), band(t.real, 'real', real).concat(band(t.synthetic, 'synthetic', syn)), { title: { text: t.variable }, xaxis: { title: { text: 'years from index' } }, yaxis: { title: { text: t.unit || '' } } });
  });
  function toDate(days) { return new Date(days * 864e5).toISOString().slice(0, 10); }
  function bars(el, title, b, xtitle, names, asDate) {
    var mid = b.edges.slice(0, -1).map(function (e, i) { return (e + b.edges[i + 1]) / 2; });
    var x = asDate ? mid.map(toDate) : mid, width = asDate ? undefined : b.edges.length > 1 ? b.edges[1] - b.edges[0] : 1;
    function trace(counts, n, name, color) {
      return { x: x, y: counts.map(function (c) { return c === null ? 0 : c / Math.max(1, n); }), type: 'bar', width: width, name: name, opacity: 0.6, marker: { color: color },
        customdata: counts.map(function (c) { return c === null ? 'fewer than ' + d.minimumCell + ' (not shown)' : String(c); }), hovertemplate: '%{x}: %{customdata}<extra>' + name + '</extra>' };
    }
    plot(el, [trace(b.real, b.n.real, names[0], names[0].indexOf('holdout') === 0 ? hold : real), trace(b.synthetic, b.n.synthetic, names[1], syn)], { title: { text: title }, barmode: 'overlay', xaxis: { title: { text: xtitle || '' } }, yaxis: { title: { text: 'share' } } });
  }
  var realSyn = ['real (train)', 'synthetic'];
  d.numeric.forEach(function (n) {
    if (n.kind === 'index') bars(div('numeric'), n.variable, n, 'date', realSyn, true);
    else bars(div('numeric'), n.variable, n, n.unit || '', realSyn, false);
  });
  d.categorical.forEach(function (c) {
    plot(div('categorical'), [
      { x: c.levels, y: c.real, type: 'bar', name: 'real (train)', marker: { color: real } },
      { x: c.levels, y: c.synthetic, type: 'bar', name: 'synthetic', marker: { color: syn } }
    ], { title: { text: c.variable }, yaxis: { title: { text: 'share' } } });
  });
  bars('gaps', 'Days between visits', d.gaps, 'days', realSyn, false);
  bars('lengths', 'Visits per patient', d.lengths, 'visits', realSyn, false);
  function heat(el, title, z) { plot(el, [{ z: z, x: d.correlation.variables, y: d.correlation.variables, type: 'heatmap', zmin: -1, zmax: 1, colorscale: 'RdBu' }], { title: { text: title } }); }
  if (d.correlation.variables.length) { heat('corr-real', 'Correlation of patient means: real', d.correlation.real); heat('corr-synthetic', 'Correlation of patient means: synthetic', d.correlation.synthetic); }
  if (d.detection.length) {
    var top = d.detection.slice().reverse();
    plot('detection', [{ x: top.map(function (f) { return f.importance; }), y: top.map(function (f) { return f.feature; }), type: 'bar', orientation: 'h', marker: { color: syn } }],
      { title: { text: 'What gives the synthetic set away' }, xaxis: { title: { text: 'share of the Gini decrease of the forest' }, tickformat: '.0%' }, yaxis: { automargin: true }, margin: { t: 36, r: 12, b: 50, l: 200 } });
  }
  bars('dcr', 'Distance to the closest training patient', d.dcr, 'distance (scaled units)', ['holdout (real, unseen)', 'synthetic'], false);
  if (d.subgroups.length) {
    var rows = d.subgroups.slice().reverse(), label = rows.map(function (g) { return g.subgroup + ' · ' + g.metric; });
    plot('subgroups', [
      { x: rows.map(function (g) { return g.synthetic; }), y: label, type: 'bar', orientation: 'h', name: 'synthetic vs train', marker: { color: rows.map(function (g) { return g.verdict === 'fail' ? '#b42318' : g.verdict === 'warn' ? '#e0a100' : syn; }) } },
      { x: rows.map(function (g) { return g.holdout; }), y: label, type: 'bar', orientation: 'h', name: 'holdout vs train (real baseline)', marker: { color: hold } }
    ], { title: { text: 'Subgroups: each measure as a multiple of its pass line' }, barmode: 'group', xaxis: { title: { text: 'figure / pass threshold (1: the line)' } }, yaxis: { automargin: true },
      height: Math.max(300, 80 + 28 * rows.length), margin: { t: 36, r: 12, b: 60, l: 320 }, shapes: [{ type: 'line', x0: 1, x1: 1, yref: 'paper', y0: 0, y1: 1, line: { color: '#999', dash: 'dot' } }] });
  }
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
`;
