import { table } from '../../common/format.js';
import { allLedgers, compositionLine, ledgerOf, setBudget, sourceDataset, type Ledger } from '../../export/ledger.js';
import { UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult, type Out } from '../output.js';
import { withStore } from '../store.js';

export const ledgerCommand = defineCommand({
  name: 'ledger',
  summary: 'the privacy ledger: released sets, epsilon spent per dataset, budgets',
  usage: ['[DATASET] [--json]', 'DATASET --budget EPSILON|none'],
  details:
    'Every export of a synthetic set is a release of its model, whose epsilon the ledger keeps with the real dataset the cohort was drawn from. ' +
    'Sets of one model cost its epsilon once; models add up (sequential composition); a set of a model trained without differential privacy leaves the dataset with no bound. ' +
    '--budget sets the epsilon a dataset may spend in all (none: removes it); an export that would pass it is refused unless given --over-budget REASON.',
  options: {
    budget: { type: 'string', arg: 'EPSILON|none', help: "set the dataset's epsilon budget (none: remove it); the change is kept with the ledger" },
    ...commonOptions,
  },
  examples: ['ledger --db study.db', 'ledger steno2 --budget 10 --db study.db'],
  async run({ args, values, dbPath, out }) {
    const ref = args[0];
    if (values.budget !== undefined && !ref) throw new UsageError('ledger --budget needs the DATASET it is for');
    const budget = values.budget === undefined ? undefined : values.budget.trim().toLowerCase() === 'none' ? null : Number(values.budget);
    if (budget !== undefined && budget !== null && !(budget > 0 && Number.isFinite(budget))) throw new UsageError(`--budget is an epsilon above 0, or none; not "${values.budget}"`);
    const ledgers = await withStore(dbPath, (db) => (budget !== undefined ? [setBudget(db, ref!, budget)] : ref ? [ledgerOf(db, sourceDataset(db, ref).id)] : allLedgers(db)));
    printResult(out, values.json, ledgers, printLedgers);
    return 0;
  },
});

function printLedgers(out: Out, ledgers: Ledger[]): void {
  if (!ledgers.length) {
    out('Nothing released yet, and no budget set. Every export enters the ledger; set a budget with: synthehr ledger DATASET --budget EPSILON');
    return;
  }
  for (const l of ledgers) {
    out(`Dataset ${l.sourceDataset}: ${compositionLine(l)}; ${l.budget === null ? 'no budget set' : `budget epsilon ${l.budget}`}`);
    if (l.releases.length) {
      out(table(['released', 'set', 'run', 'epsilon', 'delta', 'export', 'over budget'],
        l.releases.map((r) => [r.releasedAt.slice(0, 19).replace('T', ' '), r.syntheticSet, r.runId, r.epsilon ?? 'no DP', r.delta ?? '', r.exportAuditId ?? '', r.overBudgetReason ?? '']),
        [false, false, true, true, true, true, false]));
    }
  }
}
