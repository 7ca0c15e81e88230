import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../main/ingest/errors.js';
import { importDataset } from '../../main/ingest/importer.js';
import { MappingError, resolveMapping } from '../../main/ingest/mapping.js';
import type { Db } from '../../main/store/database.js';
import { fuzzCase, type Expected, type ExpectedPatient } from '../support/importFuzz.js';
import { freshStore, importWorkedExample, storeDigest, tempDir } from '../support/store.js';

/** Cases per run; the seeds are 1..N, so a failure names the seed that reproduces it. */
const CASES = Number(process.env.IMPORT_FUZZ_CASES ?? 300);
type Row = (string | number | null)[];
const byJson = (a: Row, b: Row) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/** What the store must hold for an imported case, in the shape `storedRows` reads. */
function expectedRows(patients: ExpectedPatient[], relative: boolean) {
  const statics: Row[] = [];
  const measurements: Row[] = [];
  const outcomes: Row[] = [];
  for (const p of patients) {
    statics.push([p.key, 'sex', null, p.sex]);
    if (p.age !== undefined) statics.push([p.key, 'age', p.age, null]);
    if (p.born !== undefined) statics.push([p.key, 'born', p.born, null]);
    const recorded = p.visits.filter((v) => v.crea !== undefined || v.stage !== undefined);
    for (const v of recorded) {
      if (v.crea !== undefined) measurements.push([p.key, 'crea', v.time, v.crea, null]);
      if (v.stage !== undefined) measurements.push([p.key, 'stage', v.time, null, v.stage]);
    }
    const index = p.index ?? (relative ? 0 : Math.min(...recorded.map((v) => v.time)));
    outcomes.push([p.key, index, p.end, p.event, p.event === null ? null : 'death']);
  }
  return { statics: statics.sort(byJson), measurements: measurements.sort(byJson), outcomes: outcomes.sort(byJson) };
}

function storedRows(db: Db, datasetId: number) {
  const all = (sql: string) => (db.prepare(sql).raw().all(datasetId) as Row[]).sort(byJson);
  return {
    statics: all(`SELECT p.source_key, v.name, s.num, s.txt FROM static_values s JOIN patients p ON p.id = s.patient_id JOIN variables v ON v.id = s.variable_id WHERE p.dataset_id = ?`),
    measurements: all(`SELECT p.source_key, v.name, m.time, m.num, m.txt FROM measurements m JOIN patients p ON p.id = m.patient_id JOIN variables v ON v.id = m.variable_id WHERE p.dataset_id = ?`),
    outcomes: all(`SELECT p.source_key, p.index_time, o.followup_end, o.event_time, o.event_type FROM patients p JOIN outcomes o ON o.patient_id = p.id WHERE p.dataset_id = ?`),
  };
}

describe(`importer fuzz: ${CASES} seeded cases of malformed CSVs and mappings`, () => {
  let db: Db;
  let digest: string;
  const tally = new Map<string, Record<Expected['verdict'], number>>();

  beforeAll(async () => {
    db = freshStore().db;
    await importWorkedExample(db, 'steno2'); // a store with real data in it, which refusals must leave exactly as it is
    digest = storeDigest(db);
  });

  afterAll(() => {
    const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([m, t]) => `  ${m.padEnd(18)} imported ${t.imported}, refused ${t.refused}, mapping refused ${t.mapping}`);
    console.log(`import fuzz verdicts (${CASES} cases):\n${rows.join('\n')}`);
  });

  it.each(Array.from({ length: CASES }, (_, i) => i + 1))('seed %i', async (seed) => {
    const c = fuzzCase(seed);
    const count = tally.get(c.mutation) ?? { imported: 0, refused: 0, mapping: 0 };
    tally.set(c.mutation, count);
    count[c.expect.verdict]++;
    const dir = tempDir('synthehr-fuzz-');
    for (const [name, content] of Object.entries(c.files)) writeFileSync(join(dir, name), content);
    for (const name of c.directories) mkdirSync(join(dir, name));
    const outcome = await (async () => importDataset(db, resolveMapping(c.mapping, join(dir, 'mapping.json'), dir)))().catch((e: unknown) => e);
    const context = `seed ${seed} (${c.mutation}) in ${dir}: ${outcome instanceof Error ? outcome.message : 'imported'}`;
    // The digest every refusal must leave; refreshed after each case, so one failure does not fail all later cases.
    const before = digest;
    digest = storeDigest(db);
    const e = c.expect;
    if (e.verdict === 'imported') {
      expect(outcome, context).not.toBeInstanceOf(Error);
      const result = outcome as Awaited<ReturnType<typeof importDataset>>;
      expect(result.warningsByCode, context).toEqual(e.warnings);
      expect(storedRows(db, result.datasetId), context).toEqual(expectedRows(e.patients, e.relative));
      const kinds = Object.fromEntries(db.prepare('SELECT name, kind FROM variables WHERE dataset_id = ?').raw().all(result.datasetId) as [string, string][]);
      expect(kinds, context).toEqual(e.kinds);
      return;
    }
    if (e.verdict === 'mapping') {
      expect(outcome, context).toBeInstanceOf(MappingError);
      expect((outcome as Error).message, context).toMatch(e.rule);
    } else {
      expect(outcome, context).toBeInstanceOf(ImportError);
      const err = outcome as ImportError;
      expect(err.location.file, context).toBe(e.file);
      expect(err.location.line, context).toBe(e.line);
      expect(err.location.column, context).toBe(e.column);
      expect(err.message, context).toMatch(e.rule);
    }
    expect(digest, context).toBe(before);
    expect(db.inTransaction).toBe(false);
  });
});
