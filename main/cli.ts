import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UserError } from './common/errors.js';
import { StoreOpenError } from './store/database.js';
import { UsageError } from './cli/args.js';
import { parserOptions, type Command } from './cli/command.js';
import { cohortCommand } from './cli/commands/cohort.js';
import { datasetsCommand } from './cli/commands/datasets.js';
import { demoCommand } from './cli/commands/demo.js';
import { encodeCommand } from './cli/commands/encode.js';
import { evaluateCommand } from './cli/commands/evaluate.js';
import { exportCommand } from './cli/commands/export.js';
import { generateCommand } from './cli/commands/generate.js';
import { importCommand } from './cli/commands/import.js';
import { inspectCommand } from './cli/commands/inspect.js';
import { ledgerCommand } from './cli/commands/ledger.js';
import { reviewCommand } from './cli/commands/review.js';
import { runsCommand } from './cli/commands/runs.js';
import { trainCommand } from './cli/commands/train.js';
import { commandHelp, globalHelp } from './cli/help.js';
import { stdoutLines, type Out } from './cli/output.js';
import { storePath } from './cli/store.js';

/** Every command, in the order synthehr --help lists them: a new command is a file in main/cli/commands and a line here. */
export const COMMANDS: readonly Command<any>[] = [
  importCommand,
  datasetsCommand,
  inspectCommand,
  cohortCommand,
  encodeCommand,
  trainCommand,
  runsCommand,
  generateCommand,
  evaluateCommand,
  exportCommand,
  ledgerCommand,
  reviewCommand,
  demoCommand,
];

const OPTIONS = parserOptions(COMMANDS);
const USAGE = globalHelp(COMMANDS);

export async function runCli(argv: string[], out: Out = stdoutLines): Promise<number> {
  const parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const values = parsed.values as Record<string, string | boolean | undefined>; // no option is `multiple`
  const [name, ...args] = parsed.positionals;
  const command = COMMANDS.find((c) => c.name === name);
  if (values.help || !name) {
    out(command ? commandHelp(command) : USAGE);
    return name || values.help ? 0 : 2;
  }
  if (!command) throw new UsageError(`unknown command "${name}"`);
  try {
    return await command.run({ args, values, dbPath: storePath(values.db as string | undefined), out });
  } catch (err) {
    if (err instanceof UsageError) err.command ??= command.name;
    throw err;
  }
}

/** Known failures print their message alone; anything else is a bug and keeps its stack. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await runCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      const command = COMMANDS.find((c) => c.name === err.command);
      process.stderr.write(`synthehr: ${err.message}\n\n${command ? commandHelp(command) : USAGE}`);
      return 2;
    }
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`synthehr: ${(err as Error).message}\nRun synthehr --help for the usage.\n`);
      return 2;
    }
    if (err instanceof StoreOpenError && err.reason === 'missing') {
      process.stderr.write(`synthehr: ${err.message}\nOnly "synthehr import" creates a store: import a dataset first (synthehr import --mapping FILE --db ${err.path}), or check --db and $SYNTHEHR_DB.\n`);
      return 1;
    }
    if (code === 'SQLITE_BUSY') {
      process.stderr.write('synthehr: the store is busy: another SynthEHR process (an import, a training run or the app) kept writing to it for over a minute. Nothing was changed; run the command again when that process has finished.\n');
      return 1;
    }
    if (err instanceof UserError) {
      process.stderr.write(`synthehr: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
