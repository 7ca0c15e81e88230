import { existsSync, linkSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bytes, num, pct, table } from './common/format.js';
import { countProgressPrinter, importProgressPrinter } from './cli/progress.js';
import { listDatasets, summarizeDataset, type DatasetSummary } from './ingest/datasetSummary.js';
import { importDataset } from './ingest/importer.js';
import { loadMapping } from './ingest/mapping.js';
import { daysToIso } from './ingest/values.js';
import { printCohort, printPreview } from './cli/cohortCommands.js';
import { createCohort, listCohorts, showCohort } from './cohort/cohortService.js';
import { loadDefinition } from './cohort/definition.js';
import { UserError } from './common/errors.js';
import { previewEncoding } from './sequence/preview.js';
import { printGenerated, printRuns, trainInChildProcess } from './cli/trainCommands.js';
import { BACKENDS, type BackendName } from './training/backend.js';
import { generateSyntheticSet } from './training/generate.js';
import { train } from './training/engine.js';
import { DEFAULT_FAMILY } from './training/config.js';
import { ExportRefusedError, exportSyntheticSet, type ExportResult } from './export/exportSet.js';
import { createReviewSession } from './review/session.js';
import { exportSessionFile, importAnswersFile, REAL_DATA_WARNING } from './review/sessionFile.js';
import { reviewResults, type ReviewResults } from './review/results.js';
import { listRuns } from './training/runs.js';
import { evaluate } from './evaluation/evaluate.js';
import { writeReport } from './evaluation/report.js';
import { printEvaluation } from './cli/evaluateCommand.js';
import { checkStorePath, openDatabase, StoreOpenError, type Db } from './store/database.js';
import { integerArg, numberArg, outputFileArg, outputFolderArg, seedArg, UsageError } from './cli/args.js';

const USAGE = `synthehr: SynthEHR Studio from the command line

Usage:
  synthehr import --mapping FILE [--db FILE]   import the CSV files a mapping names, as one dataset
  synthehr datasets [--db FILE]                list the datasets in the store
  synthehr inspect DATASET [--db FILE] [--json] [--warnings N]
                                               counts, per-variable statistics, visits per patient,
                                               follow-up, events, censoring rate, import warnings
  synthehr cohort create --definition FILE [--db FILE] [--json]
                                               build a cohort (next version of its name): attrition,
                                               outcome, Kaplan-Meier, split, transforms, sequence summary
  synthehr cohort list [--db FILE]             the cohorts and their versions
  synthehr cohort show COHORT[@VERSION] [--db FILE] [--json]
  synthehr encode COHORT --preview PATIENT [--mode irregular|grid] [--bin DAYS]
                 [--carry-forward] [--max-length N] [--json]
                                               one patient's timeline and its encoding (other timestep
                                               settings are fitted on the cohort for the preview only)
  synthehr train COHORT [--model vae|timegan] [--steps N] [--hidden N] [--batch N] [--lr X]
                 [--seed N] [--backend auto|tensorflow-gpu|webgpu|tensorflow|wasm|cpu]
                 [--checkpoint-every N]         train a generator in a child process (Ctrl-C stops
                                               after a checkpoint)
  synthehr train --resume RUN [--backend B]    continue a stopped, failed or killed run
  synthehr runs [--db FILE]                    training runs with status, step and backend
  synthehr generate RUN --patients N [--seed N] [--margin X] [--force]
                                               synthetic patients as a new dataset (see inspect);
                                               --margin: share of the observed range values may pass it
                                               by (0 to 1, default 0.1); over 100,000 patients needs --force
  synthehr evaluate SET [--out DIR] [--sensitive VARIABLE] [--stratum VARIABLE] [--json]
                                               the share verdict, then fidelity, clinical fidelity
                                               (event rates, hazard ratios, KM by --stratum, trajectories),
                                               survival and privacy of a synthetic set against its cohort;
                                               writes the report of aggregates (default ./reports)
  synthehr export SET --format csv|fhir|omop [--out DIR] [--override REASON]
                                               the set with its data card, after the privacy gate
                                               (default ./exports); every export is audit-logged
  synthehr review create SET [--cases N] [--synthetic-share X] [--seed N]
                                               a blinded, shuffled mix of synthetic and real holdout cases
  synthehr review export SESSION --out FILE --reviewer NAME
                                               the cases for a reviewer elsewhere; CONTAINS REAL PATIENT
                                               DATA (holdout cases, rounded and jittered), audit-logged
  synthehr review import FILE                  a reviewer's answers file
  synthehr review results SESSION [--json]     accuracy, sensitivity, specificity, binomial test, kappa
  synthehr demo [--db FILE]                    the pipeline, headless, on the bundled demo cohort
                                               (resources/demo), into a new store: FILE must not exist;
                                               default a fresh folder .synthehr/demo-DATE-TIME/

Options:
  --db FILE      the store (default: $SYNTHEHR_DB, else ./synthehr.db)
  --json         machine-readable output
  -h, --help     this help
`;

export async function runCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      mapping: { type: 'string' },
      json: { type: 'boolean', default: false },
      warnings: { type: 'string' },
      definition: { type: 'string' },
      preview: { type: 'string' },
      mode: { type: 'string' },
      bin: { type: 'string' },
      'carry-forward': { type: 'boolean' },
      'max-length': { type: 'string' },
      model: { type: 'string' },
      steps: { type: 'string' },
      hidden: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      resume: { type: 'string' },
      patients: { type: 'string' },
      margin: { type: 'string' },
      out: { type: 'string' },
      sensitive: { type: 'string' },
      stratum: { type: 'string' },
      format: { type: 'string' },
      override: { type: 'string' },
      cases: { type: 'string' },
      'synthetic-share': { type: 'string' },
      reviewer: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const dbPath = resolve(values.db ?? process.env.SYNTHEHR_DB ?? 'synthehr.db');
  switch (command) {
    case 'import': {
      if (!values.mapping) throw new UsageError('import needs --mapping FILE');
      const mapping = loadMapping(resolve(values.mapping));
      const progress = importProgressPrinter();
      try {
        const result = await importIntoStore(dbPath, (db) => importDataset(db, mapping, { onProgress: progress.update }));
        progress.done();
        if (values.json) {
          out(JSON.stringify(result, null, 2));
          return 0;
        }
        out(`Imported dataset "${result.dataset}" into ${dbPath} in ${result.seconds.toFixed(2)} s`);
        out(table(['file', 'rows', 'size', 'sha256'], result.files.map((f) => [f.name, num(f.rows), bytes(f.sizeBytes), f.sha256.slice(0, 16)]), [false, true, true]));
        out(`patients ${num(result.patients)}, measurements ${num(result.measurements)}, events ${num(result.events)}, outcomes ${num(result.outcomes)}`);
        if (result.timeZone) out(`Date-times without an offset were read in ${result.timeZone} and stored in UTC.`);
        const ungrouped = result.files.filter((f) => !f.groupedByPatient).map((f) => f.name);
        if (ungrouped.length) out(`Rows not grouped by patient in ${ungrouped.join(', ')}: checked for duplicates through an index.`);
        printWarnings(out, result.warningCount, Object.entries(result.warningsByCode).map(([rule, count]) => ({ rule, count })), result.warnings, 10);
        return 0;
      } finally {
        progress.done();
      }
    }
    case 'datasets': {
      const db = openStore(dbPath);
      try {
        const rows = listDatasets(db);
        if (values.json) out(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) out(`No datasets in ${dbPath}. Import one with: synthehr import --mapping FILE --db ${dbPath}`);
        else
          out(table(['id', 'name', 'time', 'patients', 'measurements', 'events', 'imported'],
            rows.map((d) => [d.id, d.name, d.timeBasis, num(d.patients), num(d.measurements), num(d.events), d.createdAt.slice(0, 19).replace('T', ' ')]),
            [true, false, false, true, true, true]));
        return 0;
      } finally {
        db.close();
      }
    }
    case 'inspect': {
      const name = rest[0];
      if (!name) throw new UsageError('inspect needs a DATASET name or id');
      const db = openStore(dbPath);
      try {
        const summary = summarizeDataset(db, name);
        if (values.json) out(JSON.stringify(summary, null, 2));
        else printSummary(out, summary, values.warnings === undefined ? 10 : integerArg(values.warnings, '--warnings', { min: 0 }));
        return 0;
      } finally {
        db.close();
      }
    }
    case 'cohort':
      return cohortCommand(dbPath, rest, values, out);
    case 'encode': {
      const ref = rest[0];
      if (!ref || !values.preview) throw new UsageError('encode needs a COHORT and --preview PATIENT');
      const db = openStore(dbPath);
      try {
        const cohort = showCohort(db, ref);
        const timesteps: Record<string, unknown> = {};
        if (values.mode !== undefined) {
          if (values.mode !== 'irregular' && values.mode !== 'grid') throw new UsageError('--mode is irregular or grid');
          timesteps.mode = values.mode;
        }
        if (values.bin !== undefined) timesteps.binDays = numberArg(values.bin, '--bin (days)', { min: 1 });
        if (values['carry-forward']) timesteps.carryForward = true;
        if (values['max-length'] !== undefined) timesteps.maxLength = integerArg(values['max-length'], '--max-length');
        const preview = previewEncoding(db, cohort.id, values.preview, timesteps);
        if (values.json) out(JSON.stringify(preview, null, 2));
        else printPreview(out, preview);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'train': {
      const backend = values.backend === undefined ? 'auto' : backendName(values.backend);
      if (values.resume !== undefined) {
        const runId = integerArg(values.resume, '--resume');
        openStore(dbPath).close();
        return trainInChildProcess({ type: 'resume', dbPath, runId, backend }, out, values.json);
      }
      const cohort = rest[0];
      if (!cohort) throw new UsageError('train needs a COHORT (or --resume RUN)');
      const family = values.model ?? DEFAULT_FAMILY;
      if (family !== 'vae' && family !== 'timegan') throw new UsageError(`--model is vae or timegan (default ${DEFAULT_FAMILY}, the more realistic by npm run bench:quality), not "${family}"`);
      const db = openStore(dbPath);
      try {
        showCohort(db, cohort); // fail here, with the list of cohorts, rather than in the child
      } finally {
        db.close();
      }
      const config: Record<string, number> = {};
      if (values.steps !== undefined) config.steps = integerArg(values.steps, '--steps');
      if (values.hidden !== undefined) config.hidden = integerArg(values.hidden, '--hidden', { min: 1, max: 4096 });
      if (values.batch !== undefined) config.batchSize = integerArg(values.batch, '--batch');
      if (values.lr !== undefined) config.learningRate = numberArg(values.lr, '--lr', { min: 0, max: 1, exclusive: true });
      const seed = values.seed === undefined ? 1 : seedArg(values.seed);
      const checkpointEvery = values['checkpoint-every'] === undefined ? 100 : integerArg(values['checkpoint-every'], '--checkpoint-every');
      return trainInChildProcess(
        {
          type: 'start',
          dbPath,
          request: {
            cohort,
            family,
            seed,
            backend,
            config,
            checkpointEvery,
          },
        },
        out,
        values.json,
      );
    }
    case 'runs': {
      const db = openStore(dbPath);
      try {
        const runs = listRuns(db);
        if (values.json) out(JSON.stringify(runs, null, 2));
        else printRuns(out, runs);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'generate': {
      const run = rest[0];
      if (!run || values.patients === undefined) throw new UsageError('generate needs a RUN and --patients N');
      const runId = integerArg(run, 'RUN');
      const patients = integerArg(values.patients, '--patients');
      if (patients > PATIENT_CAP && !values.force) {
        throw new UsageError(`--patients ${num(patients)} is more than ${num(PATIENT_CAP)}: such a set takes long to generate and to evaluate, and fills the store. Add --force to generate it anyway.`);
      }
      const request = {
        runId,
        patients,
        seed: values.seed === undefined ? undefined : seedArg(values.seed),
        margin: values.margin === undefined ? undefined : numberArg(values.margin, '--margin', { min: 0, max: 1 }),
        backend: values.backend === undefined ? ('auto' as const) : backendName(values.backend),
      };
      const db = openStore(dbPath);
      const progress = countProgressPrinter('generated', 'patients');
      try {
        const result = await generateSyntheticSet(db, { ...request, onProgress: progress.update });
        progress.done();
        if (values.json) out(JSON.stringify(result, null, 2));
        else printGenerated(out, result, dbPath);
        return 0;
      } finally {
        progress.done();
        db.close();
      }
    }
    case 'evaluate': {
      const set = rest[0];
      if (!set) throw new UsageError('evaluate needs a synthetic SET (its dataset name, see synthehr datasets)');
      const outDir = outputFolderArg(resolve(values.out ?? 'reports'), '--out');
      const db = openStore(dbPath);
      try {
        const report = await evaluate(db, set, { sensitive: values.sensitive, stratum: values.stratum });
        const paths = writeReport(report, outDir);
        if (values.json) out(JSON.stringify(report, null, 2));
        else printEvaluation(out, report, paths);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'export': {
      const set = rest[0];
      if (!set) throw new UsageError('export needs a synthetic SET (its dataset name)');
      if (values.format !== 'csv' && values.format !== 'fhir' && values.format !== 'omop') throw new UsageError('export needs --format csv, fhir or omop');
      const outDir = outputFolderArg(resolve(values.out ?? 'exports'), '--out');
      const db = openStore(dbPath);
      try {
        const result = await exportSyntheticSet(db, { set, format: values.format, directory: outDir, overrideReason: values.override });
        if (values.json) out(JSON.stringify(result, null, 2));
        else printExport(out, set, values.format, result, values.override);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'review': {
      const [sub, arg] = rest;
      const db = openStore(dbPath);
      try {
        if (sub === 'create') {
          if (!arg) throw new UsageError('review create needs a synthetic SET');
          const s = createReviewSession(db, {
            set: arg,
            cases: values.cases === undefined ? undefined : integerArg(values.cases, '--cases', { min: 2, max: 1000 }),
            syntheticShare: values['synthetic-share'] === undefined ? undefined : numberArg(values['synthetic-share'], '--synthetic-share', { min: 0, max: 1, exclusive: true }),
            seed: values.seed === undefined ? undefined : seedArg(values.seed),
          });
          out(values.json ? JSON.stringify(s, null, 2) : `Review session ${s.id} (${s.token}): ${s.cases} cases, ${s.real} real holdout and ${s.synthetic} synthetic, shuffled and blinded.\nGive it to a reviewer with: synthehr review export ${s.id} --out FILE --reviewer NAME (the file contains real patient data)`);
          return 0;
        }
        if (sub === 'export') {
          if (!arg || !values.out || !values.reviewer) throw new UsageError('review export needs a SESSION, --out FILE and --reviewer NAME (it goes into the file and the audit log)');
          const r = exportSessionFile(db, arg, outputFileArg(resolve(values.out), '--out'), { reviewer: values.reviewer });
          process.stderr.write(`${REAL_DATA_WARNING}\n`);
          out(`Wrote ${r.cases} cases (${r.real} real, ${r.synthetic} synthetic) for ${values.reviewer} to ${r.path}; audit entry ${r.auditId}. Values rounded, days jittered, no identifiers, no answers.`);
          return 0;
        }
        if (sub === 'import') {
          if (!arg) throw new UsageError('review import needs an answers FILE');
          const r = importAnswersFile(db, resolve(arg));
          out(`Imported ${r.answers} answers of ${r.reviewer} into session ${r.session}.`);
          return 0;
        }
        if (sub === 'results') {
          if (!arg) throw new UsageError('review results needs a SESSION');
          const r = reviewResults(db, arg);
          if (values.json) out(JSON.stringify(r, null, 2));
          else printReview(out, r);
          return 0;
        }
        throw new UsageError('review needs create, export, import or results');
      } finally {
        db.close();
      }
    }
    case 'demo':
      return runDemo(values.db === undefined ? freshDemoStore() : resolve(values.db), out);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function backendName(text: string): BackendName | 'auto' {
  if (text === 'auto' || (BACKENDS as readonly string[]).includes(text)) return text as BackendName | 'auto';
  throw new UsageError(`--backend is one of auto, ${BACKENDS.join(', ')}`);
}

/** Above this many patients, generate asks for --force. */
const PATIENT_CAP = 100_000;

/** Every command but import works on a store that exists: a mistyped --db says so instead of creating an empty store. */
function openStore(dbPath: string): Db {
  return openDatabase(dbPath, { mustExist: true });
}

/**
 * Runs an import into the store at dbPath. A new store is built in a file of
 * its own and linked into place only when the import succeeds, so a failed or
 * killed first import leaves no store behind (and never replaces one that
 * appeared meanwhile: link refuses an existing name).
 */
async function importIntoStore<T>(dbPath: string, work: (db: Db) => Promise<T>): Promise<T> {
  if (existsSync(dbPath)) {
    const db = openDatabase(dbPath);
    try {
      return await work(db);
    } finally {
      db.close();
    }
  }
  const partial = `${dbPath}.partial-${process.pid}`;
  const removePartial = () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
  };
  checkStorePath(dbPath, false); // its folder exists, nothing odd there: said before any work
  let db: Db | undefined = openDatabase(partial);
  try {
    const result = await work(db);
    db.close();
    db = undefined;
    try {
      linkSync(partial, dbPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw new StoreOpenError(dbPath, 'not-a-file', `A store appeared at ${dbPath} while this import ran; it was left as it is and nothing was imported. Run the import again to add the dataset to it.`);
    }
    return result;
  } finally {
    db?.close();
    removePartial();
  }
}

/** The demo's default store: a new folder per run under .synthehr/, so that no earlier run or store is touched. */
function freshDemoStore(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let dir = join(PROJECT_ROOT, '.synthehr', `demo-${stamp}`);
  for (let k = 2; existsSync(dir); k++) dir = join(PROJECT_ROOT, '.synthehr', `demo-${stamp}-${k}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, 'demo.db');
}

async function cohortCommand(dbPath: string, args: string[], values: { definition?: string; json?: boolean }, out: (s: string) => void): Promise<number> {
  const [sub, ref] = args;
  const db = openStore(dbPath);
  try {
    switch (sub) {
      case 'create': {
        if (!values.definition) throw new UsageError('cohort create needs --definition FILE');
        const def = loadDefinition(resolve(values.definition));
        const started = performance.now();
        const report = createCohort(db, def, (stage) => process.stderr.write(`cohort ${def.name}: ${stage} ...\n`));
        if (values.json) out(JSON.stringify(report, null, 2));
        else {
          printCohort(out, report);
          out(`\n${report.unchanged ? 'Nothing changed' : `Stored as ${report.name}@${report.version}`} in ${dbPath} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
        }
        return 0;
      }
      case 'list': {
        const rows = listCohorts(db);
        if (values.json) out(JSON.stringify(rows.map(({ encodingJson, summaryJson, definitionJson, ...r }) => r), null, 2));
        else if (rows.length === 0) out(`No cohorts in ${dbPath}. Create one with: synthehr cohort create --definition FILE --db ${dbPath}`);
        else
          out(table(['id', 'cohort', 'version', 'dataset', 'patients', 'train', 'holdout', 'created'],
            rows.map((c) => [c.id, c.name, c.version, c.datasetName, num(c.patients), num(c.train), num(c.holdout), c.createdAt.slice(0, 19).replace('T', ' ')]),
            [true, false, true, false, true, true, true]));
        return 0;
      }
      case 'show': {
        if (!ref) throw new UsageError('cohort show needs a COHORT name (name@version for an older version)');
        const report = showCohort(db, ref);
        if (values.json) out(JSON.stringify(report, null, 2));
        else printCohort(out, report);
        return 0;
      }
      default:
        throw new UsageError(sub ? `unknown cohort command "${sub}"` : 'cohort needs create, list or show');
    }
  } finally {
    db.close();
  }
}

const PROJECT_ROOT = join(import.meta.dirname, '..');

/** The override reason the demo records when the gate refuses its set. */
const DEMO_OVERRIDE = 'demo run on the bundled demo cohort: shows the pipeline, not for sharing';

/** The whole pipeline on the bundled demo cohort, headless: import, cohort, train, generate, evaluate, export; each stage timed. */
async function runDemo(dbPath: string, out: (s: string) => void): Promise<number> {
  if (existsSync(dbPath)) {
    throw new UsageError(`demo writes only to a new store, and ${dbPath} exists; it was left as it is. Give --db a path that does not exist yet, or leave --db out for a fresh folder under .synthehr/.`);
  }
  mkdirSync(dirname(dbPath), { recursive: true });
  const stage = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await fn();
    out(`[demo] ${name}: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    return result;
  };
  const db = openDatabase(dbPath);
  try {
    const mapping = loadMapping(join(PROJECT_ROOT, 'resources', 'demo', 'demo.mapping.json'));
    const result = await stage('import', () => importDataset(db, mapping));
    const summary = await stage('inspect', () => summarizeDataset(db, result.dataset));
    const cohort = await stage('cohort', () => createCohort(db, loadDefinition(join(PROJECT_ROOT, 'resources', 'demo', 'demo.cohort.json'))));
    out('');
    printSummary(out, summary, 5);
    out('');
    printCohort(out, cohort);
    out('');
    let lastLine = 0;
    const trained = await stage(`train (${DEFAULT_FAMILY}, default configuration)`, () =>
      train(db, { cohort: cohort.name, family: DEFAULT_FAMILY, seed: 1 }, {
        onStart: (info) => out(`[demo] training on ${info.backend.name} (${info.backend.device}), ${info.config.family}, ${info.trainPatients} training patients`),
        onProgress: (p) => {
          if (Date.now() - lastLine < 5000 && p.step < p.totalSteps) return;
          lastLine = Date.now();
          out(`[demo]   step ${p.step}/${p.totalSteps}, loss ${p.losses.total!.toFixed(3)}, ${p.msPerStep.toFixed(0)} ms/step`);
        },
      }),
    );
    const generated = await stage('generate', () => generateSyntheticSet(db, { runId: trained.runId, patients: cohort.outcome.patients }));
    const report = await stage('evaluate', () => evaluate(db, generated.dataset));
    const reportDir = join(dirname(dbPath), 'reports');
    const paths = writeReport(report, reportDir);
    // Through the privacy gate, with its data card and audit entry, like any export. The demo
    // shows a refusal and then the override path (recorded with its reason), so that it ends.
    const exportOptions = { set: generated.dataset, format: 'csv' as const, directory: join(dirname(dbPath), 'export'), report };
    const exported = await stage('export csv', async () => {
      try {
        return await exportSyntheticSet(db, exportOptions);
      } catch (err) {
        if (!(err instanceof ExportRefusedError)) throw err;
        out(`[demo] the privacy gate refused the demo set (${err.gate.verdict.line}); exporting it under a recorded override, as a steward could`);
        return exportSyntheticSet(db, { ...exportOptions, overrideReason: DEMO_OVERRIDE });
      }
    });
    out('');
    printEvaluation(out, report, paths);
    const h = report.headline;
    out(
      `\n[demo] headline: discriminative score ${h.discriminativeScore.toFixed(3)}; next-visit error TSTR ${h.predictive.tstr.toFixed(3)} / TRTR ${h.predictive.trtr.toFixed(3)}; ` +
        `C-index TSTR ${h.cIndex.tstr.toFixed(3)} / TRTR ${h.cIndex.trtr.toFixed(3)}; membership-inference AUC ${h.membershipInferenceAuc.toFixed(3)}; DCR share ${h.dcrShare.toFixed(3)}`,
    );
    out(`\n[demo] verdict: ${exported.gate.verdict.line}`);
    out(`[demo] store: ${dbPath}`);
    out(`[demo] report: ${paths.html}`);
    out(`[demo]         ${paths.json}`);
    out(`[demo] export: ${exported.directory} (${exported.files.map((f) => `${f.name} ${f.rows} rows`).join(', ')})`);
    out(`[demo] data card: ${exported.dataCard.markdown}`);
    out(`[demo] explore: npx synthehr inspect ${generated.dataset} --db ${dbPath}`);
    return 0;
  } finally {
    db.close();
  }
}

function printExport(out: (s: string) => void, set: string, format: string, result: ExportResult, override: string | undefined): void {
  out(result.gate.verdict.line);
  out(`Exported "${set}" as ${format} to ${result.directory}`);
  out(table(['file', 'rows'], result.files.map((f) => [f.name, num(f.rows)]), [false, true]));
  if (result.gate.passed) out(`Privacy gate: passed${override?.trim() ? ' (--override was not needed and was not recorded)' : ''}`);
  else out(`The privacy gate refused this set; exported under override: "${result.overrideReason}". Refused for: ${result.gate.verdict.reasons.join('; ')}`);
  out(`Data card: ${result.dataCard.markdown}\nAudit log entry ${result.auditId}`);
}

function printReview(out: (s: string) => void, r: ReviewResults): void {
  out(`Review session ${r.session.id}: ${r.session.cases} cases (${r.session.real} real, ${r.session.synthetic} synthetic)`);
  const p = (x: number) => (Number.isFinite(x) ? pct(x) : '-');
  out(
    table(
      ['reviewer', 'answered', 'accuracy', 'sensitivity', 'specificity', 'binomial p'],
      [...r.reviewers, r.pooled].map((x) => [x.reviewer, x.answered, p(x.accuracy), p(x.sensitivity), p(x.specificity), x.pValue.toPrecision(3)]),
      [false, true, true, true, true, true],
    ),
  );
  out(`Fleiss' kappa between reviewers: ${r.fleissKappa === null ? '- (fewer than two reviewers)' : r.fleissKappa.toFixed(3)}`);
  out(`Most flagged: ${r.flaggedFeatures.slice(0, 8).map((f) => `${f.feature} (${f.count})`).join(', ') || 'none'}`);
}

function printSummary(out: (s: string) => void, s: DatasetSummary, warningLimit: number): void {
  const d = s.dataset;
  const calendar = d.timeBasis === 'calendar';
  out(`Dataset "${d.name}" (id ${d.id}): ${d.timeBasis} time, imported ${d.createdAt}`);
  if (d.description) out(d.description);
  out(`patients ${num(d.patients)}, visits ${num(s.visits)}, measurements ${num(d.measurements)}, events ${num(d.events)}, outcomes ${num(s.outcomes)}\n`);

  out('Variables');
  const value = (v: number, kind: string) => (kind === 'date' && calendar ? daysToIso(Math.round(v)) : num(v));
  out(
    table(
      ['variable', 'role', 'kind', 'unit', 'observed', 'missing', 'min', 'median', 'max / categories'],
      s.variables.map((v) => {
        const q = v.numeric;
        const k = v.variable.kind;
        const cats = v.categories?.slice(0, 6).map((c) => `${c.level}: ${num(c.count)}`).join(', ');
        const more = v.categories && v.categories.length > 6 ? `, +${v.categories.length - 6} more` : '';
        return [
          v.variable.name,
          v.variable.role,
          k,
          v.variable.unit ?? '',
          num(v.observed),
          pct(v.missingShare),
          q ? value(q.min, k) : '',
          q ? value(q.median, k) : '',
          q ? value(q.max, k) : `${cats ?? ''}${more}`,
        ];
      }),
      [false, false, false, false, true, true, true, true, false],
    ),
  );
  const vp = s.visitsPerPatient;
  out(`\nVisits per patient: ${vp ? `min ${num(vp.min)}, median ${num(vp.median)}, mean ${num(vp.mean)}, max ${num(vp.max)}` : 'none'}`);
  const fu = s.followUpDays;
  out(
    `Follow-up from index (days): ${fu ? `n ${num(fu.n)}, min ${num(fu.min)}, quartiles ${num(fu.p25)} / ${num(fu.median)} / ${num(fu.p75)}, max ${num(fu.max)} (median ${(fu.median / 365.25).toFixed(1)} years)` : 'no follow-up recorded'}`,
  );
  const outcome = s.outcomeEvents.map((e) => `${e.type}: ${num(e.count)}`).join(', ');
  out(`Outcome: ${num(s.outcomes)} patients with follow-up; events ${outcome || 'none'}; censoring rate ${pct(s.censoringRate)}`);
  if (s.events.length) {
    out('\nEvents');
    out(table(['type', 'events', 'patients'], s.events.map((e) => [e.type, num(e.count), num(e.patients)]), [false, true, true]));
  }
  for (const imp of s.imports) {
    out(`\nImport ${imp.id}: ${imp.startedAt} .. ${imp.finishedAt}, ${num(imp.rowsRead)} rows`);
    out(table(['file', 'rows', 'size', 'sha256'], imp.files.map((f) => [f.fileName, num(f.rowsRead), bytes(f.sizeBytes), f.sha256.slice(0, 16)]), [false, true, true]));
    printWarnings(out, imp.warningCount, imp.warningsByRule, imp.warnings, warningLimit);
  }
}

function printWarnings(
  out: (s: string) => void,
  total: number,
  byRule: { rule: string; count: number }[],
  list: { message: string; file?: string; fileName?: string; line?: number | null; column?: string | null }[],
  limit: number,
): void {
  if (total === 0) {
    out('Warnings: none');
    return;
  }
  out(`Warnings: ${num(total)} (${byRule.map((r) => `${r.rule} ${num(r.count)}`).join(', ')})`);
  for (const w of list.slice(0, limit)) {
    const where = [w.file ?? w.fileName, w.line ? `line ${w.line}` : undefined, w.column ? `column "${w.column}"` : undefined].filter(Boolean).join(', ');
    out(`  ${where}: ${w.message}`);
  }
  if (total > limit) out(`  ... ${num(total - Math.min(limit, list.length))} more (synthehr inspect DATASET --warnings N)`);
}

/** Known failures print their message alone; anything else is a bug and keeps its stack. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await runCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`synthehr: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS_')) {
      process.stderr.write(`synthehr: ${(err as Error).message}\nRun synthehr --help for the usage.\n`);
      return 2;
    }
    if (err instanceof StoreOpenError && err.reason === 'missing') {
      process.stderr.write(`synthehr: ${err.message}\nOnly "synthehr import" creates a store: import a dataset first (synthehr import --mapping FILE --db ${err.path}), or check --db and $SYNTHEHR_DB.\n`);
      return 1;
    }
    if (code === 'SQLITE_BUSY') {
      process.stderr.write('synthehr: the store is busy: another SynthEHR process (an import, a training run or the app) kept writing to it for over a minute. Nothing was changed; run the command again when that process has finished.\n');
      return 1;
    }
    if (err instanceof UserError) {
      process.stderr.write(`synthehr: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
