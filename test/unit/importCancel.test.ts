import { describe, expect, it } from 'vitest';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { freshStore, importWorkedExample, storeDigest } from '../support/store.js';
import { writeLabFiles } from '../support/syntheticLabs.js';

describe('cancelling an import', () => {
  it('stops at the next chunk and leaves the store exactly as it was', async () => {
    const { db, dir } = freshStore();
    await importWorkedExample(db, 'steno2');
    const before = storeDigest(db);
    const files = await writeLabFiles(dir, 120_000);
    const controller = new AbortController();
    let chunks = 0;
    const attempt = importDataset(db, loadMapping(files.mappingPath), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.fileIndex === 1 && ++chunks === 2) controller.abort();
      },
    });
    await expect(attempt).rejects.toThrow(/aborted/i);
    expect(chunks).toBe(2);
    expect(storeDigest(db)).toBe(before);
    // The store is usable afterwards: the same import, not cancelled, goes through.
    const done = await importDataset(db, loadMapping(files.mappingPath));
    expect(done.measurements).toBe(120_000);
  });
});
