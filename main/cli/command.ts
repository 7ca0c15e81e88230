import type { ParseArgsConfig } from 'node:util';
import type { Out } from './output.js';

/** One option: how parseArgs reads it, and its line in the command's help. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: boolean;
  /** A string option that may be given more than once: its values in order. */
  multiple?: true;
  /** What the value stands for in the help ("FILE", "N"); none for a flag. */
  arg?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The values parseArgs gives a command's options: a string, or a flag (always set when it has a default). */
export type Values<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends { type: 'boolean' } ? (O[K] extends { default: boolean } ? boolean : boolean | undefined) : O[K] extends { multiple: true } ? string[] | undefined : string | undefined;
};

export interface CommandContext<O extends OptionSpecs> {
  /** The positionals after the command's name. */
  args: string[];
  values: Values<O>;
  /** The store: --db, else $SYNTHEHR_DB, else ./synthehr.db, resolved. */
  dbPath: string;
  out: Out;
}

/** A command of the CLI: everything its help and its run need. */
export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** One line, for synthehr --help. */
  summary: string;
  /** Its command lines after "synthehr NAME ", e.g. "RUN --patients N [--seed N]". */
  usage: string[];
  /** What its help says besides the summary. */
  details?: string;
  options: O;
  examples: string[];
  /** The exit code; a UsageError shows the command's help. */
  run(ctx: CommandContext<O>): Promise<number>;
}

/** Types a command's values by its options (the `const` keeps their literal types). */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/** --db, which every command takes. */
export const dbOption = { type: 'string', arg: 'FILE', help: 'the store (default: $SYNTHEHR_DB, else ./synthehr.db)' } as const;

export const jsonOption = { type: 'boolean', default: false, help: 'machine-readable output' } as const;

/** --db and --json: the options of every command but demo. */
export const commonOptions = { db: dbOption, json: jsonOption } as const;

export const helpOption = { type: 'boolean', short: 'h', default: false, help: 'this help' } as const;

type ParserOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * The options of all the commands together, for one parseArgs over the whole
 * command line: an option of another command is accepted and left unused, as
 * it always was. An option declared two ways is a bug, refused at load.
 */
export function parserOptions(commands: readonly Command<any>[]): ParserOptions {
  const all: ParserOptions = {};
  const add = (name: string, { type, short, default: value, multiple }: OptionSpec, owner: string) => {
    const spec = { type, ...(short === undefined ? {} : { short }), ...(value === undefined ? {} : { default: value }), ...(multiple ? { multiple } : {}) };
    const seen = all[name];
    if (seen && (seen.type !== spec.type || seen.short !== spec.short || seen.default !== spec.default || seen.multiple !== spec.multiple)) throw new Error(`--${name} of ${owner} is declared differently elsewhere`);
    all[name] = spec;
  };
  add('help', helpOption, 'synthehr');
  for (const c of commands) for (const [name, spec] of Object.entries(c.options as OptionSpecs)) add(name, spec, c.name);
  return all;
}
