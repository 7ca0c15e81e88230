import { resolve } from 'node:path';
import { outputFolderArg, UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult } from '../output.js';
import { printEvaluation } from '../print/evaluation.js';
import { withStore } from '../store.js';

export const evaluateCommand = defineCommand({
  name: 'evaluate',
  summary: 'the share verdict, fidelity, clinical fidelity, survival and privacy of a synthetic set',
  usage: ['SET [--out DIR] [--sensitive VARIABLE] [--stratum VARIABLE] [--json]'],
  details:
    'SET is the synthetic set\'s dataset name (see synthehr datasets); it is judged against its cohort. Clinical fidelity: event rates, hazard ratios, Kaplan-Meier by --stratum, trajectories. ' +
    'Writes the report, aggregates only, as JSON and HTML into --out.',
  options: {
    out: { type: 'string', arg: 'DIR', help: 'the folder for the report (default ./reports)' },
    sensitive: { type: 'string', arg: 'VARIABLE', help: 'the categorical static that attribute inference tries to guess (default: the first categorical static)' },
    stratum: { type: 'string', arg: 'VARIABLE', help: 'a categorical static (2 to 8 levels) to compare survival by' },
    ...commonOptions,
  },
  examples: ['evaluate steno2_death_vae_r1_s1 --out reports --sensitive sex --stratum arm --db study.db'],
  async run({ args, values, dbPath, out }) {
    const set = args[0];
    if (!set) throw new UsageError('evaluate needs a synthetic SET (its dataset name, see synthehr datasets)');
    const outDir = outputFolderArg(resolve(values.out ?? 'reports'), '--out');
    const [{ evaluate }, { writeReport }] = await Promise.all([import('../../evaluation/evaluate.js'), import('../../evaluation/report.js')]);
    return withStore(dbPath, async (db) => {
      const report = await evaluate(db, set, { sensitive: values.sensitive, stratum: values.stratum });
      const paths = writeReport(report, outDir);
      printResult(out, values.json, report, (o, r) => printEvaluation(o, r, paths));
      return 0;
    });
  },
});
