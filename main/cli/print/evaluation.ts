import { num, table } from '../../common/format.js';
import { conditionLine } from '../../evaluation/conditionLine.js';
import type { EvaluationReport } from '../../evaluation/evaluate.js';
import type { Out } from '../output.js';

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : Math.abs(x) >= 100 ? num(Math.round(x)) : x.toFixed(3));

/** Prints the evaluation, opening with the share verdict; the closest training patients are never printed. */
export function printEvaluation(out: Out, r: EvaluationReport, paths: { json: string; html: string }): void {
  out(r.verdict.line);
  out(`Evaluation of "${r.syntheticSet.dataset}" (${num(r.syntheticSet.patients)} synthetic patients, ${r.run ? `${r.run.family} run ${r.run.id}, ${r.run.backend}` : 'run deleted'}) against cohort ${r.cohort.name}@${r.cohort.version}`);
  if (r.condition) out(conditionLine(r.condition));
  out(`Data: train ${num(r.dataUse.train)} (what the model saw), holdout ${num(r.dataUse.holdout)} (never seen; the baseline), synthetic ${num(r.dataUse.synthetic)}`);
  out('');
  out(
    table(
      ['group', 'metric', 'value', 'baseline', 'pass if', 'verdict'],
      r.metrics.map((m) => [
        m.group,
        m.variable ? `${m.name} [${m.variable}]` : m.name,
        fmt(m.value),
        fmt(m.baseline),
        `${m.threshold.better === 'lower' ? '<=' : '>='} ${m.threshold.pass}`,
        m.verdict.toUpperCase(),
      ]),
      [false, false, true, true, false, false],
    ),
  );
  const s = r.survival;
  out(`\nSurvival: censoring ${(s.real.censoringRate * 100).toFixed(1)}% real vs ${(s.synthetic.censoringRate * 100).toFixed(1)}% synthetic; RMST to day ${num(Math.round(s.tau))}: ${num(Math.round(s.real.rmst))} vs ${num(Math.round(s.synthetic.rmst))} days; log-rank chi-square ${s.logRank.chiSquare.toFixed(2)}, p ${s.logRank.p.toFixed(3)}`);
  const hr = (h: { hr: number; lower: number; upper: number }, ci: boolean) => (Number.isFinite(h.hr) ? `${h.hr.toFixed(2)}${ci && Number.isFinite(h.lower) ? ` (${h.lower.toFixed(2)}-${h.upper.toFixed(2)})` : ''}` : 'n/a');
  for (const c of r.clinical.coxEffects) out(`Hazard ratio ${c.variable} ${c.term}: real ${hr(c.real, true)}, synthetic ${hr(c.synthetic, true)}, holdout ${hr(c.holdout, false)}`);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rates = r.clinical.eventRates.map((e) => `${e.type} ${e.real ? pct(e.real.share) : `<${r.disclosure.minimumCell} patients`} real vs ${pct(e.synthetic.share)} synthetic`);
  if (rates.length) out(`Patients with the event: ${rates.join('; ')}`);
  const d = r.headline.detectors;
  out(
    `Detection (|accuracy - 0.5|, the worse counts): GRU classifier ${d.gru.score.toFixed(3)} (accuracy ${pct(d.gru.accuracy)}); ` +
      `random forest on patient summaries ${d.forest.score.toFixed(3)} (accuracy ${pct(d.forest.accuracy)}, AUC ${fmt(d.forest.auc)}; holdout vs train ${pct(d.forest.baselineAccuracy)}); headline ${r.headline.discriminativeScore.toFixed(3)} from the ${r.headline.detector}`,
  );
  if (r.detection.features.length) out(`What gives the set away (share of the forest's splits): ${r.detection.features.map((f) => `${f.feature} ${pct(f.importance)}`).join('; ')}`);
  for (const line of subgroupLines(r)) out(line);
  out(`Verdicts: ${r.verdicts.pass} pass, ${r.verdicts.warn} warn, ${r.verdicts.fail} fail${r.verdicts['n/a'] ? `, ${r.verdicts['n/a']} n/a` : ''}`);
  const v = Object.entries(r.syntheticSet.violations).filter(([, n]) => n > 0);
  if (v.length) out(`Plausibility repairs at generation: ${v.map(([k, n]) => `${k} ${num(n)}`).join(', ')}`);
  out(`\n${r.verdict.line}\nRule: ${r.verdict.rule}`);
  out(`\nReport: ${paths.html}\n        ${paths.json}`);
}

/** The subgroups: each share synthetic against train, then each judged subgroup's measures (holdout against train in brackets), and the worst. */
function subgroupLines(r: EvaluationReport): string[] {
  const pct = (x: number | null) => (x === null ? `<${r.disclosure.minimumCell}` : `${(x * 100).toFixed(1)}%`);
  const g = r.subgroups;
  const shares = g.attributes.map((a) => {
    const rows = g.rows.filter((row) => row.attribute === a);
    return `  ${a}: ${rows.map((row) => `${row.level} ${pct(row.synthetic.share)} (train ${pct(row.train.share)})${row.judged ? '' : ', not judged'}`).join('; ')}`;
  });
  const judged = g.rows
    .filter((row) => row.judged)
    .map((row) => `  ${row.attribute} = ${row.level}: ${row.metrics.map((m) => `${m.name.replace(/^subgroup /, '')} ${fmt(m.value)} (${fmt(m.baseline)}) ${m.verdict.toUpperCase()}`).join('; ')}`);
  const worst = g.worst ? `Worst subgroup: ${g.worst.subgroup}, ${g.worst.metric} ${fmt(g.worst.value)} (pass <= ${g.worst.pass}; holdout ${fmt(g.worst.baseline ?? undefined)}), ${g.worst.verdict.toUpperCase()}` : 'Worst subgroup: none has enough holdout patients to be judged';
  return [
    `Subgroups, share of the synthetic patients (not judged: fewer than ${g.minimumHoldout} holdout patients):`,
    ...shares,
    'Subgroups judged (synthetic vs train; holdout vs train in brackets):',
    ...judged,
    worst,
  ];
}
