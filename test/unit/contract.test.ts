import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contract, deriveApi, events, subscriptionName, type MethodName } from '../../preload/contract.js';
import { ERROR_CODES } from '../../preload/errors.js';
import { CohortNotFoundError } from '../../main/cohort/cohortService.js';
import { forkNodeWorker } from '../../main/common/nodeWorker.js';
import type { SpawnWorker, WorkerProcess } from '../../main/common/workerProtocol.js';
import { answerCall } from '../../main/ipc/answerCall.js';
import { ImportRunner } from '../../main/ipc/importRunner.js';
import { StoreClient } from '../../main/ipc/storeClient.js';
import { MAPPINGS, ROOT, freshStore, storeDigest } from '../support/store.js';

const APP = 'app://studio/index.html';
const trusted = { frameUrl: APP, isMainFrame: true, fromAppWindow: true };
const isAppUrl = (url: string) => url.startsWith('app://studio/');
const spawnNode: SpawnWorker = (worker, args) =>
  forkNodeWorker(join(ROOT, { store: 'main/app/storeWorker.ts', import: 'main/app/importWorker.ts', training: 'main/training/trainWorker.ts' }[worker]), args);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the contract, combined from its domain slices', () => {
  it('gives every method and event its own channel, and window.api exactly one function per method and one subscribe per event', async () => {
    const channels = [...Object.values(contract), ...Object.values(events)].map((s) => s.channel);
    expect(new Set(channels).size).toBe(channels.length);
    // renderer/api.ts tells subscriptions from methods by the "on" prefix.
    expect(Object.keys(contract).filter((m) => /^on[A-Z]/.test(m))).toEqual([]);

    const invoked: { channel: string; args: unknown[] }[] = [];
    const api = deriveApi(
      async (channel, args) => invoked.push({ channel, args }),
      () => () => {},
    );
    expect(Object.keys(api).sort()).toEqual([...Object.keys(contract), ...Object.keys(events).map(subscriptionName)].sort());
    await api.previewEncoding('steno2_death', '3', { mode: 'grid', binDays: 365 });
    expect(invoked).toEqual([{ channel: 'cohorts:preview-encoding', args: ['steno2_death', '3', { mode: 'grid', binDays: 365 }] }]);
  });
});

describe('answerCall: every renderer call, as the app and the test bridge answer it', () => {
  const call = (method: MethodName, handler: (...args: never[]) => unknown, raw: unknown[] = [], caller = trusted) => answerCall(method, handler, caller, raw, isAppUrl);

  it('answers a user error with its stable code and its message alone', async () => {
    const reply = await call('showCohort', () => {
      throw new CohortNotFoundError('nope', ['steno2_death@1']);
    }, ['nope']);
    expect(reply).toEqual({ ok: false, error: { code: 'cohort-not-found', message: 'No cohort "nope" in this store. Cohorts: steno2_death@1.' } });
  });

  it('refuses an untrusted frame and bad arguments with invalid-call, before the handler runs', async () => {
    const handler = vi.fn(() => []);
    const fromIframe = await call('listCohorts', handler, [], { ...trusted, isMainFrame: false });
    expect(fromIframe).toEqual({ ok: false, error: { code: 'invalid-call', message: 'cohorts:list: refused a call from an untrusted frame' } });
    const badArgs = await call('trainingLosses', handler, ['7']);
    expect(badArgs.ok).toBe(false);
    expect(!badArgs.ok && badArgs.error).toMatchObject({ code: 'invalid-call', message: expect.stringMatching(/^training:losses: invalid arguments: argument 0: /) });
    expect(handler).not.toHaveBeenCalled();
  });

  it('checks results against the contract: extra fields dropped, a malformed one answered as unexpected and logged', async () => {
    const row = { id: 1, cohort: 'c@1', family: 'vae', status: 'completed', step: 2, totalSteps: 2, backend: 'cpu', device: 'cpu', backendReason: 'r', error: null, createdAt: 'x', updatedAt: 'y', privacy: null, from: null };
    expect(await call('listRuns', () => [{ ...row, pid: 4242 }])).toEqual({ ok: true, value: [row] });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const reply = await call('listRuns', () => [{ ...row, step: 'two' }]);
    expect(reply).toMatchObject({ ok: false, error: { code: 'unexpected', message: expect.stringMatching(/^listRuns: main produced a malformed result \(0\.step: /) } });
    expect(logged).toHaveBeenCalledOnce();
  });

  it('declares every code a reply can carry', () => {
    expect(ERROR_CODES).toContain('unexpected');
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});

describe('the worker protocol', () => {
  it('carries results, and a user error from the store process with its code and message', async () => {
    const { db, path } = freshStore();
    db.close();
    const store = new StoreClient(path, () => {}, spawnNode);
    try {
      expect(await store.call('listDatasets', [])).toEqual([]);
      const failure = await store.call('showCohort', ['nope']).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).toMatchObject({ code: 'cohort-not-found', message: 'No cohort "nope" in this store. Create one with: synthehr cohort create --definition FILE' });
      expect(await answerCall('showCohort', (...args: never[]) => store.call('showCohort', args), trusted, ['nope'], isAppUrl)).toMatchObject({ ok: false, error: { code: 'cohort-not-found' } });
    } finally {
      store.dispose();
    }
  });

  it('logs a malformed message from a worker instead of dropping it silently', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    let deliver: (m: unknown) => void = () => {};
    const fake: WorkerProcess = { postMessage: () => deliver({ type: 'result', id: 1, ok: 'yes' }), onMessage: (l) => (deliver = l), onExit: () => {}, kill: () => {} };
    const store = new StoreClient('unused.db', () => {}, () => fake);
    void store.call('listDatasets', []);
    expect(logged).toHaveBeenCalledOnce();
    expect(String(logged.mock.calls[0]![0])).toMatch(/^\[store process\] ignored a malformed message/);
  });

  it('runs an import in its own process with progress, and a cancelled one leaves the store as it was', async () => {
    const { db, path } = freshStore();
    const before = storeDigest(db);
    const progress: unknown[] = [];
    const imports = new ImportRunner(path, (event, payload) => event === 'importProgress' && progress.push(payload), spawnNode);
    const cancelled = imports.run(join(MAPPINGS, 'icu.mapping.json'));
    expect(imports.cancel()).toEqual({ cancelling: true });
    expect(await cancelled).toEqual({ status: 'cancelled' });
    expect(storeDigest(db)).toBe(before);
    const outcome = await imports.run(join(MAPPINGS, 'steno2.mapping.json'));
    expect(outcome).toMatchObject({ status: 'imported', dataset: 'steno2', patients: 160 });
    expect(progress.length).toBeGreaterThan(0);
    expect(imports.cancel()).toEqual({ cancelling: false });
    db.close();
  });
});
