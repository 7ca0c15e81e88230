import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MappingError } from './mapping.js';

/**
 * Turns a mapping built in the wizard (files named by handle) into a mapping
 * file with real paths, for the import process. Unknown handles are refused.
 */
export function writeWizardMapping(mapping: { files: { path: string }[] } & Record<string, unknown>, pathOf: (fileId: string) => string | undefined, dir = mkdtempSync(join(tmpdir(), 'synthehr-wizard-'))): string {
  const files = mapping.files.map((f, i) => {
    const path = pathOf(f.path);
    if (!path) throw new MappingError(`files.${i}: the file handle is unknown or expired; choose the files again.`);
    return { ...f, path };
  });
  const out = join(dir, 'mapping.json');
  writeFileSync(out, JSON.stringify({ ...mapping, files }, null, 2));
  return out;
}
