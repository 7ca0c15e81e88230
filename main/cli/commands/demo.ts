import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dbOption, defineCommand } from '../command.js';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'the whole pipeline, headless, on the bundled demo cohort, into a new store',
  usage: ['[--db FILE]'],
  details:
    'Imports resources/demo, builds its cohort, trains the default generator, generates a synthetic set, evaluates it and exports it as CSV through the privacy gate (under a recorded override if the gate refuses it). ' +
    'Each stage is timed. It writes only to a new store, with the report and the export beside it.',
  options: {
    db: { ...dbOption, help: 'the new store: FILE must not exist (default: a fresh folder .synthehr/demo-DATE-TIME/)' },
  },
  examples: ['demo'],
  async run({ values, out }) {
    const { runDemo } = await import('../demoPipeline.js');
    return runDemo(values.db === undefined ? freshDemoStore() : resolve(values.db), out);
  },
});

const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');

/** The demo's default store: a new folder per run under .synthehr/, so that no earlier run or store is touched. */
function freshDemoStore(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let dir = join(PROJECT_ROOT, '.synthehr', `demo-${stamp}`);
  for (let k = 2; existsSync(dir); k++) dir = join(PROJECT_ROOT, '.synthehr', `demo-${stamp}-${k}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, 'demo.db');
}
