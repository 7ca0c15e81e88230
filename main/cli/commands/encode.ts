import { showCohort } from '../../cohort/cohortService.js';
import { num, table } from '../../common/format.js';
import { daysToIso } from '../../ingest/values.js';
import { previewEncoding, type EncodingPreview } from '../../sequence/preview.js';
import { integerArg, numberArg, UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult, type Out } from '../output.js';
import { withStore } from '../store.js';

export const encodeCommand = defineCommand({
  name: 'encode',
  summary: "one patient's timeline in a cohort and its encoding, decoded back as a check",
  usage: ['COHORT --preview PATIENT [--mode irregular|grid] [--bin DAYS] [--carry-forward] [--max-length N] [--json]'],
  details:
    "Timestep settings given here are fitted on the cohort for this preview only; the cohort's stored encoding is left as it is. PATIENT is the patient's id in the source data.",
  options: {
    preview: { type: 'string', arg: 'PATIENT', help: 'the patient to show' },
    mode: { type: 'string', arg: 'irregular|grid', help: 'one step per visit or event (irregular), or fixed bins (grid)' },
    bin: { type: 'string', arg: 'DAYS', help: 'the width of a grid bin, at least 1 day' },
    'carry-forward': { type: 'boolean', help: 'fill an empty bin with the last value seen' },
    'max-length': { type: 'string', arg: 'N', help: 'steps kept per patient' },
    ...commonOptions,
  },
  examples: ['encode steno2_death --preview 3 --mode grid --bin 365 --carry-forward --db study.db'],
  async run({ args, values, dbPath, out }) {
    const ref = args[0];
    const patient = values.preview;
    if (!ref || !patient) throw new UsageError('encode needs a COHORT and --preview PATIENT');
    return withStore(dbPath, (db) => {
      const cohort = showCohort(db, ref);
      const timesteps: Record<string, unknown> = {};
      if (values.mode !== undefined) {
        if (values.mode !== 'irregular' && values.mode !== 'grid') throw new UsageError('--mode is irregular or grid');
        timesteps.mode = values.mode;
      }
      if (values.bin !== undefined) timesteps.binDays = numberArg(values.bin, '--bin (days)', { min: 1 });
      if (values['carry-forward']) timesteps.carryForward = true;
      if (values['max-length'] !== undefined) timesteps.maxLength = integerArg(values['max-length'], '--max-length');
      printResult(out, values.json, previewEncoding(db, cohort.id, patient, timesteps), printPreview);
      return 0;
    });
  },
});

function printPreview(out: Out, p: EncodingPreview): void {
  const calendar = p.timeBasis === 'calendar';
  const when = (t: number) => (calendar ? daysToIso(Math.round(t)) : `day ${num(t)}`);
  const enc = p.encoding;
  out(`Patient "${p.patient.sourceKey}" of cohort "${p.cohort.name}" v${p.cohort.version} (${p.patient.split} split); index ${when(p.indexTime)}`);
  out(`Statics: ${p.statics.map((s) => `${s.name} ${s.value === null ? '-' : s.kind === 'date' && calendar ? daysToIso(Number(s.value)) : s.value}${s.unit ? ` ${s.unit}` : ''}`).join(', ')}`);
  const outcome = p.outcome.status === 0 ? 'censored' : `${p.outcome.eventType}${p.outcome.status === 2 ? ' (competing)' : ''}`;
  out(`Outcome: ${outcome} at day ${num(p.outcome.days)} (${when(p.indexTime + p.outcome.days)})`);
  const mode = enc.mode === 'grid' ? `grid of ${num(enc.binDays)}-day bins${enc.carryForward ? ' with carry-forward' : ''}` : 'irregular';
  out(`\nTimeline, ${mode}: ${p.steps.length} step(s)${p.droppedSteps ? `, ${p.droppedSteps} more cut at max length ${enc.maxLength}` : ''}`);
  const names = enc.measurements.map((m) => m.name);
  out(
    table(
      ['step', enc.mode === 'grid' ? 'bin from' : 'date', 'day', ...names, 'events'],
      p.steps.map((s) => [s.step, when(s.time), num(s.relTime), ...names.map((n) => (s.values[n] === null ? '.' : String(s.values[n]))), s.events.join(' ')]),
      [true, false, true, ...names.map(() => true), false],
    ),
  );
  out(`\nEncoded (${enc.stepWidth} channels per step; masked values are 0${enc.carryForward ? ' unless carried forward' : ''}):`);
  const fmt = (x: number) => (x === 0 ? '0' : x === 1 ? '1' : x.toFixed(3));
  out(table(['step', ...p.channels.step], p.steps.map((s) => [s.step, ...s.encoded.map(fmt)]), [true, ...p.channels.step.map(() => true)]));
  out(`statics: ${p.channels.statics.map((n, i) => `${n}=${fmt(p.staticsEncoded[i]!)}`).join(', ')}`);
  out(`outcome: ${p.channels.outcome.map((n, i) => `${n}=${fmt(p.outcome.encoded[i]!)}`).join(', ')}`);
  out(`\nDecoded back: ${p.roundTrip ? (enc.mode === 'grid' ? 'identical to the binned timeline' : 'identical to the timeline') : 'DIFFERS from the timeline (report this)'}`);
}
