// Which runtime better-sqlite3's native module is built for, and rebuilding it for another.
// Node (tests, CLI, bench) and Electron (the app) need different builds of the same module.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');
const marker = join(root, 'node_modules', 'better-sqlite3', 'build', 'synthehr-runtime.txt');

export function builtFor() {
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : 'node';
}

export function electronVersion() {
  const require = createRequire(join(root, 'package.json'));
  return require('electron/package.json').version;
}

/** Rebuilds better-sqlite3 for `node` or `electron` (prebuilt binary when one can be fetched, else compiled). */
export function rebuildFor(runtime) {
  const env = { ...process.env };
  if (runtime === 'electron') {
    Object.assign(env, {
      npm_config_runtime: 'electron',
      npm_config_target: electronVersion(),
      npm_config_disturl: 'https://electronjs.org/headers',
    });
  } else {
    for (const k of ['npm_config_runtime', 'npm_config_target', 'npm_config_disturl']) delete env[k];
  }
  console.log(`Building better-sqlite3 for ${runtime === 'electron' ? `Electron ${electronVersion()}` : `Node ${process.version}`} ...`);
  const result = spawnSync('npm', ['rebuild', 'better-sqlite3'], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`Rebuilding better-sqlite3 for ${runtime} failed (see above).`);
  writeFileSync(marker, `${runtime === 'electron' ? `electron-${electronVersion()}` : 'node'}\n`);
}
