import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort } from '../../main/cohort/cohortService.js';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { exportSyntheticSet, ExportTargetError } from '../../main/export/exportSet.js';
import { ExportAuditRepository } from '../../main/store/repositories/exportAuditRepository.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample, ROOT, tempDir } from '../support/store.js';

let db: Db;
let dbPath: string;
let setName: string;
let report: Awaited<ReturnType<typeof evaluate>>;
beforeAll(async () => {
  const store = freshStore();
  db = store.db;
  dbPath = store.path;
  await importWorkedExample(db, 'steno2');
  createCohort(db, cohortDefinition('steno2-death'));
  const run = await train(db, { cohort: 'steno2_death', family: 'vae', config: { hidden: 8, steps: 30, batchSize: 32 } });
  setName = (await generateSyntheticSet(db, { runId: run.runId, patients: 60 })).dataset;
  report = await evaluate(db, setName, { posthocSteps: 10 });
});

const auditCount = () => new ExportAuditRepository(db).list().length;

describe('an export is written whole or not at all', () => {
  it('never writes into or replaces an existing folder', async () => {
    const out = tempDir();
    const target = join(out, `${setName}.csv`);
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'the steward’s own notes');
    const before = auditCount();
    const attempt = exportSyntheticSet(db, { set: setName, format: 'csv', directory: out, report, overrideReason: 'test' });
    await expect(attempt).rejects.toThrow(ExportTargetError);
    await expect(attempt).rejects.toThrow(`${target} already exists; an export never writes into or replaces an existing folder. Move or rename it, or choose another output folder.`);
    expect(readdirSync(target)).toEqual(['notes.txt']);
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('the steward’s own notes');
    expect(readdirSync(out)).toEqual([`${setName}.csv`]);
    expect(auditCount()).toBe(before);
  });

  it('refuses an output folder that is a file, cleanly', async () => {
    const file = join(tempDir(), 'exports');
    writeFileSync(file, 'not a folder');
    await expect(exportSyntheticSet(db, { set: setName, format: 'fhir', directory: file, report, overrideReason: 'test' })).rejects.toThrow(`${file} is a file; give a folder to write into.`);
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  });

  it('a failure part-way leaves no target folder, no partial folder and no audit entry', async () => {
    const out = tempDir();
    const before = auditCount();
    const failing = exportSyntheticSet(db, {
      set: setName,
      format: 'omop',
      directory: out,
      report,
      overrideReason: 'test',
      progress: (message) => {
        if (message.startsWith('wrote')) throw new Error('disk full (injected)');
      },
    });
    await expect(failing).rejects.toThrow('disk full (injected)');
    expect(readdirSync(out)).toEqual([]);
    expect(auditCount()).toBe(before);
  });

  it('a kill part-way (SIGKILL) leaves no target folder: only a folder named partial, and the target appears only complete', async () => {
    const out = tempDir();
    const reportPath = join(tempDir(), 'report.json');
    writeFileSync(reportPath, JSON.stringify(report));
    const before = auditCount();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/unit/exportKilled.child.ts'), dbPath, setName, 'fhir', out, reportPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/^wrote \d+ files/m.test(output)) {
          child.kill('SIGKILL');
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? undefined : reject(new Error(`the export ended before it could be killed (${code}): ${output}`))));
    });
    await new Promise((r) => child.on('close', r));
    expect(child.signalCode).toBe('SIGKILL');
    // The data files were complete in the partial folder; nothing is at the target.
    const left = readdirSync(out);
    expect(existsSync(join(out, `${setName}.fhir`))).toBe(false);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^\\.${setName}\\.fhir\\.partial-`));
    expect(readdirSync(join(out, left[0]!)).sort()).toEqual(['Condition.ndjson', 'Observation.ndjson', 'Patient.ndjson']);
    expect(auditCount()).toBe(before);
    // The same export run to the end: the target holds every file and its data card.
    const r = await exportSyntheticSet(db, { set: setName, format: 'fhir', directory: out, report, overrideReason: 'test' });
    expect(readdirSync(r.directory).sort()).toEqual(['Condition.ndjson', 'DATA_CARD.json', 'DATA_CARD.md', 'Observation.ndjson', 'Patient.ndjson']);
    for (const f of r.files) expect(readFileSync(f.path, 'utf8').trim().split('\n')).toHaveLength(f.rows);
  });
});
