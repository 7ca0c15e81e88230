import { fork } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImportMessage } from '../../main/common/workerProtocol.js';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { openDatabase, type Db } from '../../main/store/database.js';
import { ImportWriteQueue } from '../../main/store/importWriteQueue.js';
import { freshStore, importWorkedExample, MAPPINGS, ROOT, storeDigest, tempDir } from '../support/store.js';
import { caseFiles } from '../support/importCase.js';
import { writeLabFiles } from '../support/syntheticLabs.js';

// The import's writes run on a thread of their own (main/store/importWriteQueue.ts).
describe('the import write thread', () => {
  it('stops the import soon after a write the store refuses, names the cause, and leaves the store as it was', async () => {
    const { db } = freshStore();
    await importWorkedExample(db, 'icu');
    // The store refuses one value of the big file (a stand-in for a full disk or a broken file system).
    db.exec("CREATE TRIGGER refuse_one BEFORE INSERT ON measurements WHEN NEW.num = 123456.5 BEGIN SELECT RAISE(ABORT, 'disk refused the row'); END");
    const before = storeDigest(db);
    // The reader runs at most 64 batches (~2,700 rows each) ahead of the thread, whatever the
    // machine's speed: it must stop well before the end of 500,000 rows.
    const files = await writeLabFiles(tempDir(), 500_000);
    const labs = readFileSync(files.labsPath, 'utf8').split('\n');
    const cells = labs[100]!.split(',');
    cells[3] = '123456.5'; // id, date, variable, value, unit
    labs[100] = cells.join(',');
    writeFileSync(files.labsPath, labs.join('\n'));
    // Bytes of the lab file read when the import stopped (none reported: it stopped inside the first chunk).
    let labsRead = 0;
    const err = await importDataset(db, loadMapping(files.mappingPath), {
      onProgress: (p) => {
        if (p.fileIndex === 1) labsRead = p.bytesRead;
      },
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/could not write to the store: disk refused the row/);
    expect(labsRead, 'the rest of the lab file was not read').toBeLessThan(statSync(files.labsPath).size / 2);
    expect(storeDigest(db)).toBe(before);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('refuses to commit rows it numbered ahead when another program wrote to the store as the import began', async () => {
    const { db, path } = freshStore();
    const queue = ImportWriteQueue.open(db);
    // The reader's connection holds a snapshot from before another program's write (whatever
    // the timing): the import numbers its rows from that snapshot, the thread then finds the write.
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM datasets').get();
    const other = openDatabase(path);
    other.prepare("INSERT INTO datasets (name, time_basis, created_at) VALUES ('other', 'relative', 'now')").run();
    other.close();
    queue.begin();
    db.exec('COMMIT');
    queue.insertPatient(queue.insertDataset('mine', null, 'relative'), 'p1');
    expect(() => queue.commit()).toThrow(/another program wrote to the store as this import started; nothing was imported: run the import again/);
    queue.rollback();
    await queue.close();
    expect(db.prepare('SELECT name FROM datasets').pluck().all()).toEqual(['other']);
    expect(db.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(0);
  });

  it('fails with the reason when the thread cannot open the store, leaving nothing behind', async () => {
    const { db, path } = freshStore();
    rmSync(path); // the reader's connection stays open; the thread finds no store to open
    const err = await importDataset(db, loadMapping(join(MAPPINGS, 'steno2.mapping.json'))).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/could not write to the store: There is no store at .*store\.db; nothing was created/);
    expect(existsSync(path)).toBe(false);
  });

  it('writes rows in batches with the same ids, order and values as row by row, in a store and in memory', async () => {
    // 300 patients: batches of 128 fill and are written between a patient's row and its index time.
    const n = 300;
    const day = (i: number) => `20${String(10 + (i % 10)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`;
    const patients = ['id,sex,entry,end,death', ...Array.from({ length: n }, (_, i) => `p${i},${i % 2 ? 'F' : 'M'},${day(i)},2024-12-31,${i % 7 ? '' : '2023-06-01'}`)].join('\n');
    const events = ['id,date,type', ...Array.from({ length: n }, (_, i) => `p${n - 1 - i},2021-0${1 + (i % 9)}-01,ev${i % 3}`)].join('\n');
    const mapping = caseFiles(
      { 'p.csv': patients, 'e.csv': events },
      {
        dataset: 'batched',
        time: { basis: 'calendar' },
        files: [
          { path: 'p.csv', id: 'id', patients: true, index: 'entry', static: { sex: {} }, followUp: { end: 'end', event: 'death', eventType: 'death' } },
          { path: 'e.csv', id: 'id', eventRows: { time: 'date', type: 'type' } },
        ],
      },
    );
    type Row = (number | string | null)[];
    const all = (db: Db, sql: string) => db.prepare(sql).raw().all() as Row[];
    const rows = (db: Db) => ({
      patients: all(db, 'SELECT id, source_key, index_time FROM patients ORDER BY id'),
      statics: all(db, 'SELECT * FROM static_values ORDER BY patient_id'),
      events: all(db, 'SELECT * FROM events ORDER BY id'),
      outcomes: all(db, 'SELECT * FROM outcomes ORDER BY patient_id'),
    });
    const onDisk = freshStore().db;
    await importDataset(onDisk, mapping);
    const inMemory = openDatabase(':memory:');
    await importDataset(inMemory, mapping);
    const got = rows(onDisk);
    expect(rows(inMemory)).toEqual(got);
    expect(got.patients).toHaveLength(n);
    got.patients.forEach(([id, key, index], i) => {
      expect([id, key]).toEqual([i + 1, `p${i}`]);
      expect(index).toBe(Date.parse(day(i)) / 86_400_000);
    });
    expect(got.events.map((e) => e[1])).toEqual(Array.from({ length: n }, (_, i) => n - i)); // in file order
    expect(got.outcomes.filter((o) => o[2] !== null)).toHaveLength(Math.ceil(n / 7));
  });

  it('runs from the built app (its own entry beside the import process, found from a shared chunk)', async () => {
    const entry = join(ROOT, 'out', 'main', 'importWorker.js');
    expect(existsSync(entry), 'out/main is built by `npm test` (npm run build)').toBe(true);
    const { db, path } = freshStore();
    db.close();
    const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const done = new Promise<ImportMessage>((resolve) => child.on('message', (m: ImportMessage) => m.type === 'done' && resolve(m)));
    child.send({ type: 'start', dbPath: path, mappingPath: join(MAPPINGS, 'steno2.mapping.json') });
    const message = await done;
    child.kill();
    expect(message).toMatchObject({ type: 'done', outcome: { status: 'imported', dataset: 'steno2' } });

    const direct = freshStore().db;
    const expected = await importDataset(direct, loadMapping(join(MAPPINGS, 'steno2.mapping.json')));
    const store = openDatabase(path);
    expect(store.prepare('SELECT count(*) FROM measurements').pluck().get()).toBe(expected.measurements);
    expect(store.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(expected.patients);
    store.close();
  });
});
