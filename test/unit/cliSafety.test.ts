import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort } from '../../main/cohort/cohortService.js';
import { openDatabase } from '../../main/store/database.js';
import { ImportWriter } from '../../main/store/repositories/importWriter.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';
import { train } from '../../main/training/engine.js';
import { cohortDefinition } from '../support/cohorts.js';
import { importWorkedExample, MAPPINGS, ROOT, storeDigest, tempDir } from '../support/store.js';

const bin = join(ROOT, 'build/bin/synthehr.js');
const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

/** A store with steno2 imported, its cohort and a short completed VAE run (run 1). */
let studyDb: string;
beforeAll(async () => {
  studyDb = join(tempDir(), 'study.db');
  const db = openDatabase(studyDb);
  await importWorkedExample(db, 'steno2');
  createCohort(db, cohortDefinition('steno2-death'));
  await train(db, { cohort: 'steno2_death', family: 'vae', seed: 3, config: { steps: 20, hidden: 8 } });
  db.close();
});

/** A copy of the study store, to change without touching the others' copy. */
function copyOfStudy(): string {
  const path = join(tempDir(), 'copy.db');
  copyFileSync(studyDb, path);
  return path;
}

const digestOf = (path: string) => {
  const db = openDatabase(path, { mustExist: true });
  try {
    return storeDigest(db);
  } finally {
    db.close();
  }
};

describe('a store is never destroyed or made up', () => {
  it('demo refuses an existing store and leaves it exactly as it was', () => {
    const path = copyOfStudy();
    const before = digestOf(path);
    const demo = run(['demo', '--db', path]);
    expect(demo.status).toBe(2);
    expect(demo.stderr).toContain(`demo writes only to a new store, and ${path} exists; it was left as it is`);
    expect(digestOf(path)).toBe(before);
    expect(run(['datasets', '--db', path]).stdout).toMatch(/1 +steno2 +calendar +160/);
  });

  it('a --db that does not exist is refused, and nothing is created, by every command but import', () => {
    const dir = tempDir();
    const path = join(dir, 'typo.db');
    for (const args of [['datasets'], ['inspect', 'steno2'], ['cohort', 'list'], ['runs'], ['generate', '1', '--patients', '5'], ['train', '--resume', '1'], ['review', 'results', '1']]) {
      const r = run([...args, '--db', path]);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`There is no store at ${path}; nothing was created.`);
      expect(r.stderr).toContain('Only "synthehr import" creates a store');
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failed first import leaves no file behind; a good one creates the store', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'patients.csv'), 'id,age\n1,54\n2,sixty\n');
    writeFileSync(join(dir, 'bad.mapping.json'), JSON.stringify({ dataset: 'bad', files: [{ path: 'patients.csv', id: 'id', static: { age: { kind: 'numeric' } } }] }));
    const path = join(dir, 'new.db');
    const failed = run(['import', '--db', path, '--mapping', join(dir, 'bad.mapping.json')]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('line 3');
    expect(readdirSync(dir).sort()).toEqual(['bad.mapping.json', 'patients.csv']);

    const ok = run(['import', '--db', path, '--mapping', join(MAPPINGS, 'steno2.mapping.json')]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('new.db'))).toEqual(['new.db']);
    expect(run(['datasets', '--db', path]).stdout).toMatch(/1 +steno2 +calendar +160/);
  });

  it('a --db that is a folder, not SQLite, or another program\'s database is refused with a message, not a stack', () => {
    const dir = tempDir();
    const folder = join(dir, 'folder.db');
    mkdirSync(folder);
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'patient,age\n1,54\n');
    const foreign = join(dir, 'other.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);');
    other.close();
    const cases: [string, string][] = [
      [folder, `${folder} is a folder, not a store`],
      [text, `${text} is not a SynthEHR store: it is not an SQLite database`],
      [foreign, `${foreign} is an SQLite database of another program (tables invoices), not a SynthEHR store. It was not modified.`],
    ];
    for (const [path, message] of cases) {
      for (const args of [['datasets'], ['import', '--mapping', join(MAPPINGS, 'steno2.mapping.json')]]) {
        const r = run([...args, '--db', path]);
        expect(r.status, `${args[0]} ${path}`).toBe(1);
        expect(r.stderr).toContain(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    }
    const after = new Database(foreign, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['invoices']);
    expect(after.pragma('user_version', { simple: true })).toBe(0);
    after.close();
  });
});

describe('every CLI number is validated', () => {
  it.each([
    [['generate', '1', '--patients=-5'], '--patients needs a whole number at least 1, not "-5"'],
    [['generate', '1', '--patients', '-5'], "Option '--patients' argument is ambiguous"],
    [['generate', '1', '--patients', '2.5'], '--patients needs a whole number at least 1, not "2.5"'],
    [['generate', '1', '--patients', '10', '--margin=-5'], '--margin needs a number at least 0 and at most 1, not "-5"'],
    [['generate', '1', '--patients', '10', '--seed', 'abc'], '--seed needs a whole number at least 0 and at most 2147483647, not "abc"'],
    [['train', 'steno2_death', '--model', 'vae', '--steps', '0.4'], '--steps needs a whole number at least 1, not "0.4"'],
    [['train', 'steno2_death', '--model', 'vae', '--seed', 'abc'], '--seed needs a whole number at least 0 and at most 2147483647, not "abc"'],
    [['train', 'steno2_death', '--model', 'vae', '--lr', '5'], '--lr needs a number above 0 and below 1, not "5"'],
    [['review', 'create', 'x', '--synthetic-share', '2', '--cases', '10'], '--synthetic-share needs a number above 0 and below 1, not "2"'],
    [['review', 'create', 'x', '--cases', '10.5'], '--cases needs a whole number at least 2 and at most 1000, not "10.5"'],
    [['encode', 'steno2_death', '--preview', '3', '--mode', 'grid', '--bin', '0.5'], '--bin (days) needs a number at least 1, not "0.5"'],
    [['inspect', 'steno2', '--warnings', 'all'], '--warnings needs a whole number at least 0, not "all"'],
  ])('%j is refused with a message and the usage', (args, message) => {
    const path = copyOfStudy();
    const before = digestOf(path);
    const r = run([...args, '--db', path]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`synthehr: ${message}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(digestOf(path)).toBe(before);
  });

  it('a grid bin under a day is refused in a cohort definition too', () => {
    const dir = tempDir();
    const def = join(dir, 'fine.cohort.json');
    writeFileSync(def, JSON.stringify({ ...cohortDefinition('steno2-death'), name: 'fine', timesteps: { mode: 'grid', binDays: 0.25 } }));
    const r = run(['cohort', 'create', '--definition', def, '--db', copyOfStudy()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('a grid bin is at least one day wide');
  });

  it('more than 100,000 patients needs --force', () => {
    const r = run(['generate', '1', '--patients', '150000', '--db', copyOfStudy()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--patients 150,000 is more than 100,000');
    expect(r.stderr).toContain('Add --force');
  });

  it('--out that is a file is refused before any work', () => {
    const dir = tempDir();
    const file = join(dir, 'reports');
    writeFileSync(file, 'not a folder');
    for (const args of [['evaluate', 'anything', '--out', file], ['export', 'anything', '--format', 'csv', '--out', file]]) {
      const r = run([...args, '--db', copyOfStudy()]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`--out ${file} is a file; give a folder to write into`);
    }
  });
});

describe('generation and training failures', () => {
  it('generates again when the next set name is taken, and shows progress', () => {
    const path = copyOfStudy();
    const db = openDatabase(path);
    const writer = new ImportWriter(db);
    writer.begin();
    writer.insertDataset('steno2_death_vae_r1_s1', 'a dataset that happens to have the name of the next set', 'calendar');
    writer.commit();
    db.close();
    const first = run(['generate', '1', '--patients', '12', '--db', path]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('as dataset "steno2_death_vae_r1_s2"');
    expect(first.stderr).toContain('generated 12/12 patients (100%)');
    const second = run(['generate', '1', '--patients', '12', '--db', path]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('as dataset "steno2_death_vae_r1_s3"');
  });

  it('a training run that fails exits non-zero', () => {
    const r = run(['train', '--resume', '1', '--db', copyOfStudy()]);
    expect(r.stderr).toContain('Run 1 has already completed all 20 steps.');
    expect(r.status).toBe(1);
  });

  it('a run whose training process was killed is marked failed, not left running', async () => {
    const path = copyOfStudy();
    const child = spawn(process.execPath, [bin, 'train', 'steno2_death', '--model', 'vae', '--steps', '100000', '--hidden', '8', '--checkpoint-every', '5', '--db', path], { stdio: 'ignore' });
    const watcher = openDatabase(path);
    const repo = new TrainingRepository(watcher);
    const worker = await new Promise<{ id: number; pid: number }>((resolve, reject) => {
      const timer = setInterval(() => {
        const r = repo.runs().find((x) => x.status === 'running' && x.step >= 5 && x.pid !== null);
        if (r) {
          clearInterval(timer);
          resolve({ id: r.id, pid: r.pid! });
        }
      }, 100);
      child.on('exit', () => reject(new Error('training ended before it could be killed')));
    });
    process.kill(worker.pid, 'SIGKILL'); // the training process itself: it has no chance to say anything
    await new Promise((r) => child.once('exit', r));
    expect(repo.run(worker.id)!.status).toBe('running'); // as the kill left it ...
    watcher.close();
    const runs = run(['runs', '--db', path]);
    expect(runs.stdout).toMatch(new RegExp(`${worker.id} +steno2_death@1 +vae +failed`)); // ... until the store is next read
    const db = openDatabase(path);
    expect(new TrainingRepository(db).run(worker.id)).toMatchObject({ status: 'failed', error: expect.stringContaining('resume from the last checkpoint') });
    db.close();
  });
});

describe('review session files from the CLI', () => {
  it('need a reviewer, say they carry real patient data, and never replace a file', () => {
    const path = copyOfStudy();
    expect(run(['generate', '1', '--patients', '60', '--db', path]).status).toBe(0);
    const created = run(['review', 'create', 'steno2_death_vae_r1_s1', '--cases', '10', '--db', path]);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain('--reviewer NAME (the file contains real patient data)');
    const file = join(tempDir(), 'session.json');
    const anonymous = run(['review', 'export', '1', '--out', file, '--db', path]);
    expect(anonymous.status).toBe(2);
    expect(anonymous.stderr).toContain('review export needs a SESSION, --out FILE and --reviewer NAME');
    const written = run(['review', 'export', '1', '--out', file, '--reviewer', 'Dr A', '--db', path]);
    expect(written.status, written.stderr).toBe(0);
    expect(written.stderr).toMatch(/^CONTAINS REAL PATIENT DATA/);
    expect(written.stdout).toContain(`Wrote 10 cases (5 real, 5 synthetic) for Dr A to ${file}; audit entry 1.`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ containsRealPatientData: true, reviewer: 'Dr A' });
    const again = run(['review', 'export', '1', '--out', file, '--reviewer', 'Dr B', '--db', path]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`${file} already exists`);
    expect(JSON.parse(readFileSync(file, 'utf8')).reviewer).toBe('Dr A');
  });
});

describe('a busy store', () => {
  it('waits for another writer, then says so clearly instead of a "database is locked" stack', async () => {
    const path = copyOfStudy();
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    const refused = run(['generate', '1', '--patients', '5', '--db', path], { SYNTHEHR_BUSY_TIMEOUT_MS: '300' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('the store is busy: another SynthEHR process');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    // With the default wait, the command goes on once the other writer is done.
    const waiting = spawn(process.execPath, [bin, 'generate', '1', '--patients', '5', '--db', path]);
    let stdout = '';
    waiting.stdout.on('data', (d) => (stdout += d));
    await new Promise((r) => setTimeout(r, 1500));
    holder.exec('COMMIT');
    holder.close();
    const code = await new Promise((r) => waiting.once('exit', r));
    expect(code).toBe(0);
    expect(stdout).toContain('Generated 5 synthetic patients as dataset "steno2_death_vae_r1_s1"');
  });
});
