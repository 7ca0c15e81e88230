import { num, table } from '../../common/format.js';
import { listRuns } from '../../training/runs.js';
import { commonOptions, defineCommand } from '../command.js';
import { printResult, type Out } from '../output.js';
import { withStore } from '../store.js';

export const runsCommand = defineCommand({
  name: 'runs',
  summary: 'the training runs, with status, step, epsilon spent (private runs) and backend',
  usage: ['[--json]'],
  details: 'A run whose training process died is marked failed here; train --resume RUN goes on from its last checkpoint.',
  options: { ...commonOptions },
  examples: ['runs --db study.db'],
  async run({ values, dbPath, out }) {
    printResult(out, values.json, await withStore(dbPath, listRuns), printRuns);
    return 0;
  },
});

function printRuns(out: Out, runs: ReturnType<typeof listRuns>): void {
  if (!runs.length) {
    out('No training runs yet. Start one with: synthehr train COHORT --model vae|timegan');
    return;
  }
  out(table(['run', 'cohort', 'model', 'status', 'step', 'privacy', 'backend', 'device', 'started'],
    runs.map((r) => [r.id, r.cohort, r.family, r.stoppedBy === 'validation' ? 'completed (validation loss)' : r.status, `${num(r.step)}/${num(r.totalSteps)}`, privacyCell(r.privacy), r.backend, r.device, r.createdAt.slice(0, 19).replace('T', ' ')]),
    [true, false, false, false, true]));
}

/** "epsilon 2.1 of 3" for a private run, "no DP" for the others. */
function privacyCell(p: ReturnType<typeof listRuns>[number]['privacy']): string {
  return p ? `epsilon ${(Math.round(p.spent * 100) / 100).toString()} of ${p.epsilon}` : 'no DP';
}
