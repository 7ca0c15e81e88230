// Electron fuses of the packaged app: flipped on the Electron binary at packaging
// time, before code signing, so that the OS signature check keeps them as set.
//
//   - as electron-builder's afterPack hook:   build: { afterPack: 'build/fuses.js' }
//     (afterPack runs before signing; with `asar: true`, electron-builder also
//     writes the asar integrity hash that EnableEmbeddedAsarIntegrityValidation checks)
//   - by hand on a packaged binary:           node build/fuses.js <path to the app's binary or .app>
//
// Keep electron-builder's own `electronFuses` option unset: this file is the one place.
import fusesLib from '@electron/fuses';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } = fusesLib;
const ENABLE = '1'.charCodeAt(0);
const DISABLE = '0'.charCodeAt(0);
const REMOVED = 'r'.charCodeAt(0);

/** Every fuse this version of @electron/fuses names, set explicitly. */
export const FUSES = Object.freeze({
  version: FuseVersion.V1,
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general Node runtime. The app
  // forks nothing from main (its workers are utility processes), so nothing needs it.
  [FuseV1Options.RunAsNode]: false,
  // Chromium's cookie store encrypted with the OS key store.
  [FuseV1Options.EnableCookieEncryption]: true,
  // No NODE_OPTIONS, no --inspect / SIGUSR1 debugger in the shipped app.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // app.asar checked against the hash recorded at packaging, and the only place code loads from.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // No custom browser-process V8 snapshot; file:// pages get no extra privileges (the UI is app://).
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
});

const configured = () =>
  Object.entries(FUSES)
    .filter(([key]) => key !== 'version')
    .map(([key, on]) => ({ index: Number(key), name: FuseV1Options[Number(key)], want: on ? ENABLE : DISABLE }));

/**
 * Flips the fuses on an Electron binary (or a .app bundle), then reads the wire back and
 * fails unless every fuse is as configured. A fuse Electron has marked removed fails too:
 * the feature it guarded changed, and this file needs a look. Fuses newer than this
 * @electron/fuses keep Electron's defaults.
 */
export async function applyFuses(binaryPath, { resetAdHocDarwinSignature = false } = {}) {
  const before = await getCurrentFuseWire(binaryPath);
  for (const { index, name } of configured()) {
    if (before[index] === REMOVED) throw new Error(`Electron fuse ${name} is marked removed in ${binaryPath}; review build/fuses.js.`);
  }
  await flipFuses(binaryPath, { ...FUSES, resetAdHocDarwinSignature });
  const after = await getCurrentFuseWire(binaryPath);
  const wrong = configured().filter(({ index, want }) => after[index] !== want);
  if (wrong.length) throw new Error(`Electron fuses not set in ${binaryPath}: ${wrong.map((f) => f.name).join(', ')}`);
  return after;
}

/** The file or bundle that holds the fuse wire in electron-builder's afterPack output. */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (electronPlatformName === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return join(appOutDir, packager.executableName);
}

/** electron-builder's afterPack hook. */
export default async function afterPack(context) {
  // An unsigned arm64 macOS binary must be ad-hoc signed again after its bytes change
  // (only possible on macOS, where its codesign is).
  const darwin = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  await applyFuses(electronBinaryPath(context), { resetAdHocDarwinSignature: darwin && process.platform === 'darwin' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node build/fuses.js <path to the packaged Electron binary or .app>');
    process.exit(2);
  }
  applyFuses(resolve(target), { resetAdHocDarwinSignature: process.platform === 'darwin' && target.includes('.app') }).then(
    (wire) => {
      for (const { index, name } of configured()) console.log(`${name}: ${wire[index] === ENABLE ? 'on' : 'off'}`);
    },
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
