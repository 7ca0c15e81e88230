// npm run bench: import throughput against sqlite3's own CSV import; cohort building and
// sequence encoding at 17,000 patients; the reference training step on every backend
// against PyTorch; the real models on the ICU cohort. Prints numbers; asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_KERNELS_ENV } from '../../main/models/nativeKernels.js';
import { writeLabFiles } from '../support/syntheticLabs.js';
import { ensureSqlite3, pytorchStep, removeStore, referenceStepOn, sqlite3Version, timeSqlite3Import, type ReferenceTiming } from './common.js';

const ROWS = 400_000;
const dir = join(import.meta.dirname, '..', '..', '.bench');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

ensureSqlite3();

console.log(`Generating a ${ROWS.toLocaleString('en-US')}-row long-format lab file from the Steno-2 lab distributions ...`);
const files = await writeLabFiles(dir, ROWS);
const mb = statSync(files.labsPath).size / 2 ** 20;
console.log(`  ${files.labsPath}: ${mb.toFixed(1)} MiB, ${files.patients.toLocaleString('en-US')} patients`);

const timeSqlite3 = () => timeSqlite3Import(join(dir, 'sqlite3-baseline.db'), [{ path: files.labsPath, table: 'labs' }]);

function timeSynthehr(): { seconds: number; rows: number; measurements: number; maxRssKiB: number } {
  const db = join(dir, 'synthehr-bench.db');
  removeStore(db);
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'importChild.ts'), db, files.mappingPath], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const RUNS = 3;
const sqliteTimes: number[] = [];
const ours: ReturnType<typeof timeSynthehr>[] = [];
for (let i = 0; i < RUNS; i++) {
  sqliteTimes.push(timeSqlite3());
  ours.push(timeSynthehr());
}
const best = (xs: number[]) => Math.min(...xs);
const labRows = files.rows;
const sqliteRate = labRows / best(sqliteTimes);
const ourSeconds = best(ours.map((o) => o.seconds));
// Our import also reads the patient file; count every row it read.
const ourRate = ours[0]!.rows / ourSeconds;
const peakMiB = Math.max(...ours.map((o) => o.maxRssKiB)) / 1024;

const sqliteVersion = sqlite3Version();
console.log(`\nImport of ${labRows.toLocaleString('en-US')} lab rows (+${files.patients.toLocaleString('en-US')} patient rows), best of ${RUNS}:`);
console.log(`  sqlite3 ${sqliteVersion} .import into a bare table: ${best(sqliteTimes).toFixed(2)} s, ${Math.round(sqliteRate).toLocaleString('en-US')} rows/s`);
console.log(
  `  synthehr import (typed, validated, indexed):   ${ourSeconds.toFixed(2)} s, ${Math.round(ourRate).toLocaleString('en-US')} rows/s, ` +
    `${ours[0]!.measurements.toLocaleString('en-US')} measurements stored`,
);
console.log(`  ratio synthehr / sqlite3: ${(ourRate / sqliteRate).toFixed(2)}x (goal: at least 0.5x)`);
console.log(`  peak memory of the import process: ${peakMiB.toFixed(0)} MiB (file: ${mb.toFixed(1)} MiB)`);

// Cohorts and encoding at 17,000 patients with 400,000 measurements.
const COHORT_PATIENTS = 17_000;
const cohortDir = join(dir, 'cohort');
mkdirSync(cohortDir, { recursive: true });
console.log(`\nGenerating ${COHORT_PATIENTS.toLocaleString('en-US')} patients with ${ROWS.toLocaleString('en-US')} lab values (about a third die) ...`);
const cohortFiles = await writeLabFiles(cohortDir, ROWS, 11, { patients: COHORT_PATIENTS });
const cohortDb = join(cohortDir, 'cohort-bench.db');
const imported = JSON.parse(
  execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'importChild.ts'), cohortDb, cohortFiles.mappingPath], { encoding: 'utf8' }),
);
console.log(`  imported ${imported.measurements.toLocaleString('en-US')} measurements in ${imported.seconds.toFixed(2)} s`);
for (const mode of ['irregular', 'grid'] as const) {
  const r = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cohortChild.ts'), cohortDb, mode], { encoding: 'utf8' }));
  console.log(
    `  ${mode === 'grid' ? 'grid (90-day bins, carry-forward)' : 'irregular'}: ${r.patients.toLocaleString('en-US')} patients, ${r.steps.toLocaleString('en-US')} steps ` +
      `(max length ${r.maxLength}, ${r.stepWidth} channels); cohort create (select, fit, summarise) ${r.createSeconds.toFixed(2)} s, ` +
      `encode all in batches of 1,024 ${r.encodeSeconds.toFixed(2)} s (${Math.round(r.patients / r.encodeSeconds).toLocaleString('en-US')} patients/s); ` +
      `peak memory ${(r.maxRssKiB / 1024).toFixed(0)} MiB`,
  );
}

// Training speed: the reference step on every backend that starts, and in PyTorch.
console.log('\nReference training step (GRU autoencoder 8 -> 64 over 48 steps, batch 128, Adam, + a GRU discriminator update; ~3 GFLOP):');
const tsx = import.meta.resolve('tsx');
const results: ReferenceTiming[] = [];
// "wasm alone": the same backend without the native kernels (main/models/nativeKernels.ts), to show what they give.
for (const [label, backend, env] of [
  ['tensorflow-gpu'],
  ['webgpu'],
  ['tensorflow'],
  ['wasm'],
  ['wasm alone', 'wasm', { [NATIVE_KERNELS_ENV]: 'off' }],
  ['cpu'],
] as [string, string?, NodeJS.ProcessEnv?][]) {
  const r = referenceStepOn(backend ?? label, label === 'cpu' ? 1 : 15, env);
  if (typeof r === 'string') {
    console.log(`  ${label}: ${r}`);
    continue;
  }
  results.push({ ...r, backend: label });
  console.log(`  ${label}: ${r.median.toFixed(0)} ms/step (median; best ${r.best.toFixed(0)}) on ${r.device}`);
}

const torch = pytorchStep();
if (typeof torch === 'string') console.log(`  PyTorch: ${torch}`);
else {
  console.log(`  PyTorch ${torch.torch} (OpenBLAS, ${torch.threads} threads): ${torch.ms.toFixed(0)} ms/step (median; best ${torch.best.toFixed(0)})`);
  for (const r of results) {
    console.log(`  ratio ${r.backend} / PyTorch: ${(r.median / torch.ms).toFixed(2)}x median to median, ${(r.best / torch.best).toFixed(2)}x best to best (goal: within 2x)`);
  }
}

// The real models on the ICU cohort, default configuration, on the fastest backend.
const modelDb = join(dir, 'models.db');
removeStore(modelDb);
const fastest = results[0]?.backend ?? 'cpu';
const models = JSON.parse(execFileSync(process.execPath, ['--import', tsx, join(import.meta.dirname, 'modelChild.ts'), modelDb, fastest], { encoding: 'utf8' }));
console.log(`\nReal models on the ICU cohort (${models.patients} training patients, ${models.steps} steps x ${models.channels} channels), default configuration, ${fastest}:`);
for (const family of ['vae', 'timegan']) {
  const m = models[family];
  const phases = Object.entries(m.msPerStep as Record<string, number>).map(([k, v]) => `${k} ${v.toFixed(0)} ms/step`).join(', ');
  console.log(`  ${family} (hidden ${m.hidden}, batch ${m.batch}, ${m.stepsTotal} steps): ${phases}; full training about ${(m.estimatedSeconds / 60).toFixed(1)} min`);
}
