import { resolve } from 'node:path';
import { createCohort, listCohorts, showCohort } from '../../cohort/cohortService.js';
import { loadDefinition } from '../../cohort/definition.js';
import { num, table } from '../../common/format.js';
import { UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult } from '../output.js';
import { printCohort } from '../print/cohort.js';
import { withStore } from '../store.js';

export const cohortCommand = defineCommand({
  name: 'cohort',
  summary: 'build a cohort from a definition, list the cohorts, show one',
  usage: ['create --definition FILE [--json]', 'list [--json]', 'show COHORT[@VERSION] [--json]'],
  details:
    'create builds the next version of the cohort its definition names and prints its attrition, outcome, Kaplan-Meier estimate, split, transforms and sequence summary (nothing new when the definition and the patients are unchanged); stages go to stderr. ' +
    'show prints the same for a stored version (the latest without @VERSION).',
  options: {
    definition: { type: 'string', arg: 'FILE', help: 'the cohort definition (JSON), for create' },
    ...commonOptions,
  },
  examples: ['cohort create --definition resources/cohorts/steno2-death.cohort.json --db study.db', 'cohort show steno2_death@1 --db study.db'],
  async run({ args, values, dbPath, out }) {
    const [sub, ref] = args;
    return withStore(dbPath, (db) => {
      switch (sub) {
        case 'create': {
          if (!values.definition) throw new UsageError('cohort create needs --definition FILE');
          const def = loadDefinition(resolve(values.definition));
          const started = performance.now();
          const report = createCohort(db, def, (stage) => process.stderr.write(`cohort ${def.name}: ${stage} ...\n`));
          printResult(out, values.json, report, () => {
            printCohort(out, report);
            out(`\n${report.unchanged ? 'Nothing changed' : `Stored as ${report.name}@${report.version}`} in ${dbPath} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
          });
          return 0;
        }
        case 'list': {
          const rows = listCohorts(db);
          if (values.json) out(JSON.stringify(rows.map(({ encodingJson, summaryJson, definitionJson, ...r }) => r), null, 2));
          else if (rows.length === 0) out(`No cohorts in ${dbPath}. Create one with: synthehr cohort create --definition FILE --db ${dbPath}`);
          else
            out(table(['id', 'cohort', 'version', 'dataset', 'patients', 'train', 'holdout', 'created'],
              rows.map((c) => [c.id, c.name, c.version, c.datasetName, num(c.patients), num(c.train), num(c.holdout), c.createdAt.slice(0, 19).replace('T', ' ')]),
              [true, false, true, false, true, true, true]));
          return 0;
        }
        case 'show': {
          if (!ref) throw new UsageError('cohort show needs a COHORT name (name@version for an older version)');
          printResult(out, values.json, showCohort(db, ref), printCohort);
          return 0;
        }
        default:
          throw new UsageError(sub ? `unknown cohort command "${sub}"` : 'cohort needs create, list or show');
      }
    });
  },
});
