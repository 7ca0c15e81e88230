// Times the exact nearest-neighbour search (main/evaluation/neighbours.ts) against the search privacy.ts ran before it
// (test/support/referenceNearest.ts), and checks that both give the same answers. Not a test: asserts nothing.
//
//   npx tsx test/bench/nearestTiming.ts [--random N] [--width W] [--set SET] [--new-only]
// --random N: N × N uniform random vectors of width W (default 34, the scale cohort's trajectory features).
// Otherwise: the privacy searches of synthetic set SET (default: the scale benchmark's) in .bench/scale/scale.db.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { showCohort } from '../../main/cohort/cohortService.js';
import { realPatients, syntheticPatients } from '../../main/evaluation/data.js';
import { findSyntheticSet } from '../../main/evaluation/evaluate.js';
import { nearest } from '../../main/evaluation/neighbours.js';
import { sensitiveField, trajectoryFeatures } from '../../main/evaluation/privacy.js';
import { openDatabase } from '../../main/store/database.js';
import { referenceNearest } from '../support/referenceNearest.js';

const { values: args } = parseArgs({ options: { random: { type: 'string' }, width: { type: 'string', default: '34' }, set: { type: 'string' }, 'new-only': { type: 'boolean', default: false } } });
type Search = [name: string, queries: Float64Array[], refs: Float64Array[], skip: Set<number> | undefined];

function randomSearches(n: number, w: number): Search[] {
  const vectors = () => Array.from({ length: n }, () => Float64Array.from({ length: w }, () => Math.random()));
  return [[`random ${n} × ${n}, width ${w}`, vectors(), vectors(), undefined]];
}

function privacySearches(): Search[] {
  const dir = join(import.meta.dirname, '..', '..', '.bench', 'scale');
  const db = openDatabase(join(dir, 'scale.db'), { mustExist: true });
  const set = findSyntheticSet(db, args.set ?? (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { sets: Record<string, string> }).sets.vae!);
  const cohort = showCohort(db, String(set.cohortId));
  const features = (ps: ReturnType<typeof realPatients>) => ps.map((p) => trajectoryFeatures(p, cohort.encoding));
  const train = features(realPatients(db, cohort, 'train'));
  const holdout = features(realPatients(db, cohort, 'holdout'));
  const synthetic = features(syntheticPatients(db, cohort, set.datasetId));
  db.close();
  const field = sensitiveField(cohort.encoding);
  const hidden = new Set<number>();
  if (field && field.codec.type !== 'numeric') {
    const width = field.codec.type === 'onehot' ? field.codec.levels.length : 1;
    for (let i = 0; i < width; i++) hidden.add(field.offset + i);
    if (field.maskOffset !== null) hidden.add(field.maskOffset);
  }
  return [
    ['synthetic → train', synthetic, train, undefined],
    ['holdout → train', holdout, train, undefined],
    ['train → synthetic', train, synthetic, undefined],
    ['holdout → synthetic', holdout, synthetic, undefined],
    ['train → synthetic, sensitive left out', train, synthetic, hidden],
    ['holdout → synthetic, sensitive left out', holdout, synthetic, hidden],
  ];
}

const timed = <T>(f: () => T): [T, number] => {
  const started = performance.now();
  const r = f();
  return [r, (performance.now() - started) / 1000];
};
const searches = args.random ? randomSearches(Number(args.random), Number(args.width)) : privacySearches();
let totalNew = 0;
let totalOld = 0;
for (const [name, queries, refs, skip] of searches) {
  const [fast, tNew] = timed(() => nearest(queries, refs, false, skip));
  totalNew += tNew;
  let line = `${name} (${queries.length} × ${refs.length}, width ${refs[0]!.length - (skip?.size ?? 0)}): ${tNew.toFixed(2)} s`;
  if (!args['new-only']) {
    const [slow, tOld] = timed(() => referenceNearest(queries, refs, false, skip));
    totalOld += tOld;
    const same = slow.every((s, i) => s.d1 === fast[i]!.d1 && s.d2 === fast[i]!.d2 && s.index === fast[i]!.index);
    line += `; before ${tOld.toFixed(2)} s (${(tOld / tNew).toFixed(1)}×); identical answers: ${same}`;
  }
  console.log(line);
}
console.log(`all: ${totalNew.toFixed(1)} s${totalOld ? `; before ${totalOld.toFixed(1)} s` : ''}`);
