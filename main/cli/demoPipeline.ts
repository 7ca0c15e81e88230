import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createCohort } from '../cohort/cohortService.js';
import { loadDefinition } from '../cohort/definition.js';
import { evaluate } from '../evaluation/evaluate.js';
import { writeReport } from '../evaluation/report.js';
import { ExportRefusedError, exportSyntheticSet } from '../export/exportSet.js';
import { summarizeDataset } from '../ingest/datasetSummary.js';
import { importDataset } from '../ingest/importer.js';
import { loadMapping } from '../ingest/mapping.js';
import { openDatabase } from '../store/database.js';
import { DEFAULT_FAMILY } from '../training/config.js';
import { train } from '../training/engine.js';
import { generateSyntheticSet } from '../training/generate.js';
import { UsageError } from './args.js';
import type { Out } from './output.js';
import { printCohort } from './print/cohort.js';
import { printSummary } from './print/dataset.js';
import { printEvaluation } from './print/evaluation.js';

// What synthehr demo runs (main/cli/commands/demo.ts loads it when it runs: it needs TensorFlow.js).

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** The override reason the demo records when the gate refuses its set. */
const DEMO_OVERRIDE = 'demo run on the bundled demo cohort: shows the pipeline, not for sharing';

/** The whole pipeline on the bundled demo cohort, headless: import, cohort, train, generate, evaluate, export; each stage timed. */
export async function runDemo(dbPath: string, out: Out): Promise<number> {
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
          if (p.phase === 'loading') return out(`[demo]   ${p.activity ?? 'loading'} ...`);
          if (Date.now() - lastLine < 5000 && p.step < p.totalSteps) return;
          lastLine = Date.now();
          out(`[demo]   step ${p.step}/${p.totalSteps}, loss ${p.losses.total!.toFixed(3)}${p.msPerStep === null ? '' : `, ${p.msPerStep.toFixed(0)} ms/step`}`);
        },
      }),
    );
    const generated = await stage('generate', () => generateSyntheticSet(db, { runId: trained.runId, patients: cohort.outcome.patients }));
    const report = await stage('evaluate', () => evaluate(db, generated.dataset));
    const reportDir = join(dirname(dbPath), 'reports');
    const paths = writeReport(report, reportDir);
    // Through the privacy gate, with its data card and audit entry, like any export. The demo
    // shows a refusal and then the override path (recorded with its reason), so that it ends.
    // The gate reuses the evaluation just made (stored by evaluate).
    const exportOptions = { set: generated.dataset, format: 'csv' as const, directory: join(dirname(dbPath), 'export') };
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
