import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAPPINGS, ROOT, tempDir } from '../support/store.js';

const bin = join(ROOT, 'build/bin/synthehr.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('synthehr CLI (the package bin)', () => {
  it('imports both worked examples and inspects them', () => {
    const db = join(tempDir(), 'cli.db');
    const steno = run('import', '--db', db, '--mapping', join(MAPPINGS, 'steno2.mapping.json'));
    expect(steno.status).toBe(0);
    expect(steno.stdout).toContain('Imported dataset "steno2"');
    expect(steno.stdout).toContain('patients 160, measurements 2,804, events 346, outcomes 160');
    expect(run('import', '--db', db, '--mapping', join(MAPPINGS, 'icu.mapping.json')).status).toBe(0);

    const list = execFileSync(process.execPath, [bin, 'datasets', '--db', db], { encoding: 'utf8' });
    expect(list).toMatch(/1 +steno2 +calendar +160 +2,804 +346/);
    expect(list).toMatch(/2 +icu +relative +2,000 +37,594 +0/);

    const inspect = run('inspect', 'steno2', '--db', db).stdout;
    expect(inspect).toMatch(/a1c +measurement +numeric +mmol\/mol +746 /);
    expect(inspect).toContain('Outcome: 160 patients with follow-up; events death: 93; censoring rate 41.9%');
    expect(inspect).toMatch(/Visits per patient: min 1, median 9/);
    const json = JSON.parse(run('inspect', 'icu', '--db', db, '--json').stdout);
    expect(json.dataset.patients).toBe(2000);
  });

  it('explains failures without a stack trace', () => {
    const db = join(tempDir(), 'cli.db');
    const missing = run('inspect', 'nope', '--db', db);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('synthehr: No dataset "nope" in this store. The store is empty: import one first.\n');
    const usage = run('import', '--db', db);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('import needs --mapping FILE');
    expect(run('--help').stdout).toContain('synthehr import --mapping FILE');
  });
});
