// One stage of `npm run bench:scale` in its own process, made as the CLI makes it (main/cli.ts):
//   train DB COHORT FAMILY SEED CONFIG_JSON    the default model of a family (with overrides) to its end
//   generate DB RUN PATIENTS                   a synthetic set from the run's newest checkpoint
//   evaluate DB SET OUT_DIR                    every metric of the report, written as JSON and HTML
//   export DB SET FORMAT OUT_DIR REASON        through the privacy gate, overridden with REASON if it refuses
// Progress goes to stderr (training: a line at most every 10 s); the figures, with the
// process's peak memory (maxRSS, KiB), as JSON on stdout. Asserts nothing.
import { statSync } from 'node:fs';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { writeReport } from '../../main/evaluation/report.js';
import { exportSyntheticSet, type ExportFormat } from '../../main/export/exportSet.js';
import { openDatabase } from '../../main/store/database.js';
import type { Family } from '../../main/training/config.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';

const [stage, dbPath, ...args] = process.argv.slice(2) as [string, string, ...string[]];
const PROGRESS_EVERY_MS = 10_000;
const log = (s: string) => process.stderr.write(`  ${s}\n`);
const seconds = (since: number) => (performance.now() - since) / 1000;
const minutes = (s: number) => (s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

const db = openDatabase(dbPath, { mustExist: true });
let result: Record<string, unknown>;
try {
  result = await run();
} finally {
  db.close();
}
process.stdout.write(JSON.stringify({ ...result, maxRssKiB: process.resourceUsage().maxRSS }));

async function run(): Promise<Record<string, unknown>> {
  const started = performance.now();
  switch (stage) {
    case 'train': {
      const [cohort, family, seed, config] = args as [string, Family, string, string];
      log(`${family}: starting ...`);
      // Until the first step is done: loading, encoding and building the model (reported as the 'loading' phase), then a warm-up step.
      let loadSeconds = 0;
      let lastLine = 0;
      let msPerStep = 0;
      const r = await train(db, { cohort, family, seed: Number(seed), config: JSON.parse(config) }, {
        onStart: (info) => {
          log(`${family}: run ${info.runId} on ${info.backend.name} (${info.backend.device}), ${info.trainPatients.toLocaleString('en-US')} training patients, started in ${seconds(started).toFixed(1)} s; ` +
            `hidden ${info.config.hidden}, batch ${info.config.batchSize}`);
          lastLine = performance.now();
        },
        onProgress: (p) => {
          if (p.phase === 'loading') return log(`${family}: ${p.activity} (${minutes(seconds(started))} so far)`);
          if (!loadSeconds) loadSeconds = seconds(started);
          msPerStep = p.msPerStep ?? msPerStep;
          if (performance.now() - lastLine < PROGRESS_EVERY_MS && p.step < p.totalSteps) return;
          lastLine = performance.now();
          const losses = Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
          const speed = p.msPerStep === null ? 'timing steps' : `${p.msPerStep.toFixed(0)} ms/step`;
          log(`${family}${p.phase === family ? '' : ` ${p.phase}`}: step ${p.step.toLocaleString('en-US')}/${p.totalSteps.toLocaleString('en-US')}, ${losses}; ${speed}, ETA ${p.etaSeconds === null ? 'estimating' : `${p.stopping ? 'at most ' : ''}${minutes(p.etaSeconds)}`}${p.stopping?.bestLoss == null ? '' : `, validation best ${p.stopping.bestLoss.toFixed(3)} at step ${p.stopping.bestStep}, ${p.stopping.since}/${p.stopping.patience} checks without improvement`}, ${minutes(seconds(started))} so far`);
        },
      });
      return { runId: r.runId, status: r.status, steps: r.steps, stoppedBy: r.stoppedBy, bestStep: r.bestStep, seconds: seconds(started), loopSeconds: r.seconds, loadSeconds, msPerStep, backend: r.backend.name, device: r.backend.device };
    }
    case 'generate': {
      const [runId, patients] = args.map(Number) as [number, number];
      let lastLine = performance.now();
      const r = await generateSyntheticSet(db, {
        runId,
        patients,
        onProgress: (done, total) => {
          if (performance.now() - lastLine < PROGRESS_EVERY_MS && done < total) return;
          lastLine = performance.now();
          log(`run ${runId}: generated ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} patients`);
        },
      });
      return { dataset: r.dataset, patients: r.patients, measurements: r.measurements, events: r.events, seconds: seconds(started) };
    }
    case 'evaluate': {
      const [set, outDir] = args as [string, string];
      const report = await evaluate(db, set, {});
      const evaluateSeconds = seconds(started);
      const paths = writeReport(report, outDir);
      return {
        seconds: seconds(started),
        evaluateSeconds,
        metrics: report.metrics.length,
        json: { path: paths.json, bytes: statSync(paths.json).size },
        html: { path: paths.html, bytes: statSync(paths.html).size },
      };
    }
    case 'export': {
      const [set, format, outDir, reason] = args as [string, ExportFormat, string, string];
      // The export's privacy gate reuses the set's stored evaluation (else evaluates it), then writes: the first progress line marks the change.
      let gateSeconds = 0;
      const r = await exportSyntheticSet(db, {
        set,
        format,
        directory: outDir,
        overrideReason: reason,
        progress: () => {
          gateSeconds ||= seconds(started);
        },
      });
      return { seconds: seconds(started), gateSeconds, writeSeconds: seconds(started) - gateSeconds, passed: r.gate.passed, evaluationReused: r.evaluation.reused, files: r.files.map((f) => ({ name: f.name, rows: f.rows, bytes: statSync(f.path).size })) };
    }
    default:
      throw new Error(`unknown stage "${stage}"`);
  }
}
