// Run by `npm start` / `npm run dev`, never by postinstall: fetches the Electron binary
// (skipped at install so that `npm install` works offline) and rebuilds native modules for it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { builtFor, electronVersion, rebuildFor, root } from './native.js';

const electronDir = join(root, 'node_modules', 'electron');
if (!existsSync(join(electronDir, 'path.txt'))) {
  console.log(`Downloading Electron ${electronVersion()} (once) ...`);
  const result = spawnSync(process.execPath, ['install.js'], { cwd: electronDir, stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(join(electronDir, 'path.txt'))) {
    console.error('\nCould not download Electron. `npm start` needs an internet connection the first time;');
    console.error('everything else (npm test, npm run demo, npx synthehr) works offline.');
    process.exit(1);
  }
}
if (builtFor() !== `electron-${electronVersion()}`) rebuildFor('electron');
