import { summarizeDataset } from '../../ingest/datasetSummary.js';
import { integerArg, UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult } from '../output.js';
import { printSummary } from '../print/dataset.js';
import { withStore } from '../store.js';

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'a dataset in numbers: variables, visits, follow-up, events, censoring, import warnings',
  usage: ['DATASET [--warnings N] [--json]'],
  details: 'DATASET is a dataset name or id (see synthehr datasets), real or synthetic.',
  options: {
    warnings: { type: 'string', arg: 'N', help: 'how many import warnings to list (default 10; 0 for the counts alone)' },
    ...commonOptions,
  },
  examples: ['inspect steno2 --db study.db'],
  async run({ args, values, dbPath, out }) {
    const name = args[0];
    if (!name) throw new UsageError('inspect needs a DATASET name or id');
    return withStore(dbPath, (db) => {
      const summary = summarizeDataset(db, name);
      printResult(out, values.json, summary, (o, s) => printSummary(o, s, values.warnings === undefined ? 10 : integerArg(values.warnings, '--warnings', { min: 0 })));
      return 0;
    });
  },
});
