import type { CohortReport } from '../../cohort/cohortService.js';
import { describeTransforms } from '../../sequence/describeEncoding.js';
import type { Encoding } from '../../sequence/encoding.js';
import type { SequenceSide } from '../../sequence/summary.js';
import { num, pct, table } from '../../common/format.js';
import type { Out } from '../output.js';
import { kmPlot } from './kmPlot.js';

const STATUS = ['censored', 'event', 'competing'];

export function printCohort(out: Out, r: CohortReport): void {
  const def = r.definition;
  out(`Cohort "${r.name}" version ${r.version} (id ${r.id}) on dataset "${r.dataset}", created ${r.createdAt}${r.unchanged ? ' (unchanged: same definition, same patients)' : ''}`);
  if (def.description) out(def.description);

  out('\nAttrition');
  out(table(['step', 'criterion', 'removed', 'remaining'], r.attrition.map((a) => [a.step, a.label, a.step === 0 ? '' : num(a.removed), num(a.remaining)]), [true, false, true, true]));

  const o = r.outcome;
  const competing = def.outcome.competing.length ? `, competing: ${def.outcome.competing.join(', ')}` : '';
  out(`\nOutcome: ${def.outcome.events.join(' or ')}${competing}${def.outcome.horizonDays ? `, horizon ${num(def.outcome.horizonDays)} days` : ''}`);
  out(`  ${num(o.patients)} patients: ${num(o.events)} events, ${num(o.competing)} competing, ${num(o.censored)} censored; censoring rate ${pct(o.censoringRate)}`);
  const fu = o.followUpDays;
  if (fu) out(`  follow-up from index: median ${days(fu.median)} observed (quartiles ${num(fu.p25)} / ${num(fu.p75)} days); median potential follow-up (reverse Kaplan-Meier) ${o.medianFollowUpReverseKm === null ? 'not reached' : days(o.medianFollowUpReverseKm)}`);
  out(`\nKaplan-Meier estimate (${def.outcome.events.join(' or ')}; competing events censored), 95% band: Greenwood variance, log(-log) scale`);
  out(kmPlot(o.km));
  out(
    table(
      ['time', 'at risk', 'survival', '95% CI'],
      o.milestones.map((m) => [m.days >= 365 ? `${num(m.days / 365.25)} y` : `${num(m.days)} d`, num(m.atRisk), pct(m.survival), `${pct(m.lower)} - ${pct(m.upper)}`]),
      [true, true, true, true],
    ),
  );
  out(`  median time to event: ${o.km.median === null ? 'not reached' : days(o.km.median)}`);

  const s = r.split;
  out(`\nSplit (stratified by outcome, seed ${def.split.seed}): train ${num(s.train)}, holdout ${num(s.holdout)}`);
  out(`  ${s.byStatus.map((b) => `${STATUS[b.status]} ${num(b.train)} / ${num(b.holdout)}`).join(', ')}`);

  printEncoding(out, r.encoding);
  const es = r.encodingSummary;
  out(`\nSequences before and after encoding${es.truncated ? ` (${num(es.truncated)} patients cut at ${es.maxLength} steps)` : ''}`);
  const side = (x: SequenceSide) => x;
  const b = side(es.before);
  const a = side(es.after);
  const q = (x: SequenceSide['lengths']) => (x ? `${num(x.median)} (${num(x.min)}-${num(x.max)})` : '-');
  out(
    table(
      ['', 'before (visits and events)', `after (${es.mode === 'grid' ? `${num(es.binDays)}-day bins` : 'irregular steps'})`],
      [
        ['steps per patient: median (range)', q(b.lengths), q(a.lengths)],
        ['days between steps: median (range)', q(b.gaps), q(a.gaps)],
        ...b.observationRate.map((v, i) => [`${v.variable} observed`, pct(v.rate), pct(a.observationRate[i]?.rate)]),
        ...(es.carriedShare !== null ? [['empty values carried forward', '', pct(es.carriedShare)]] : []),
      ],
      [false, true, true],
    ),
  );
  for (const n of r.notes) out(`Note: ${n}`);
}

export function printEncoding(out: Out, enc: Encoding): void {
  const mode = enc.mode === 'grid' ? `grid, ${num(enc.binDays)}-day bins${enc.carryForward ? ', carry-forward' : ''}` : 'irregular (one step per visit or event)';
  out(`\nEncoding: ${mode}; max length ${enc.maxLength}; channels: ${enc.staticWidth} static, ${enc.stepWidth} per step, ${enc.outcomeWidth} outcome; scaling fitted on the training split`);
  out(table(['part', 'channel', 'kind', 'transform', 'mask'], describeTransforms(enc).map((r) => [r.part, r.channel, r.kind, r.transform, r.mask ? 'yes' : ''])));
}

function days(d: number): string {
  return d >= 730 ? `${num(d)} days (${(d / 365.25).toFixed(1)} years)` : `${num(d)} days`;
}
