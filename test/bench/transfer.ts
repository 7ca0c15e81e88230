// npm run bench:quality -- --transfer [--seed 1] [--sizes 25,50,100,200]: does starting a small
// cohort's model from one trained on a larger related cohort beat training it from scratch (issue 17)?
// ICU nutrition split by a real attribute: the source is the admissions of 2007-2009, the target those
// of 2011. A VAE is trained on the source; then, for each target size, the 2011 cohort is split so
// that about that many patients train and the rest are held out, and a VAE of the same size is
// trained on them from scratch and from the source's weights, for the same steps (the default for
// the size), each generating as many patients as it trained on and evaluated against the held-out
// ones. Prints a markdown table and writes the figures to .bench/quality/transfer.json; asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCohort, showCohort } from '../../main/cohort/cohortService.js';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { openDatabase } from '../../main/store/database.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';
import type { CohortDefinitionInput } from '../../main/cohort/definition.js';

export async function transferBench(seed: string, sizes: number[], tuned: object = {}): Promise<void> {
  const started = performance.now();
  const root = join(import.meta.dirname, '..', '..');
  const dir = join(root, '.bench', 'quality');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'transfer.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  const tsx = import.meta.resolve('tsx');
  const child = (cohort: string, what: string, config: object = {}): Record<string, any> =>
    JSON.parse(execFileSync(process.execPath, ['--import', tsx, join(import.meta.dirname, 'qualityChild.ts'), db, cohort, what, seed, JSON.stringify(config)], { encoding: 'utf8', maxBuffer: 1 << 24 }));

  const base = JSON.parse(readFileSync(join(root, 'resources', 'cohorts', 'icu-death.cohort.json'), 'utf8')) as CohortDefinitionInput;
  const years = (label: string, rule: { in?: number[]; max?: number }) => ({ type: 'static' as const, variable: 'admission_year', ...rule, label });
  const store = openDatabase(db);
  let targetPatients: number;
  try {
    await importDataset(store, loadMapping(join(root, 'resources', 'mappings', 'icu.mapping.json')));
    createCohort(store, { ...base, name: 'icu_source', criteria: [...(base.criteria ?? []), years('admitted 2007-2009', { max: 2009 })] });
    const whole = showCohort(store, createCohort(store, { ...base, name: 'icu_2011', criteria: [...(base.criteria ?? []), years('admitted 2011', { in: [2011] })] }).name);
    targetPatients = whole.split.train + whole.split.holdout;
    for (const n of sizes) {
      const holdout = Math.min(0.98, Math.max(0, 1 - n / targetPatients));
      createCohort(store, { ...base, name: `icu_2011_n${n}`, criteria: [...(base.criteria ?? []), years('admitted 2011', { in: [2011] })], split: { holdout, seed: 7 } });
    }
  } finally {
    store.close();
  }
  console.error(`[bench:quality --transfer] source: a VAE on the 2007-2009 admissions ...`);
  const source = child('icu_source', 'vae');
  const reader = openDatabase(db);
  const sourceRun = new TrainingRepository(reader).runs().at(-1)!;
  const hidden = (JSON.parse(sourceRun.configJson) as { hidden: number }).hidden;
  reader.close();
  const rows: Record<string, any>[] = [];
  for (const n of sizes) {
    const cohort = `icu_2011_n${n}`;
    console.error(`[bench:quality --transfer] ${cohort}: baseline, from scratch, from run ${sourceRun.id} ...`);
    rows.push({ n, baseline: child(cohort, 'baseline'), scratch: child(cohort, 'vae', { hidden }), tuned: child(cohort, 'vae', { ...tuned, from: sourceRun.id }) });
  }
  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  const pair = (a: number, b: number) => `${f3(a)} → ${f3(b)}`;
  const table = [
    `ICU nutrition, death within 30 days: source the 2007-2009 admissions (${source.train} training patients, VAE hidden ${hidden}, ${source.steps} steps), target the 2011 admissions (${targetPatients} patients); each cell from scratch → from the source's weights, the same network and steps${Object.keys(tuned).length ? `; fine-tuned with ${JSON.stringify(tuned)}` : ''}; seed ${seed}`,
    '',
    '| target train (holdout) | steps | forest acc. | GRU acc. | KS follow-up | KM gap (real vs real) | C-index TSTR (TRTR) | MIA AUC |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.baseline.train} (${r.baseline.holdout}) | ${r.scratch.steps} | ${pair(r.scratch.forest.accuracy, r.tuned.forest.accuracy)} | ${pair(r.scratch.gruAccuracy, r.tuned.gruAccuracy)} | ${pair(r.scratch.followUpKs, r.tuned.followUpKs)} | ${pair(r.scratch.kmGap, r.tuned.kmGap)} (${f3(r.baseline.kmGap)}) | ${pair(r.scratch.cIndex.tstr, r.tuned.cIndex.tstr)} (${f3(r.scratch.cIndex.trtr)}) | ${pair(r.scratch.mia, r.tuned.mia)} |`,
    ),
  ].join('\n');
  console.log(`\n${table}\n`);
  writeFileSync(join(dir, 'transfer.json'), JSON.stringify({ source, sourceRun: sourceRun.id, targetPatients, rows }, null, 2));
  writeFileSync(join(dir, 'transfer.md'), table + '\n');
  console.log(`[bench:quality --transfer] ${((performance.now() - started) / 60000).toFixed(1)} min in all; figures in ${join(dir, 'transfer.json')}`);
}
