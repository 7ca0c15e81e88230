// What the benchmarks share (`npm run bench`, `npm run bench:scale`): what they compare
// against (Debian's sqlite3 importing the same CSV files; the reference training step of
// main/models/referenceStep.ts on a tfjs backend against PyTorch on OpenBLAS), the one way
// a bench runs a TypeScript child and reads its JSON, and removing a store.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const tsx = import.meta.resolve('tsx');

/**
 * Runs a TypeScript file of test/bench in its own process (so that its peak memory is its
 * own) and parses the JSON it prints on stdout; its stderr (progress) goes to ours.
 * With `heartbeat`, a line every `heartbeat.seconds` says it is still running.
 */
export async function benchChild<T = Record<string, any>>(script: string, args: (string | number)[], heartbeat?: { label: string; seconds: number }): Promise<T> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', tsx, join(import.meta.dirname, script), ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const timer = heartbeat && setInterval(() => process.stderr.write(`  ${heartbeat.label}: still running, ${((performance.now() - started) / 60_000).toFixed(1)} min\n`), heartbeat.seconds * 1000);
  try {
    const [code, signal] = (await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])))) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`);
    return JSON.parse(stdout) as T;
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Removes a store and its WAL files. */
export function removeStore(db: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
}

function haveSqlite3(): boolean {
  return spawnSync('sqlite3', ['-version']).status === 0;
}

/** Debian's sqlite3, installed with apt when missing. */
export function ensureSqlite3(): void {
  if (haveSqlite3()) return;
  console.log('Installing Debian sqlite3 for the baseline (apt-get install -y sqlite3) ...');
  spawnSync('sh', ['-c', 'apt-get install -y -qq sqlite3 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq sqlite3)'], { stdio: 'inherit' });
  if (!haveSqlite3()) throw new Error('sqlite3 is not installed and could not be installed; install Debian sqlite3 and rerun.');
}

export function sqlite3Version(): string {
  return execFileSync('sqlite3', ['-version'], { encoding: 'utf8' }).split(' ')[0]!;
}

/** Seconds sqlite3 takes to `.import` these CSV files into bare tables of a new database at `db`. */
export function timeSqlite3Import(db: string, files: { path: string; table: string }[]): number {
  rmSync(db, { force: true });
  const started = performance.now();
  execFileSync('sqlite3', [db, '.mode csv', ...files.map((f) => `.import ${f.path} ${f.table}`)]);
  return (performance.now() - started) / 1000;
}

export interface ReferenceTiming {
  backend: string;
  device: string;
  median: number;
  best: number;
  maxRssKiB: number;
}

/** The reference step on one backend (`auto`: the one training would pick), timed in its own process; a string says why not. */
export function referenceStepOn(backend: string, steps: number, env: NodeJS.ProcessEnv = {}): ReferenceTiming | string {
  const run = spawnSync(process.execPath, ['--import', tsx, join(import.meta.dirname, 'referenceChild.ts'), backend, String(steps)], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  if (run.status !== 0) return `failed (${run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`})`;
  const r = JSON.parse(run.stdout);
  return r.unavailable ? `not available (${r.unavailable})` : (r as ReferenceTiming);
}

export interface TorchTiming {
  ms: number;
  best: number;
  threads: number;
  torch: string;
}

/**
 * The reference step in PyTorch on an optimized BLAS with this many threads, installed with
 * apt when missing (Debian's reference BLAS would flatter us); a string says why not.
 */
export function pytorchStep(threads = 2): TorchTiming | string {
  const python = '/usr/bin/python3';
  const hasTorch = () => spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!hasTorch()) {
    console.log('  (installing python3-torch and OpenBLAS with apt for the comparison ...)');
    spawnSync('sh', ['-c', 'apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null 2>&1)'], { stdio: 'inherit' });
    if (!hasTorch()) return 'python3-torch is not installed and could not be installed';
  }
  const blas = spawnSync('sh', ['-c', 'readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' }).stdout.trim();
  if (!/openblas/.test(blas)) return `libblas.so.3 is ${blas || 'unknown'}, not OpenBLAS: install libopenblas0-openmp for a fair comparison`;
  const run = spawnSync(python, [join(import.meta.dirname, 'reference_step.py'), String(threads), '15'], { encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) return `PyTorch failed: ${run.stderr.trim().split('\n').pop()}`;
  return JSON.parse(run.stdout);
}
