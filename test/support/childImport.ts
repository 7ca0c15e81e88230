import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, tempDir } from './store.js';

export interface ZonedImport {
  times: number[];
  events: number[];
  timeZone?: string;
  localZone: string;
  error?: string;
}

/** Imports `mappingPath` into a fresh store in a child process whose TZ is `tz`, as on a workstation in that zone. */
export function importInZone(mappingPath: string, tz: string): ZonedImport {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'support', 'importInZone.ts'), join(tempDir(), 'store.db'), mappingPath], {
    cwd: ROOT,
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
  });
  return JSON.parse(out) as ZonedImport;
}
