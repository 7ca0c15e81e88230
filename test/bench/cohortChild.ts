// Builds a cohort and encodes every patient in batches, in its own process; reports
// times and peak memory as JSON on stdout. The cohort: either over npm run bench's
// dataset in a mode (irregular, grid), or a cohort definition file (*.cohort.json).
import { createCohort } from '../../main/cohort/cohortService.js';
import { loadDefinition } from '../../main/cohort/definition.js';
import { encodeBatch } from '../../main/sequence/encode.js';
import { iterateTimelines, type PatientTimeline } from '../../main/sequence/timeline.js';
import { openDatabase } from '../../main/store/database.js';

const [dbPath, modeOrDefinition] = process.argv.slice(2) as [string, string];
const definition = modeOrDefinition.endsWith('.json')
  ? loadDefinition(modeOrDefinition)
  : {
      name: `bench_${modeOrDefinition}`,
      dataset: 'bench_labs',
      outcome: { events: ['death'] },
      timesteps: modeOrDefinition === 'grid' ? { mode: 'grid', binDays: 90, carryForward: true } : { mode: 'irregular' },
    };
const db = openDatabase(dbPath);
const started = performance.now();
const report = createCohort(db, definition);
const createSeconds = (performance.now() - started) / 1000;

// Encode the whole cohort a batch at a time, as training will read it.
const encodeStarted = performance.now();
const BATCH = 1024;
let patients = 0;
let steps = 0;
let floats = 0;
let pending: PatientTimeline[] = [];
const flush = () => {
  const batch = encodeBatch(pending, report.encoding);
  patients += batch.patientIds.length;
  steps += batch.lengths.reduce((a, b) => a + b, 0);
  floats += batch.sequences.length + batch.statics.length + batch.outcomes.length;
  pending = [];
};
for (const tl of iterateTimelines(db, { cohortId: report.id, fromDays: report.definition.window.fromDays, batchSize: BATCH })) {
  pending.push(tl);
  if (pending.length === BATCH) flush();
}
if (pending.length) flush();
const encodeSeconds = (performance.now() - encodeStarted) / 1000;
const measurements = db.prepare('SELECT count(*) FROM measurements').pluck().get() as number;
db.close();
process.stdout.write(
  JSON.stringify({
    mode: report.definition.timesteps.mode,
    name: report.name,
    train: report.split.train,
    holdout: report.split.holdout,
    patients,
    measurements,
    steps,
    maxLength: report.encoding.maxLength,
    stepWidth: report.encoding.stepWidth,
    floatsPerPatient: floats / patients,
    createSeconds,
    encodeSeconds,
    censoringRate: report.outcome.censoringRate,
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
);
