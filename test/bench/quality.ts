// npm run bench:quality: how real the synthetic patients are, per shared cohort (Steno-2
// death, ICU 30-day death). Each cohort is imported into a fresh store; the baseline is
// two real samples (holdout against train); each model family trains with its default
// configuration (seeded), generates as many patients as the training split and is
// evaluated. Prints one markdown table per cohort, each figure beside its real-vs-real
// baseline and the target of issue 12, and writes the figures to .bench/quality/.
// Asserts nothing; every cell runs in its own process.
//
//   npm run bench:quality [-- --cohort steno2,icu] [--family vae,timegan] [--seed 1] [--config JSON] [--epsilon 1,3,10]
//   npm run bench:quality -- --transfer [--seed 1] [--sizes 25,50,100,200]   (see transfer.ts)
// (--config: overrides of the default configuration for every family, e.g. '{"steps":2000}';
// --epsilon: each family trained with differential privacy at each epsilon, a column each beside the families.)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCohort } from '../../main/cohort/cohortService.js';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { openDatabase } from '../../main/store/database.js';

const COHORTS = {
  steno2: { title: 'Steno-2, all-cause death', mapping: 'steno2.mapping.json', cohort: 'steno2-death.cohort.json' },
  icu: { title: 'ICU nutrition, death within 30 days', mapping: 'icu.mapping.json', cohort: 'icu-death.cohort.json' },
} as const;
type CohortKey = keyof typeof COHORTS;
const FAMILIES = ['vae', 'timegan'] as const;

const { values: args } = parseArgs({
  options: {
    cohort: { type: 'string', default: 'steno2,icu' },
    family: { type: 'string', default: FAMILIES.join(',') },
    seed: { type: 'string', default: '1' },
    config: { type: 'string', default: '{}' },
    epsilon: { type: 'string', default: '' },
    transfer: { type: 'boolean', default: false },
    sizes: { type: 'string', default: '25,50,100,200' },
  },
});
if (args.transfer) {
  // The transfer table instead (transfer.ts): fine-tuned from a larger related cohort against from scratch.
  const { transferBench } = await import('./transfer.js');
  await transferBench(args.seed, args.sizes.split(',').map(Number), JSON.parse(args.config));
  process.exit(0);
}
const epsilons = args.epsilon ? args.epsilon.split(',').map(Number) : [];
for (const e of epsilons) if (!(e > 0)) throw new Error(`--epsilon takes epsilons above 0, comma-separated, not "${args.epsilon}".`);
const cohorts = args.cohort.split(',') as CohortKey[];
const families = args.family.split(',') as (typeof FAMILIES)[number][];
for (const c of cohorts) if (!(c in COHORTS)) throw new Error(`Unknown cohort "${c}": choose from ${Object.keys(COHORTS).join(', ')}.`);
for (const f of families) if (!FAMILIES.includes(f)) throw new Error(`Unknown family "${f}": choose from ${FAMILIES.join(', ')}.`);

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, '.bench', 'quality');
mkdirSync(dir, { recursive: true });
const tsx = import.meta.resolve('tsx');

/** A fresh store with the cohort imported and built (import and cohort are not what is measured). */
async function prepare(key: CohortKey): Promise<{ db: string; name: string }> {
  const spec = COHORTS[key];
  const db = join(dir, `${key}.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  const store = openDatabase(db);
  try {
    await importDataset(store, loadMapping(join(root, 'resources', 'mappings', spec.mapping)));
    const cohort = createCohort(store, JSON.parse(readFileSync(join(root, 'resources', 'cohorts', spec.cohort), 'utf8')));
    return { db, name: cohort.name };
  } finally {
    store.close();
  }
}

function child(db: string, cohort: string, what: string, config = args.config): Record<string, any> {
  return JSON.parse(execFileSync(process.execPath, ['--import', tsx, join(import.meta.dirname, 'qualityChild.ts'), db, cohort, what, args.seed, config], { encoding: 'utf8', maxBuffer: 1 << 24 }));
}

/** A column's name: the family, with its epsilon where it trained privately. */
const label = (r: Record<string, any>) => (r.privacy ? `${r.family} ε=${r.privacy.epsilon}` : r.family);

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const p3 = (x: number) => (x < 0.001 ? '< 0.001' : x.toFixed(3));
const mark = (ok: boolean) => (ok ? '' : ' ✗');

/** One table row: the metric, the real-vs-real baseline, one cell per family, the target. */
interface Row {
  metric: string;
  baseline: (b: Record<string, any>, any: Record<string, any>) => string;
  cell: (r: Record<string, any>) => string;
  target: string;
}

const ROWS: Row[] = [
  { metric: 'summary-feature random forest, accuracy', baseline: (_b, r) => f3(r.forest.baseline), cell: (r) => f3(r.forest.accuracy) + mark(r.forest.accuracy <= 0.65), target: '≤ 0.65' },
  { metric: 'post-hoc GRU classifier, accuracy', baseline: (b) => f3(b.gruAccuracy), cell: (r) => f3(r.gruAccuracy) + mark(r.gruAccuracy <= 0.6), target: '≤ 0.60' },
  { metric: 'KS, days between visits', baseline: (_b, r) => f3(r.gapsKs.baseline), cell: (r) => f3(r.gapsKs.value) + mark(r.gapsKs.value <= 0.08), target: '≤ 0.08' },
  { metric: 'KS, follow-up length', baseline: (b) => f3(b.followUpKs), cell: (r) => f3(r.followUpKs) + mark(r.followUpKs <= 0.08), target: '≤ 0.08' },
  { metric: 'KS, visits per patient', baseline: (_b, r) => f3(r.visitsKs.baseline), cell: (r) => f3(r.visitsKs.value), target: '' },
  { metric: 'KS of values, mean over variables', baseline: (_b, r) => f3(r.valueKsMean.baseline), cell: (r) => f3(r.valueKsMean.value), target: '' },
  {
    metric: 'KS of values, worst variable',
    baseline: (_b, r) => `${f3(r.valueKsWorst.baseline)} (${r.valueKsWorst.baselineVariable})`,
    cell: (r) => `${f3(r.valueKsWorst.value)} (${r.valueKsWorst.variable})${mark(r.valueKsWorst.value <= 0.15)}`,
    target: '≤ 0.15',
  },
  { metric: 'KM curves, largest gap while 5+ at risk (log-rank p)', baseline: (b) => `${f3(b.kmGap)} (${p3(b.logRankP)})`, cell: (r) => `${f3(r.kmGap)} (${p3(r.logRankP)})${mark(r.kmGap <= 0.1 && r.logRankP > 0.05)}`, target: '≤ 0.10 (p > 0.05)' },
  { metric: 'Cox C-index on holdout, TSTR (TRTR)', baseline: (_b, r) => f3(r.cIndex.trtr), cell: (r) => `${f3(r.cIndex.tstr)} (${f3(r.cIndex.trtr)})${mark(r.cIndex.tstr >= r.cIndex.trtr - 0.03)}`, target: '≥ TRTR − 0.03' },
  { metric: 'membership-inference AUC', baseline: () => '0.500', cell: (r) => f3(r.mia) + mark(r.mia <= 0.55), target: '≤ 0.55' },
  { metric: 'DCR share closer than holdout 5th pct', baseline: () => '0.050', cell: (r) => f3(r.dcrShare) + mark(r.dcrShare <= 0.08), target: '≤ 0.08' },
  { metric: 'exact copies of training patients', baseline: () => '0', cell: (r) => String(r.exactCopies) + mark(r.exactCopies === 0), target: '0' },
  { metric: 'training time (default steps)', baseline: () => '', cell: (r) => `${(r.trainSeconds / 60).toFixed(1)} min, ${r.steps} steps`, target: '< 5 min (few hundred patients)' },
  {
    metric: 'time per step, median (private: noise multiplier, sampling rate)',
    baseline: () => '',
    cell: (r) => `${r.msPerStep === null ? '–' : `${r.msPerStep.toFixed(0)} ms`}${r.privacy ? ` (σ ${f3(r.privacy.sigma)}, q ${f3(r.privacy.sampleRate)})` : ''}`,
    target: 'private ≤ 3× plain',
  },
  {
    metric: 'worst subgroup: measure (holdout vs train)',
    baseline: () => '',
    cell: (r) => (r.worstSubgroup ? `${r.worstSubgroup.subgroup}: ${r.worstSubgroup.metric.replace(/\|/g, '\\|')} ${f3(r.worstSubgroup.value)} (${r.worstSubgroup.baseline === null ? '–' : f3(r.worstSubgroup.baseline)}) ${r.worstSubgroup.verdict.toUpperCase()}` : 'none judged'),
    target: 'PASS',
  },
  {
    metric: 'augmentation: C-index on the rare subgroup\'s holdout, real train + its synthetic patients (real train alone)',
    baseline: () => '',
    cell: (r) =>
      !r.augmentation
        ? '–'
        : r.augmentation.refused
          ? `none: the run rarely drafts ${r.augmentation.subgroup} (generation refused)`
          : `${f3(r.augmentation.augmented)} (${f3(r.augmentation.real)}); ${r.augmentation.subgroup}: ${r.augmentation.train} train, ${r.augmentation.holdout} holdout, ${r.augmentation.events} events`,
    target: '≥ real train alone',
  },
  { metric: 'top features giving it away', baseline: () => '', cell: (r) => r.topFeatures.join('; '), target: '' },
];

function table(title: string, base: Record<string, any>, results: Record<string, any>[]): string {
  const any = results[0]!;
  const lines = [
    `${title}: ${base.train} training patients, ${base.holdout} holdout; ${results.map((r) => `${label(r)} on ${r.backend}`).join(', ')}; seed ${args.seed}${args.config === '{}' ? '' : `; overrides ${args.config}`}`,
    '',
    `| metric | real vs real (holdout vs train) | ${results.map(label).join(' | ')} | target |`,
    `|---|---|${results.map(() => '---|').join('')}---|`,
    ...ROWS.map((row) => `| ${row.metric} | ${row.baseline(base, any)} | ${results.map((r) => row.cell(r)).join(' | ')} | ${row.target} |`),
  ];
  return lines.join('\n');
}

const started = performance.now();
const all: Record<string, unknown> = {};
const tables: string[] = [];
for (const key of cohorts) {
  console.error(`[bench:quality] ${key}: importing and building the cohort ...`);
  const { db, name } = await prepare(key);
  console.error(`[bench:quality] ${key}: baseline (holdout vs train) ...`);
  const base = child(db, name, 'baseline');
  const results: Record<string, any>[] = [];
  const cells = [
    ...families.map((family) => ({ family, tag: family, config: args.config })),
    ...families.flatMap((family) => epsilons.map((e) => ({ family, tag: `${family}-dp${e}`, config: JSON.stringify({ ...JSON.parse(args.config), privacy: { epsilon: e } }) }))),
  ];
  for (const cell of cells) {
    console.error(`[bench:quality] ${key}: ${cell.tag}: train, generate ${base.train} patients, evaluate ...`);
    const copy = join(dir, `${key}-${cell.tag}.db`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
    copyFileSync(db, copy);
    results.push(child(copy, name, cell.family, cell.config));
  }
  all[key] = { baseline: base, results };
  const t = table(COHORTS[key].title, base, results);
  tables.push(t);
  console.log(`\n${t}\n`);
}
writeFileSync(join(dir, 'results.json'), JSON.stringify(all, null, 2));
writeFileSync(join(dir, 'results.md'), tables.join('\n\n') + '\n');
console.log(`[bench:quality] ${((performance.now() - started) / 60000).toFixed(1)} min in all; figures in ${join(dir, 'results.json')} and results.md (✗: misses the target)`);
