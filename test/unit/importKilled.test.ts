import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { freshStore, importWorkedExample, ROOT, storeDigest, tempDir } from '../support/store.js';
import { writeLabFiles } from '../support/syntheticLabs.js';

describe('an import killed with SIGKILL', () => {
  it('leaves a store that opens, passes integrity_check and holds no part of that import', async () => {
    const { db, path } = freshStore();
    await importWorkedExample(db, 'steno2');
    const before = storeDigest(db);
    db.close();
    const files = await writeLabFiles(tempDir(), 400_000);

    // The CLI in a child process; kill it once it reports rows being imported from the big file.
    const child = spawn(process.execPath, [join(ROOT, 'build/bin/synthehr.js'), 'import', '--db', path, '--mapping', files.mappingPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const killedAt = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /importing bench_labs \(2\/2\): (\d+)% of [^,]+, ([\d,]+) rows/.exec(stderr);
        if (match && Number(match[2]!.replaceAll(',', '')) > 0 && Number(match[1]) < 100) {
          child.kill('SIGKILL');
          resolve(match[0]);
        }
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? undefined : reject(new Error(`import ended before it could be killed (${code}): ${stderr}`))));
    });
    await new Promise((r) => child.on('close', r));
    expect(child.signalCode).toBe('SIGKILL');
    expect(killedAt).toMatch(/importing bench_labs/);

    const after = openDatabase(path);
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(after.prepare("SELECT count(*) FROM datasets WHERE name = 'bench_labs'").pluck().get()).toBe(0);
    expect(storeDigest(after)).toBe(before);
    after.close();
  });
});
