import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCohort } from '../../main/cohort/cohortService.js';
import { BackendUnavailableError, selectBackend } from '../../main/training/backend.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample, ROOT } from '../support/store.js';
import { installed } from '../support/packages.js';

describe('a backend asked for by name and missing', () => {
  it.skipIf(installed('@tensorflow/tfjs-node-gpu'))('(when @tensorflow/tfjs-node-gpu is absent) fails with what to install, versions included', async () => {
    const err = await selectBackend('tensorflow-gpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err).toMatchObject({ code: 'backend-unavailable' });
    expect((err as Error).message).toMatch(/^Backend "tensorflow-gpu" is not available: @tensorflow\/tfjs-node-gpu is not installed \(optional\)\. To use it, .*CUDA 11\.2 and cuDNN 8\.1.*npm install @tensorflow\/tfjs-node-gpu@4\.22\.0.*Or leave --backend out/);
  });

  it.skipIf(installed('@tensorflow/tfjs-node-gpu'))('(when @tensorflow/tfjs-node-gpu is absent) stops synthehr train --backend with that instruction and a non-zero exit, before any run is made', async () => {
    const { db, path } = freshStore();
    await importWorkedExample(db, 'steno2');
    createCohort(db, cohortDefinition('steno2-death'));
    db.close();
    const r = spawnSync(process.execPath, [join(ROOT, 'build', 'bin', 'synthehr.js'), 'train', 'steno2_death', '--backend', 'tensorflow-gpu', '--db', path], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Backend "tensorflow-gpu" is not available: .*install CUDA 11\.2 and cuDNN 8\.1/);
    const runs = spawnSync(process.execPath, [join(ROOT, 'build', 'bin', 'synthehr.js'), 'runs', '--db', path], { encoding: 'utf8' });
    expect(runs.stdout).toMatch(/No training runs yet/);
  });
});
