// Makes sure better-sqlite3 loads in plain Node (after `npm start` it may be built for Electron).
import { spawnSync } from 'node:child_process';
import { builtFor, rebuildFor, root } from './native.js';

const probe = () =>
  spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root, encoding: 'utf8' });

if (builtFor() !== 'node' || probe().status !== 0) {
  rebuildFor('node');
  const again = probe();
  if (again.status !== 0) {
    console.error(again.stderr);
    process.exit(1);
  }
}
