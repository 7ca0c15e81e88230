// Times the real models (default configuration) on the ICU cohort, per phase, in its own process.
import { createCohort } from '../../main/cohort/cohortService.js';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { Rng } from '../../main/common/rng.js';
import { openDatabase } from '../../main/store/database.js';
import { selectBackend, type BackendName } from '../../main/training/backend.js';
import { sampleBatch } from '../../main/models/minibatch.js';
import { defaultConfig } from '../../main/training/config.js';
import { buildModel, loadTrainingData } from '../../main/training/engine.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dbPath, backend] = process.argv.slice(2) as [string, BackendName];
const root = join(import.meta.dirname, '..', '..');
await selectBackend(backend);
const db = openDatabase(dbPath);
if (!db.prepare("SELECT 1 FROM datasets WHERE name = 'icu'").get()) {
  await importDataset(db, loadMapping(join(root, 'resources/mappings/icu.mapping.json')));
  createCohort(db, JSON.parse(readFileSync(join(root, 'resources/cohorts/icu-death.cohort.json'), 'utf8')));
}
const { cohort, data } = loadTrainingData(db, 'icu_death30');
const out: Record<string, unknown> = { patients: data.n, steps: data.steps, channels: data.stepWidth };
for (const family of ['vae', 'timegan'] as const) {
  const config = defaultConfig(family, data.n);
  const model = buildModel(config, cohort.encoding, 1, data);
  const rng = new Rng(2);
  const phases: Record<string, number> = {};
  for (const phase of model.phases) {
    model.trainStep(phase.name, sampleBatch(data, config.batchSize, rng));
    const n = 6;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) model.trainStep(phase.name, sampleBatch(data, config.batchSize, rng));
    phases[phase.name] = (performance.now() - t0) / n;
  }
  const total = model.phases.reduce((s, p) => s + p.steps * phases[p.name]!, 0) / 1000;
  out[family] = { hidden: config.hidden, batch: config.batchSize, stepsTotal: model.phases.reduce((s, p) => s + p.steps, 0), msPerStep: phases, estimatedSeconds: total };
  model.dispose();
}
db.close();
process.stdout.write(JSON.stringify(out));
