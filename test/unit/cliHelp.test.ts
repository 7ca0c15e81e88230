import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../../main/cli.js';
import { defineCommand, parserOptions } from '../../main/cli/command.js';
import { ROOT, tempDir } from '../support/store.js';

const bin = join(ROOT, 'build/bin/synthehr.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

async function output(argv: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runCli(argv, (s) => lines.push(s));
  return { code, text: lines.join('\n') };
}

describe('the help of the CLI', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help prints its usage, every option and an example', async (name, command) => {
    const { code, text } = await output([name, '--help']);
    expect(code).toBe(0);
    expect(text.startsWith(`synthehr ${name}: `)).toBe(true);
    expect(text).toContain(`\nUsage:\n  synthehr ${name} `);
    for (const option of [...Object.keys(command.options), 'help']) expect(text, `--${option}`).toMatch(new RegExp(`^  (-\\w, )?--${option}\\b`, 'm'));
    expect(text).toMatch(/\nExamples?:\n {2}synthehr /);
    expect(text).not.toContain('\nCommands:');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('synthehr --help lists every command with its summary and its command lines', async () => {
    const { code, text } = await output(['--help']);
    expect(code).toBe(0);
    for (const c of COMMANDS) {
      expect(text).toMatch(new RegExp(`^ {2}${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      expect(text).toContain(`synthehr ${c.name} `);
    }
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(await output([])).toEqual({ code: 2, text });
  });

  it('a command\'s --help from the bin exits 0 on stdout, before anything is checked or opened', () => {
    const missing = join(tempDir(), 'none.db');
    const r = run('train', 'no-such-cohort', '--steps', 'abc', '--help', '--db', missing);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('synthehr train --resume RUN');
    expect(r.stdout).toContain('--checkpoint-every N');
  });

  it('a usage error prints the message and that command\'s usage, exit 2', () => {
    const r = run('generate', '1', '--db', join(tempDir(), 'none.db'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^synthehr: generate needs a RUN and --patients N\n\nsynthehr generate: /);
    expect(r.stderr).toContain('--patients N');
    expect(r.stderr).not.toContain('\nCommands:');
    expect(r.stderr).toContain('All commands: synthehr --help');
  });

  it('an unknown command fails with exit 2 and the list of commands', () => {
    const r = run('nosuch');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^synthehr: unknown command "nosuch"\n\nsynthehr: SynthEHR Studio from the command line\n/);
    for (const c of COMMANDS) expect(r.stderr).toContain(`synthehr ${c.name} `);
  });

  it('an option is read one way by every command that takes it', () => {
    const option = (type: 'string' | 'boolean') => ({ db: { type, help: 'the store' } });
    const a = defineCommand({ name: 'a', summary: 'a', usage: [''], options: option('string'), examples: ['a'], run: async () => 0 });
    const b = defineCommand({ name: 'b', summary: 'b', usage: [''], options: option('boolean'), examples: ['b'], run: async () => 0 });
    expect(() => parserOptions([a, b])).toThrow('--db of b is declared differently elsewhere');
    expect(() => parserOptions(COMMANDS)).not.toThrow();
  });
});
