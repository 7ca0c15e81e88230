// npm run bench:scale: the pipeline at workstation scale (issue 14). Builds a real-shaped
// population cohort (17,000 patients, ~400,000 long-format lab rows with duplicates and skew,
// ~35,000 typed event rows, a censored death outcome under 10%; writeCohortFiles, seeded),
// then runs each stage in its own process, as the CLI runs it, and prints every figure with
// its peak memory beside its target: import (against sqlite3 .import of the same files),
// cohort create, training of each family's default model to its end, generation of as many
// patients, evaluation (every metric of the report, JSON and HTML written), export in each
// format, and the reference training step against PyTorch. Writes .bench/scale/results.{json,md}.
// Asserts nothing.
//
//   npm run bench:scale [-- --patients 17000] [--only import,cohort,train,generate,evaluate,export,reference]
//                       [--family vae,timegan] [--config JSON] [--seed 1]
// --only: later stages read the store and runs of an earlier run in .bench/scale (state.json).
// --config: overrides of every family's default configuration, e.g. '{"steps":50}'.
import { cpus, loadavg } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NATIVE_KERNELS_ENV } from '../../main/models/nativeKernels.js';
import { SCALE_SHAPE, writeCohortFiles, type CohortSummary } from '../support/syntheticLabs.js';
import { benchChild, ensureSqlite3, pytorchStep, referenceStepOn, removeStore, sqlite3Version, timeSqlite3Import } from './common.js';

const STAGES = ['import', 'cohort', 'train', 'generate', 'evaluate', 'export', 'reference'] as const;
type Stage = (typeof STAGES)[number];
const FAMILIES = ['vae', 'timegan'] as const;
const FORMATS = ['csv', 'fhir', 'omop'] as const;
const OVERRIDE = 'bench:scale: synthetic benchmark cohort, exported to time the export, not for sharing';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: String(SCALE_SHAPE.patients) },
    only: { type: 'string', default: STAGES.join(',') },
    family: { type: 'string', default: FAMILIES.join(',') },
    config: { type: 'string', default: '{}' },
    seed: { type: 'string', default: '1' },
  },
});
const patients = Number(args.patients);
const seed = Number(args.seed);
const only = new Set(args.only.split(',') as Stage[]);
const families = args.family.split(',') as (typeof FAMILIES)[number][];
if (!Number.isInteger(patients) || patients < 50) throw new Error(`--patients is a whole number of 50 or more, not "${args.patients}".`);
if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed is a whole number of 0 or more, not "${args.seed}".`);
for (const s of only) if (!STAGES.includes(s)) throw new Error(`Unknown stage "${s}" in --only: choose from ${STAGES.join(', ')}.`);
for (const f of families) if (!FAMILIES.includes(f)) throw new Error(`Unknown family "${f}": choose from ${FAMILIES.join(', ')}.`);
JSON.parse(args.config);

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, '.bench', 'scale');
const dataDir = join(dir, 'data');
const db = join(dir, 'scale.db');
const statePath = join(dir, 'state.json');
const definition = join(import.meta.dirname, 'scale.cohort.json');
const mib = (kib: number) => kib / 1024;
const num = (x: number) => Math.round(x).toLocaleString('en-US');
const say = (s: string) => process.stderr.write(`[bench:scale] ${s}\n`);
const HEARTBEAT = 30;

/** What later stages need from earlier ones, kept between runs for --only. */
interface State {
  patients: number;
  seed: number;
  data?: CohortSummary;
  cohort?: string;
  runs: Partial<Record<(typeof FAMILIES)[number], number>>;
  sets: Partial<Record<(typeof FAMILIES)[number], string>>;
}

/** One line of the table: a figure beside its target (ok null: no target). */
interface Row {
  stage: string;
  figure: string;
  target: string;
  ok: boolean | null;
  seconds: number | null;
  peakMiB: number | null;
}

const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const peaks: { process: string; MiB: number }[] = [];
const started = performance.now();
/** Others' work on the machine at the start (the figures are wall-clock times). */
const load = loadavg()[0]!;

function loadState(): State {
  if (only.has('import')) return { patients, seed, runs: {}, sets: {} };
  // Without an earlier run, a stage that needs one says so (the reference step needs none).
  if (!existsSync(statePath)) return { patients, seed, runs: {}, sets: {} };
  const s = JSON.parse(readFileSync(statePath, 'utf8')) as State;
  if (s.patients !== patients || s.seed !== seed) say(`note: the store in ${dir} was built with --patients ${s.patients} --seed ${s.seed}; using it`);
  return s;
}
const state = loadState();
const saveState = () => writeFileSync(statePath, JSON.stringify(state, null, 2));

function row(r: Row, processName?: string): void {
  rows.push(r);
  if (processName && r.peakMiB !== null) peaks.push({ process: processName, MiB: r.peakMiB });
  say(`${r.stage}: ${r.figure}${r.target ? ` (target ${r.target}: ${r.ok ? '✓' : '✗'})` : ''}${r.peakMiB === null ? '' : `; peak memory ${r.peakMiB.toFixed(0)} MiB`}`);
}

/** Runs a stage; a failure is a row of the table (and stops the stages that need it), not the end of the bench. */
async function stage(name: string, fn: () => Promise<void>): Promise<boolean> {
  say(`${name} ...`);
  try {
    await fn();
    return true;
  } catch (err) {
    rows.push({ stage: name, figure: `failed: ${(err as Error).message.split('\n')[0]}`, target: '', ok: false, seconds: null, peakMiB: null });
    say(`${name} failed: ${(err as Error).stack ?? err}`);
    return false;
  }
}

/** The generated cohort's shape, checked against the issue's (scaled to --patients). */
function describeData(s: CohortSummary): string[] {
  const scale = s.patients / SCALE_SHAPE.patients;
  const years = (d: number) => (d / 365.25).toFixed(1);
  const check = (what: string, got: number, want: number) => `${what} ${num(got)} (issue: ~${num(want)}${Math.abs(got / want - 1) <= 0.1 ? ' ✓' : ' ✗ off by more than 10%'})`;
  const share = s.deaths / s.patients;
  return [
    `data: ${num(s.patients)} patients, ${check('lab rows', s.labRows, SCALE_SHAPE.labRows * scale)}, ${check('event rows', s.events, SCALE_SHAPE.events * scale)}`,
    `data: duplicate lab rows ${(((s.exactDuplicates + s.repeatedMeasurements) / s.labRows) * 100).toFixed(1)}% (${num(s.exactDuplicates)} repeated verbatim, ${num(s.repeatedMeasurements)} re-measured the same day); ` +
      `lab rows per patient p10/p50/p90/p99/max ${[s.labRowsPerPatient.p10, s.labRowsPerPatient.p50, s.labRowsPerPatient.p90, s.labRowsPerPatient.p99, s.labRowsPerPatient.max].join('/')}`,
    `data: events by type ${Object.entries(s.eventsByType).sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${num(n)}`).join(', ')}`,
    `data: outcome death ${num(s.deaths)} of ${num(s.patients)} (${(share * 100).toFixed(1)}%${share < 0.1 ? ' < 10% ✓' : ' ✗ not under 10%'}), the rest censored; ` +
      `follow-up from index p10/p25/p50/p75/p90 ${[s.followUpDays.p10, s.followUpDays.p25, s.followUpDays.p50, s.followUpDays.p75, s.followUpDays.p90].map(years).join('/')} years; ` +
      `records starting over 10 years before index ${((s.historyOver10Years / s.patients) * 100).toFixed(0)}%`,
  ];
}

if (only.has('import')) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  let files!: Awaited<ReturnType<typeof writeCohortFiles>>;
  await stage('data', async () => {
    const t0 = performance.now();
    files = await writeCohortFiles(dataDir, { patients, seed });
    const seconds = (performance.now() - t0) / 1000;
    const s = (state.data = files.summary);
    raw.data = { ...s, seconds };
    say(`data: written in ${seconds.toFixed(1)} s to ${dataDir}`);
    for (const line of describeData(s)) say(line);
    row({ stage: 'data (generated)', figure: `${num(s.patients)} patients, ${num(s.labRows)} lab rows, ${num(s.events)} event rows, deaths ${((s.deaths / s.patients) * 100).toFixed(1)}%`, target: '', ok: null, seconds, peakMiB: null });
  });
  await stage('import', async () => {
    ensureSqlite3();
    const tables = [
      { path: files.patientsPath, table: 'patients' },
      { path: files.labsPath, table: 'labs' },
      { path: files.eventsPath, table: 'events' },
    ];
    // Best of 3 each, taken in turns so that both see the machine in the same state
    // (a shared 2-core machine's speed drifts by tens of percent within minutes).
    let sqlite = Infinity;
    let ours: { seconds: number; rows: number; measurements: number; maxRssKiB: number } | undefined;
    for (let run = 0; run < 3; run++) {
      sqlite = Math.min(sqlite, timeSqlite3Import(join(dir, 'sqlite3-baseline.db'), tables));
      removeStore(db);
      const attempt = await benchChild<NonNullable<typeof ours>>('importChild.ts', [db, files.mappingPath], { label: 'import', seconds: HEARTBEAT });
      if (!ours || attempt.seconds < ours.seconds) ours = attempt;
    }
    rmSync(join(dir, 'sqlite3-baseline.db'), { force: true });
    if (!ours) throw new Error('no import ran');
    // Both read every row of the three files.
    const sqliteRate = ours.rows / sqlite;
    const ourRate = ours.rows / ours.seconds;
    const ratio = ourRate / sqliteRate;
    raw.import = { ...ours, sqlite3Seconds: sqlite, sqlite3: sqlite3Version(), ratio };
    row(
      {
        stage: 'import (patients, labs, events)',
        figure: `${ours.seconds.toFixed(2)} s (best of 3), ${num(ourRate)} rows/s = ${ratio.toFixed(2)}× sqlite3 ${sqlite3Version()} .import (${sqlite.toFixed(2)} s, best of 3); ${num(ours.rows)} rows, ${num(ours.measurements)} measurements`,
        target: '≥ 0.5× sqlite3',
        ok: ratio >= 0.5,
        seconds: ours.seconds,
        peakMiB: mib(ours.maxRssKiB),
      },
      'import',
    );
    saveState();
  });
}

if (only.has('cohort')) {
  await stage('cohort', async () => {
    if (!existsSync(db)) throw new Error('no store: run the import stage first');
    const r = await benchChild('cohortChild.ts', [db, definition], { label: 'cohort', seconds: HEARTBEAT });
    raw.cohort = r;
    state.cohort = r.name;
    state.runs = {};
    state.sets = {};
    row(
      {
        stage: 'cohort create',
        figure: `${r.createSeconds.toFixed(2)} s: ${num(r.patients)} patients (train ${num(r.train)}, holdout ${num(r.holdout)}), ${num(r.steps)} steps (irregular, max length ${r.maxLength}, 10 years look-back); encoding them all ${r.encodeSeconds.toFixed(2)} s more`,
        target: '≤ 10 s',
        ok: r.createSeconds <= 10,
        seconds: r.createSeconds + r.encodeSeconds,
        peakMiB: mib(r.maxRssKiB),
      },
      'cohort',
    );
    saveState();
  });
}

if (only.has('train')) {
  for (const family of families) {
    await stage(`train ${family}`, async () => {
      if (!state.cohort) throw new Error('no cohort: run the cohort stage first');
      const r = await benchChild('scaleChild.ts', ['train', db, state.cohort, family, seed, args.config]);
      raw[`train ${family}`] = r;
      state.runs[family] = r.runId;
      delete state.sets[family];
      row(
        {
          stage: `train ${family} (default${args.config === '{}' ? '' : ` + ${args.config}`})`,
          figure: `${(r.seconds / 60).toFixed(1)} min, ${num(r.steps)} steps ${r.status}${r.stoppedBy ? ` (stopped by the ${r.stoppedBy === 'validation' ? 'validation loss' : 'step budget'})` : ''} on ${r.backend} (first step done after ${r.loadSeconds.toFixed(1)} s, ${r.msPerStep.toFixed(0)} ms/step)`,
          target: '≤ 15 min',
          ok: r.seconds <= 15 * 60,
          seconds: r.seconds,
          peakMiB: mib(r.maxRssKiB),
        },
        `train ${family}`,
      );
      saveState();
    });
  }
}

if (only.has('generate')) {
  for (const family of families) {
    await stage(`generate ${family}`, async () => {
      const runId = state.runs[family];
      if (runId === undefined) throw new Error(`no ${family} run: run the train stage first`);
      const r = await benchChild('scaleChild.ts', ['generate', db, runId, patients], { label: `generate ${family}`, seconds: HEARTBEAT });
      raw[`generate ${family}`] = r;
      state.sets[family] = r.dataset;
      row(
        {
          stage: `generate ${family}`,
          figure: `${r.seconds.toFixed(1)} s for ${num(r.patients)} patients (${num(r.measurements)} measurements, ${num(r.events)} events)`,
          target: '≤ 30 s',
          ok: r.seconds <= 30,
          seconds: r.seconds,
          peakMiB: mib(r.maxRssKiB),
        },
        `generate ${family}`,
      );
      saveState();
    });
  }
}

/** Evaluation and export read the set of the first family (the default model's, unless --family says otherwise). */
const evaluated = families[0]!;
if (only.has('evaluate')) {
  await stage(`evaluate ${evaluated}`, async () => {
    const set = state.sets[evaluated];
    if (!set) throw new Error(`no ${evaluated} set: run the generate stage first`);
    const r = await benchChild('scaleChild.ts', ['evaluate', db, set, join(dir, 'reports')], { label: 'evaluate', seconds: HEARTBEAT });
    raw.evaluate = r;
    row(
      {
        stage: `evaluate ${evaluated} set`,
        figure: `${(r.seconds / 60).toFixed(2)} min (report written in ${(r.seconds - r.evaluateSeconds).toFixed(1)} s of it), ${r.metrics} metrics; JSON ${mib(r.json.bytes / 1024).toFixed(1)} MiB, HTML ${mib(r.html.bytes / 1024).toFixed(1)} MiB`,
        target: '≤ 2 min',
        ok: r.seconds <= 120,
        seconds: r.seconds,
        peakMiB: mib(r.maxRssKiB),
      },
      'evaluate',
    );
  });
}

if (only.has('export')) {
  for (const format of FORMATS) {
    await stage(`export ${format}`, async () => {
      const set = state.sets[evaluated];
      if (!set) throw new Error(`no ${evaluated} set: run the generate stage first`);
      const out = join(dir, 'exports');
      rmSync(join(out, `${set}.${format}`), { recursive: true, force: true });
      const r = await benchChild('scaleChild.ts', ['export', db, set, format, out, OVERRIDE], { label: `export ${format}`, seconds: HEARTBEAT });
      raw[`export ${format}`] = r;
      const bytes = (r.files as { bytes: number }[]).reduce((a, f) => a + f.bytes, 0);
      row(
        {
          stage: `export ${format}`,
          figure: `${r.seconds.toFixed(1)} s: privacy gate's evaluation ${r.gateSeconds.toFixed(1)} s (${r.evaluationReused ? 'stored, reused' : 'made for this export'}, ${r.passed ? 'passed' : 'refused, overridden'}), writing ${r.writeSeconds.toFixed(1)} s; ${r.files.length} files, ${mib(bytes / 1024).toFixed(1)} MiB`,
          target: '≤ 1 min',
          ok: r.seconds <= 60,
          seconds: r.seconds,
          peakMiB: mib(r.maxRssKiB),
        },
        `export ${format}`,
      );
    });
  }
}

if (only.has('reference')) {
  await stage('reference step', async () => {
    const ours = referenceStepOn('auto', 15);
    if (typeof ours === 'string') throw new Error(`reference step: ${ours}`);
    // The same step without the native kernels, when they ran: what they give.
    const alone = /with native/.test(ours.device) ? referenceStepOn(ours.backend, 15, { [NATIVE_KERNELS_ENV]: 'off' }) : null;
    const aloneText = alone && typeof alone !== 'string' ? `; without the native kernels ${alone.median.toFixed(0)} ms` : '';
    // Both thread counts: on a busy 2-core machine OpenMP's two threads can be many times slower than one.
    const torchRuns = [1, 2].map((threads) => pytorchStep(threads));
    const timed = torchRuns.filter((t): t is Exclude<typeof t, string> => typeof t !== 'string');
    const torch = timed.length ? timed.reduce((a, b) => (b.ms < a.ms ? b : a)) : (torchRuns[0] as string);
    raw.reference = { ours, alone, torch: torchRuns };
    const ratio = typeof torch === 'string' ? NaN : ours.median / torch.ms;
    row(
      {
        stage: `reference step (${ours.backend})`,
        figure:
          typeof torch === 'string'
            ? `${ours.median.toFixed(0)} ms/step (median of 15; best ${ours.best.toFixed(0)}); PyTorch: ${torch}`
            : `${ours.median.toFixed(0)} ms/step (${ours.device}${aloneText}) vs PyTorch ${torch.torch} (OpenBLAS; ${timed.map((t) => `${t.threads} thread${t.threads > 1 ? 's' : ''} ${t.ms.toFixed(0)} ms`).join(', ')}) = ${ratio.toFixed(2)}× the faster (medians of 15)`,
        target: '≤ 2× PyTorch',
        ok: typeof torch === 'string' ? false : ratio <= 2,
        seconds: null,
        peakMiB: mib(ours.maxRssKiB),
      },
      'reference step',
    );
  });
}

peaks.push({ process: 'bench:scale (data generation)', MiB: mib(process.resourceUsage().maxRSS) });
const worst = peaks.reduce((a, b) => (b.MiB > a.MiB ? b : a));
rows.push({ stage: 'peak memory, any process', figure: `${worst.MiB.toFixed(0)} MiB (${worst.process})`, target: '≤ 2 GiB', ok: worst.MiB <= 2048, seconds: null, peakMiB: null });

const minutes = (performance.now() - started) / 60_000;
const mark = (ok: boolean | null) => (ok === null ? '' : ok ? '✓' : '✗');
const header = [
  `bench:scale: ${num(patients)} patients, seed ${seed}, families ${families.join(', ')}${args.config === '{}' ? '' : `, overrides ${args.config}`}; ` +
    `stages ${[...only].join(', ')}; ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; load average ${load.toFixed(1)} at the start; ${minutes.toFixed(1)} min in all`,
];
const table = [
  '| stage | figure | target | | time | peak memory |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.stage} | ${r.figure} | ${r.target} | ${mark(r.ok)} | ${r.seconds === null ? '' : r.seconds >= 90 ? `${(r.seconds / 60).toFixed(1)} min` : `${r.seconds.toFixed(1)} s`} | ${r.peakMiB === null ? '' : `${r.peakMiB.toFixed(0)} MiB`} |`),
];
const md = [...header, '', ...(state.data ? describeData(state.data) : []), '', ...table].join('\n') + '\n';
console.log(`\n${md}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'results.json'), JSON.stringify({ patients, seed, families, config: JSON.parse(args.config), stages: [...only], cores: cpus().length, node: process.version, loadAverage: load, minutes, data: state.data, rows, raw, peaks }, null, 2));
writeFileSync(join(dir, 'results.md'), md);
say(`figures in ${join(dir, 'results.json')} and results.md (✗: misses the target)`);
