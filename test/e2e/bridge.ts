// The test bridge: the built renderer in Debian's Chromium, its window.api
// implemented by the real main-side services (store methods, import, training)
// through the same contract and the same argument checks as main/ipc.
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { contract, events } from '../../preload/contract.js';
import { APP_ORIGIN } from '../../main/ipc/appOrigin.js';
import { serveAppRequest } from '../../main/app/appServe.js';
import { withCspHeader } from '../../main/app/csp.js';
import { internalStoreMethods, storeMethods, type StoreMethod } from '../../main/ipc/storeMethods.js';
import { validateCall } from '../../main/ipc/validateCall.js';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { previewCsvFile } from '../../main/ingest/filePreview.js';
import { writeWizardMapping } from '../../main/ingest/wizardMapping.js';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../main/store/database.js';
import { resume, train } from '../../main/training/engine.js';
import { ROOT } from '../support/store.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
const RENDERER = join(ROOT, 'out', 'renderer');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };

/**
 * Serves the built renderer through the app's own protocol handler (main/app/appServe.ts:
 * a fresh style nonce per page load, 400/404 as in the app) and the session's header hook
 * (withCspHeader), with files read from disk where Electron's net.fetch would read them.
 */
function serveRenderer(): Promise<{ server: Server; origin: string }> {
  const readFile = async (file: string) => new Response(readFileSync(file), { headers: { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' } });
  const server = createServer((req, res) => {
    const url = `${APP_ORIGIN}${req.url ?? '/'}`;
    void serveAppRequest(RENDERER, url, readFile).then(async (response) => {
      const headers = withCspHeader(url, Object.fromEntries([...response.headers].map(([k, v]) => [k, [v]])));
      res.writeHead(response.status, headers);
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

export interface AppUnderTest {
  page: Page;
  db: Db;
  /** What the main-process file dialogs "choose" next: a mapping path (or null: cancel), CSV files. */
  dialog: { next: string | null; files: string[]; folder: string | null };
  /** Every Content-Security-Policy violation the page has reported so far (console and securitypolicyviolation events). */
  cspViolations(): Promise<string[]>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchApp(dbPath: string): Promise<AppUnderTest> {
  if (!existsSync(CHROMIUM)) throw new Error(`Debian's Chromium is needed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it).`);
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('Build the renderer first (npm run build; npm test does it).');
  const db = openDatabase(dbPath);
  const { server, origin } = await serveRenderer();
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const dialog = { next: null as string | null, files: [] as string[], folder: null as string | null };
  const internal = internalStoreMethods(db);
  const chosen = new Map<string, string>();
  const emit = (event: keyof typeof events, payload: unknown) => {
    void page.evaluate(([e, p]) => (globalThis as unknown as { __synthehrEmit: (e: string, p: unknown) => void }).__synthehrEmit(e as string, p), [event, payload] as const).catch(() => {});
  };
  const store = storeMethods(db, (event, payload) => emit(event, payload));
  const running = new Map<number, { stop: boolean }>();
  const trainingHooks = (control: { stop: boolean }, started: (runId: number) => void) => ({
    onStart: (info: { runId: number }) => started(info.runId),
    onProgress: (p: unknown) => emit('trainingProgress', p),
    shouldStop: () => control.stop,
  });
  const startRun = (go: (hooks: ReturnType<typeof trainingHooks>) => Promise<{ runId: number; status: 'completed' | 'cancelled' }>) =>
    new Promise<{ runId: number }>((resolve, reject) => {
      const control = { stop: false };
      let runId = 0;
      go(trainingHooks(control, (id) => {
        runId = id;
        running.set(id, control);
        emit('trainingState', { runId: id, status: 'running' });
        resolve({ runId: id });
      }))
        .then((r) => emit('trainingState', { runId: r.runId, status: r.status }))
        .catch((err: Error) => (runId ? emit('trainingState', { runId, status: 'failed', message: err.message }) : reject(err)))
        .finally(() => running.delete(runId));
    });

  // Main-side implementations of the methods that are not plain store calls.
  let importing: AbortController | undefined;
  const runImport = async (mappingPath: () => string) => {
    importing = new AbortController();
    try {
      const r = await importDataset(db, loadMapping(mappingPath()), { onProgress: (p) => emit('importProgress', p), signal: importing.signal });
      return { status: 'imported' as const, dataset: r.dataset, patients: r.patients, measurements: r.measurements, warningCount: r.warningCount, seconds: r.seconds };
    } catch (err) {
      if (importing.signal.aborted) return { status: 'cancelled' as const };
      return { status: 'failed' as const, message: (err as Error).message };
    } finally {
      importing = undefined;
    }
  };
  const special = {
    importFromMapping: async () => (dialog.next ? runImport(() => dialog.next!) : { status: 'cancelled' as const }),
    cancelImport: () => {
      importing?.abort();
      return { cancelling: importing !== undefined };
    },
    exportSynthetic: async (set: string, format: 'csv' | 'fhir' | 'omop', reason?: string) => (dialog.folder ? internal.exportTo(set, format, dialog.folder, reason) : { cancelled: true as const }),
    pickImportFiles: () =>
      Promise.all(
        dialog.files.map(async (path) => {
          const fileId = randomUUID();
          chosen.set(fileId, path);
          return { fileId, ...(await previewCsvFile(path)) };
        }),
      ),
    importWithMapping: async (mapping: { files: { path: string }[] } & Record<string, unknown>) => {
      try {
        const path = writeWizardMapping(mapping, (id) => chosen.get(id));
        return runImport(() => path);
      } catch (err) {
        return { status: 'failed' as const, message: (err as Error).message };
      }
    },
    startTraining: (request: { cohort: string; family: 'vae' | 'timegan'; seed?: number; backend?: never; checkpointEvery?: number; [k: string]: unknown }) => {
      const { cohort, family, seed, backend, checkpointEvery, ...config } = request;
      return startRun((hooks) => train(db, { cohort, family, seed, backend, checkpointEvery, config }, hooks));
    },
    resumeTraining: (runId: number) => startRun((hooks) => resume(db, runId, hooks)),
    cancelTraining: (runId: number) => {
      const control = running.get(runId);
      if (control) control.stop = true;
      return { cancelling: control !== undefined };
    },
  };

  await page.exposeBinding('__synthehrInvoke', async (source, method: keyof typeof contract, raw: unknown[]) => {
    const spec = contract[method];
    if (!spec) throw new Error(`no contract method "${String(method)}"`);
    const args = validateCall(spec, { frameUrl: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame(), fromAppWindow: source.page === page }, raw, (url) => url.startsWith(`${origin}/`));
    const fn = (special as Record<string, (...a: unknown[]) => unknown>)[method] ?? (store[method as StoreMethod] as (...a: unknown[]) => unknown);
    const result = await fn(...(args as unknown[]));
    return spec.result.parse(result);
  });
  await page.addInitScript(
    ({ methods, eventNames }) => {
      const listeners = new Map<string, Set<(p: unknown) => void>>();
      const w = globalThis as unknown as { __synthehrInvoke: (m: string, a: unknown[]) => Promise<unknown>; __synthehrEmit: (e: string, p: unknown) => void };
      w.__synthehrEmit = (e, p) => listeners.get(e)?.forEach((l) => l(p));
      const api: Record<string, unknown> = {};
      for (const m of methods) api[m] = (...args: unknown[]) => w.__synthehrInvoke(m, args);
      for (const e of eventNames) {
        api[`on${e[0]!.toUpperCase()}${e.slice(1)}`] = (listener: (p: unknown) => void) => {
          const set = listeners.get(e) ?? listeners.set(e, new Set()).get(e)!;
          set.add(listener);
          return () => set.delete(listener);
        };
      }
      Object.defineProperty(globalThis, 'api', { value: Object.freeze(api) });
    },
    { methods: Object.keys(contract), eventNames: Object.keys(events) },
  );
  // Record CSP violations from the first byte: the console (Chromium logs each refusal) and the DOM event.
  const consoleViolations: string[] = [];
  page.on('console', (msg) => {
    if (/content security policy/i.test(msg.text())) consoleViolations.push(msg.text());
  });
  await page.addInitScript(() => {
    const g = globalThis as unknown as { __cspViolations: string[]; document: { addEventListener: (e: string, f: (ev: { violatedDirective: string; blockedURI: string; sample: string }) => void) => void } };
    g.__cspViolations = [];
    g.document.addEventListener('securitypolicyviolation', (ev) => g.__cspViolations.push(`${ev.violatedDirective} blocked ${ev.blockedURI} ${ev.sample}`));
  });
  await page.goto(`${origin}/index.html`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    page,
    db,
    dialog,
    cspViolations: async () => [...consoleViolations, ...(await page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations))],
    screenshot: async (name) => {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: async () => {
      for (const c of running.values()) c.stop = true;
      await browser.close();
      server.close();
      db.close();
    },
  };
}
