import { dbOption, helpOption, jsonOption, type Command, type OptionSpec } from './command.js';

const WIDTH = 100;

/** Words filled into lines of at most WIDTH characters: the first after `first`, the others after `rest`. */
function wrap(text: string, first: string, rest = ' '.repeat(first.length)): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  // A bracketed option ("[--lr X]") stays on one line.
  for (const word of text.match(/\[[^\]]*\]|\S+/g) ?? []) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line.trimEnd());
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line.trimEnd());
  return lines.join('\n');
}

/** Two columns: each left part padded to the widest, its text wrapped beside it. */
function columns(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, text]) => wrap(text, `  ${left.padEnd(width)}`)).join('\n');
}

const optionName = (name: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`;

/** The command's lines, `indent` in; a long one goes on under its first argument. */
const usageLines = (c: Command<any>, indent: string) => c.usage.map((u) => wrap(u, `${indent}synthehr ${c.name} `)).join('\n');

/** synthehr --help: every command with its summary and command lines. */
export function globalHelp(commands: readonly Command<any>[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const list = commands.map((c) => `${wrap(c.summary, `  ${c.name.padEnd(width)}`)}\n${usageLines(c, ' '.repeat(width + 2))}`);
  return `synthehr: SynthEHR Studio from the command line

Usage: synthehr COMMAND [ARGUMENTS] [OPTIONS]

Commands:
${list.join('\n')}

Options:
${columns([
  [optionName('db', dbOption), dbOption.help],
  [optionName('json', jsonOption), `${jsonOption.help}, where a command shows [--json]`],
  [optionName('help', helpOption), `${helpOption.help}; synthehr COMMAND --help: that command's usage, options and an example`],
])}
`;
}

/** synthehr COMMAND --help, also shown under a usage error of the command. */
export function commandHelp(c: Command<any>): string {
  const options = Object.entries({ ...c.options, help: helpOption } as Record<string, OptionSpec>).map(([name, o]): [string, string] => [optionName(name, o), o.help]);
  const details = c.details ? `\n\n${c.details.split('\n\n').map((p) => wrap(p, '')).join('\n\n')}` : '';
  return `${wrap(c.summary, `synthehr ${c.name}: `, '  ')}

Usage:
${usageLines(c, '  ')}${details}

Options:
${columns(options)}

Example${c.examples.length > 1 ? 's' : ''}:
${c.examples.map((e) => `  synthehr ${e}`).join('\n')}

All commands: synthehr --help
`;
}
