import { resolve } from 'node:path';
import { showCohort } from '../../cohort/cohortService.js';
import { loadPublicFacts } from '../../privacy/facts/loadPublicFacts.js';
import { BACKENDS } from '../../training/backendNames.js';
import { DEFAULT_FAMILY, type ConfigOverrides } from '../../training/config.js';
import { backendArg, integerArg, numberArg, seedArg, UsageError } from '../args.js';
import { commonOptions, defineCommand } from '../command.js';
import { openStore, withStore } from '../store.js';
import { trainInChildProcess } from '../trainChild.js';

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a generator on a cohort in a child process, or resume a stopped run',
  usage: [
    'COHORT [--model vae|timegan] [--steps N] [--hidden N] [--batch N] [--lr X] [--seed N] [--backend B] [--checkpoint-every N] [--stop-on-validation] [--condition A]... [--no-conditions] [--epsilon E [--delta D] [--clip C] [--public FILE]] [--from RUN [--freeze N]] [--json]',
    '--resume RUN [--backend B] [--json]',
  ],
  details:
    'Trains on the cohort\'s training split; the holdout is never seen. Settings left out are sized to the cohort. Progress goes to stderr. ' +
    'Ctrl-C stops the run after a checkpoint; a run stopped, failed or killed goes on from its last checkpoint with --resume.',
  options: {
    model: { type: 'string', arg: 'vae|timegan', help: `the generator (default ${DEFAULT_FAMILY}, the more realistic by npm run bench:quality)` },
    steps: { type: 'string', arg: 'N', help: 'training steps' },
    hidden: { type: 'string', arg: 'N', help: 'hidden units, 1 to 4096' },
    batch: { type: 'string', arg: 'N', help: 'patients per batch' },
    lr: { type: 'string', arg: 'X', help: 'learning rate, above 0 and below 1' },
    seed: { type: 'string', arg: 'N', help: 'the random seed, 0 to 2147483647 (default 1)' },
    backend: { type: 'string', arg: 'B', help: `auto (default) or one of ${BACKENDS.join(', ')}` },
    'checkpoint-every': { type: 'string', arg: 'N', help: 'steps between checkpoints (default 100)' },
    'stop-on-validation': {
      type: 'boolean',
      default: false,
      help: 'VAE only: hold out 10% of the training split and stop once its loss stops improving, keeping the best weights (the steps become a maximum; faster, but on the shared cohorts less realistic: see the README)',
    },
    condition: {
      type: 'string',
      multiple: true,
      arg: 'A',
      help: 'an attribute to generate on demand (a categorical static, "age band at index", "outcome status"); repeat for more. Default: all of them for the VAE, none for TimeGAN',
    },
    'no-conditions': { type: 'boolean', default: false, help: 'train without conditions (generate then meets a condition by discarding drafts)' },
    epsilon: { type: 'string', arg: 'E', help: 'train with differential privacy (DP-SGD) within this budget, spent exactly over the steps (a TimeGAN without conditions)' },
    delta: { type: 'string', arg: 'D', help: 'with --epsilon: delta (default min(1e-5, 1/(100 n)), well below 1/n)' },
    clip: { type: 'string', arg: 'C', help: "with --epsilon: the largest norm of one patient's gradient (default 1)" },
    public: {
      type: 'string',
      arg: 'FILE',
      help: 'with --epsilon: facts about the values declared public (ranges, decimals, levels; JSON, see README "Public facts"), at no cost to the budget; the rest is estimated privately from a tenth of epsilon',
    },
    from: { type: 'string', arg: 'RUN', help: "start from this run's weights (a VAE trained on a larger related cohort): channels matched by variable, kind and unit, the rest fresh; the matching is printed and stored with the run" },
    freeze: { type: 'string', arg: 'N', help: 'with --from: the recurrent cores take no update for the first N steps (the rest of the model fits the new cohort first)' },
    resume: { type: 'string', arg: 'RUN', help: 'continue this stopped, failed or killed run' },
    ...commonOptions,
  },
  examples: ['train steno2_death --db study.db', 'train --resume 1 --db study.db', 'train steno2_int --from 1 --db study.db'],
  async run({ args, values, dbPath, out }) {
    const backend = values.backend === undefined ? 'auto' : backendArg(values.backend);
    if (values.resume !== undefined) {
      const runId = integerArg(values.resume, '--resume');
      openStore(dbPath).close();
      return trainInChildProcess({ type: 'resume', dbPath, runId, backend }, out, values.json);
    }
    const cohort = args[0];
    if (!cohort) throw new UsageError('train needs a COHORT (or --resume RUN)');
    const family = values.model ?? DEFAULT_FAMILY;
    if (family !== 'vae' && family !== 'timegan') throw new UsageError(`--model is vae or timegan (default ${DEFAULT_FAMILY}, the more realistic by npm run bench:quality), not "${family}"`);
    if (values['stop-on-validation'] && family !== 'vae') throw new UsageError('--stop-on-validation is for the VAE: TimeGAN trains its fixed schedule');
    await withStore(dbPath, (db) => showCohort(db, cohort)); // fail here, with the list of cohorts, rather than in the child
    const config: ConfigOverrides = values['stop-on-validation'] ? { stopping: {} } : {};
    if (values.steps !== undefined) config.steps = integerArg(values.steps, '--steps');
    if (values.hidden !== undefined) config.hidden = integerArg(values.hidden, '--hidden', { min: 1, max: 4096 });
    if (values.batch !== undefined) config.batchSize = integerArg(values.batch, '--batch');
    if (values.lr !== undefined) config.learningRate = numberArg(values.lr, '--lr', { min: 0, max: 1, exclusive: true });
    if (values.condition?.length && values['no-conditions']) throw new UsageError('--condition and --no-conditions contradict each other: give one');
    if (values.condition?.length) (config as { conditions?: string[] }).conditions = values.condition;
    if (values['no-conditions']) (config as { conditions?: string[] }).conditions = [];
    if ((values.delta !== undefined || values.clip !== undefined || values.public !== undefined) && values.epsilon === undefined) throw new UsageError('--delta, --clip and --public go with --epsilon E');
    if (values.epsilon !== undefined) {
      config.privacy = {
        epsilon: numberArg(values.epsilon, '--epsilon', { min: 0, max: 1000, exclusive: true }),
        ...(values.delta === undefined ? {} : { delta: numberArg(values.delta, '--delta', { min: 0, max: 1, exclusive: true }) }),
        ...(values.clip === undefined ? {} : { clip: numberArg(values.clip, '--clip', { min: 0, max: 1e6, exclusive: true }) }),
        ...(values.public === undefined ? {} : { public: loadPublicFacts(resolve(values.public)) }),
      };
    }
    const seed = values.seed === undefined ? 1 : seedArg(values.seed);
    const checkpointEvery = values['checkpoint-every'] === undefined ? 100 : integerArg(values['checkpoint-every'], '--checkpoint-every');
    const from = values.from === undefined ? undefined : integerArg(values.from, '--from');
    if (values.freeze !== undefined) {
      if (from === undefined) throw new UsageError('--freeze N goes with --from RUN');
      (config as { freeze?: number }).freeze = integerArg(values.freeze, '--freeze', { min: 0 });
    }
    return trainInChildProcess({ type: 'start', dbPath, request: { cohort, family, seed, backend, config, checkpointEvery, ...(from !== undefined ? { from } : {}) } }, out, values.json);
  },
});
