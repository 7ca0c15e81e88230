import { num, table } from '../../common/format.js';
import { BACKENDS } from '../../training/backendNames.js';
import type { GenerateResult } from '../../training/generate.js';
import { parseTarget } from '../../training/balance.js';
import { describeSetCondition } from '../../training/setCondition.js';
import { backendArg, integerArg, numberArg, seedArg, UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult, type Out } from '../output.js';
import { countProgressPrinter, withProgress } from '../progress.js';
import { withStore } from '../store.js';

/** Above this many patients, generate asks for --force. */
const PATIENT_CAP = 100_000;

export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'synthetic patients from a trained run, stored as a new dataset (see inspect)',
  usage: ['RUN --patients N [--where CLAUSE]... [--outcome O] [--balance A [--target L=S,...]] [--seed N] [--margin X] [--backend B] [--force] [--json]'],
  details:
    `Values outside the range observed in the cohort, and other implausible records, are repaired and counted. Progress goes to stderr. More than ${num(PATIENT_CAP)} patients needs --force. ` +
    'With --where and --outcome every patient meets the condition: the run is told it (new runs learn the categorical statics, the age band at index and the outcome as conditions), a VAE draws its patients like the training patients who meet it; ' +
    'drafts that miss a clause are discarded and the share kept is reported. A condition no training patient meets (or fewer than 5) is refused, as is one too rare to sample. ' +
    'With --balance the levels of one attribute come in equal shares (levels fewer than 5 training patients have are left out, and listed), or in the shares --target gives; the data card records the target and what the set holds.',
  options: {
    patients: { type: 'string', arg: 'N', help: 'how many synthetic patients' },
    seed: { type: 'string', arg: 'N', help: "the random seed, 0 to 2147483647 (default: from the run's seed, new for each set)" },
    margin: { type: 'string', arg: 'X', help: 'the share of the observed range values may pass it by (0 to 1, default 0.1)' },
    backend: { type: 'string', arg: 'B', help: `auto (default) or one of ${BACKENDS.join(', ')}` },
    force: { type: 'boolean', default: false, help: `generate more than ${num(PATIENT_CAP)} patients` },
    where: { type: 'string', multiple: true, arg: 'CLAUSE', help: 'a static every patient meets: NAME=LEVEL, NAME!=LEVEL or NAME<op>NUMBER (op < <= > >=; "age" is the age at index); repeat for more' },
    outcome: { type: 'string', arg: 'O', help: "every patient's outcome: event, censored, competing or an event type of the cohort (e.g. death)" },
    balance: { type: 'string', arg: 'A', help: 'an attribute whose levels the set holds in target shares: a categorical static, age (the age band at index) or outcome' },
    target: { type: 'string', arg: 'L=S,...', help: 'with --balance: the share of each level, adding up to 1 (default: equal shares)' },
    ...commonOptions,
  },
  examples: ['generate 1 --patients 160 --db study.db', 'generate 1 --patients 500 --where sex=F --where "age>=70" --outcome death --db study.db', 'generate 1 --patients 400 --balance arm --db study.db', 'generate 1 --patients 400 --balance sex --target F=0.5,M=0.5 --db study.db'],
  async run({ args, values, dbPath, out }) {
    const run = args[0];
    if (!run || values.patients === undefined) throw new UsageError('generate needs a RUN and --patients N');
    const runId = integerArg(run, 'RUN');
    const patients = integerArg(values.patients, '--patients');
    if (patients > PATIENT_CAP && !values.force) {
      throw new UsageError(`--patients ${num(patients)} is more than ${num(PATIENT_CAP)}: such a set takes long to generate and to evaluate, and fills the store. Add --force to generate it anyway.`);
    }
    const request = {
      runId,
      patients,
      seed: values.seed === undefined ? undefined : seedArg(values.seed),
      margin: values.margin === undefined ? undefined : numberArg(values.margin, '--margin', { min: 0, max: 1 }),
      backend: values.backend === undefined ? ('auto' as const) : backendArg(values.backend),
      condition: { where: values.where ?? [], ...(values.outcome === undefined ? {} : { outcome: values.outcome }) },
      ...(values.balance === undefined ? {} : { balance: { attribute: values.balance, ...(values.target === undefined ? {} : { target: parseTarget(values.target) }) } }),
    };
    if (values.target !== undefined && values.balance === undefined) throw new UsageError('--target gives the shares of --balance: name the attribute with --balance A');
    const { generateSyntheticSet } = await import('../../training/generate.js');
    return withStore(dbPath, async (db) => {
      const result = await withProgress(countProgressPrinter('generated', 'patients'), (onProgress) => generateSyntheticSet(db, { ...request, onProgress }));
      printResult(out, values.json, result, (o, r) => printGenerated(o, r, dbPath));
      return 0;
    });
  },
});

function printGenerated(out: Out, r: GenerateResult, dbPath: string): void {
  out(`Generated ${num(r.patients)} synthetic patients as dataset "${r.dataset}" (set ${r.syntheticSetId}) in ${r.seconds.toFixed(1)} s: ${num(r.measurements)} measurements, ${num(r.events)} events`);
  if (r.condition) out(describeSetCondition(r.condition));
  out('Plausibility rules (violations found and repaired):');
  out(table(['rule', 'violations'], Object.entries(r.violations).map(([k, v]) => [k, num(v)]), [false, true]));
  out(`Summarise it like a real one: synthehr inspect ${r.dataset} --db ${dbPath}`);
}
