import { num, table } from '../../common/format.js';
import { listDatasets } from '../../ingest/datasetSummary.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult } from '../output.js';
import { withStore } from '../store.js';

export const datasetsCommand = defineCommand({
  name: 'datasets',
  summary: 'list the datasets in the store, real and synthetic',
  usage: ['[--json]'],
  options: { ...commonOptions },
  examples: ['datasets --db study.db'],
  async run({ values, dbPath, out }) {
    const rows = await withStore(dbPath, listDatasets);
    printResult(out, values.json, rows, () => {
      if (rows.length === 0) out(`No datasets in ${dbPath}. Import one with: synthehr import --mapping FILE --db ${dbPath}`);
      else
        out(table(['id', 'name', 'time', 'patients', 'measurements', 'events', 'imported'],
          rows.map((d) => [d.id, d.name, d.timeBasis, num(d.patients), num(d.measurements), num(d.events), d.createdAt.slice(0, 19).replace('T', ' ')]),
          [true, false, false, true, true, true]));
    });
    return 0;
  },
});
