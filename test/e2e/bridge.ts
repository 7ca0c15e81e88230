// The test bridge: the built renderer in Debian's Chromium, its window.api
// answered by the app's own handlers (main/ipc/appHandlers.ts, through answerCall
// as main/ipc/handle.ts does), with the app's workers as Node child processes
// and scripted dialogs.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { contract, events, type Emit, type MethodName } from '../../preload/contract.js';
import { serveAppRequest } from '../../main/app/appServe.js';
import { withCspHeader } from '../../main/app/csp.js';
import { forkNodeWorker } from '../../main/common/nodeWorker.js';
import type { SpawnWorker } from '../../main/common/workerProtocol.js';
import { answerCall } from '../../main/ipc/answerCall.js';
import { APP_ORIGIN } from '../../main/ipc/appOrigin.js';
import { appHandlers, type Dialogs } from '../../main/ipc/appHandlers.js';
import { ImportRunner } from '../../main/ipc/importRunner.js';
import { StoreClient } from '../../main/ipc/storeClient.js';
import { TrainingRunner } from '../../main/ipc/trainingRunner.js';
import { openDatabase, type Db } from '../../main/store/database.js';
import { ROOT } from '../support/store.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
const RENDERER = join(ROOT, 'out', 'renderer');

/** The app's worker entries, run as Node child processes (in the app: Electron utility processes, main/app/utilityWorkers.ts). */
const WORKER_FILES = { store: 'main/app/storeWorker.ts', import: 'main/app/importWorker.ts', training: 'main/training/trainWorker.ts' } as const;
const spawnNodeWorker: SpawnWorker = (worker, args) => forkNodeWorker(join(ROOT, WORKER_FILES[worker]), args);

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

/**
 * Waits until plotly has drawn the plot the selector names (it draws after React renders,
 * so counting at once races it); fails with a timeout when it never appears.
 */
export async function expectPlotDrawn(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().waitFor({ state: 'visible', timeout: 20_000 });
}

export interface AppUnderTest {
  page: Page;
  db: Db;
  /** What the main-process file dialogs "choose" next: a mapping path (or null: cancel), CSV files. */
  dialog: { next: string | null; files: string[]; folder: string | null; publicFacts: string | null };
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
  const dialog = { next: null as string | null, files: [] as string[], folder: null as string | null, publicFacts: null as string | null };
  const emit: Emit = (event, payload) => {
    void page.evaluate(([e, p]) => (globalThis as unknown as { __synthehrEmit: (e: string, p: unknown) => void }).__synthehrEmit(e as string, p), [event, payload] as const).catch(() => {});
  };
  // The app's own services and handlers; only the processes (Node instead of Electron's) and the dialogs (scripted) differ.
  const store = new StoreClient(dbPath, emit, spawnNodeWorker);
  const training = new TrainingRunner(dbPath, emit, spawnNodeWorker);
  const imports = new ImportRunner(dbPath, emit, spawnNodeWorker);
  const dialogs: Dialogs = {
    chooseMappingFile: async () => dialog.next,
    chooseCsvFiles: async () => dialog.files,
    chooseExportFolder: async () => dialog.folder,
    choosePublicFactsFile: async () => dialog.publicFacts,
  };
  const handlers = appHandlers({ store, training, imports, dialogs, tempDir: tmpdir() });

  await page.exposeBinding('__synthehrInvoke', (source, method: MethodName, raw: unknown[]) => {
    if (!Object.hasOwn(contract, method)) throw new Error(`no contract method "${String(method)}"`);
    const caller = { frameUrl: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame(), fromAppWindow: source.page === page };
    return answerCall(method, handlers[method] as (...args: never[]) => unknown, caller, raw, (url) => url.startsWith(`${origin}/`));
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
      training.dispose();
      imports.cancel();
      store.dispose();
      await browser.close();
      server.close();
      db.close();
    },
  };
}
