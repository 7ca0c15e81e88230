import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import fusesLib from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import afterPack, { applyFuses, electronBinaryPath, FUSES } from '../../build/fuses.js';
import { tempDir } from '../support/store.js';

// The Electron binary cannot be downloaded here, so these tests build a file laid out
// as Electron's is around its fuse wire (sentinel, wire version, wire length, one byte
// per fuse: "0" off, "1" on, "r" removed), flip it with the real @electron/fuses and
// read it back with the same library.
const { FuseV1Options, getCurrentFuseWire } = fusesLib;
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);
// Electron's defaults: runAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on,
// asar integrity off, only-load-from-asar off, browser V8 snapshot off, file:// privileges on,
// and a ninth fuse (wasm trap handlers, on) that this version of @electron/fuses does not name.
const ELECTRON_DEFAULT_WIRE = '110100011';

function fakeElectron(path: string, wire = ELECTRON_DEFAULT_WIRE, { version = 1, slices = 1 } = {}): { before: Buffer; after: Buffer } {
  const before = randomBytes(4096);
  const after = randomBytes(4096);
  const slice = Buffer.concat([Buffer.from(SENTINEL, 'ascii'), Buffer.from([version, wire.length]), Buffer.from(wire, 'ascii')]);
  const parts = [before, slice];
  for (let i = 1; i < slices; i++) parts.push(randomBytes(1024), slice);
  parts.push(after);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat(parts));
  return { before, after };
}

async function expectHardened(path: string) {
  const wire = (await getCurrentFuseWire(path)) as unknown as Record<number, number>;
  expect(wire[FuseV1Options.RunAsNode], 'RunAsNode').toBe(OFF);
  expect(wire[FuseV1Options.EnableCookieEncryption], 'EnableCookieEncryption').toBe(ON);
  expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable], 'EnableNodeOptionsEnvironmentVariable').toBe(OFF);
  expect(wire[FuseV1Options.EnableNodeCliInspectArguments], 'EnableNodeCliInspectArguments').toBe(OFF);
  expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation], 'EnableEmbeddedAsarIntegrityValidation').toBe(ON);
  expect(wire[FuseV1Options.OnlyLoadAppFromAsar], 'OnlyLoadAppFromAsar').toBe(ON);
  expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot], 'LoadBrowserProcessSpecificV8Snapshot').toBe(OFF);
  expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges], 'GrantFileProtocolExtraPrivileges').toBe(OFF);
  return wire;
}

describe('Electron fuses flipped at packaging', () => {
  it('configures every fuse this @electron/fuses knows, explicitly', () => {
    const named = Object.values(FuseV1Options).filter((v): v is number => typeof v === 'number');
    for (const index of named) expect(typeof (FUSES as unknown as Record<number, unknown>)[index], FuseV1Options[index]).toBe('boolean');
  });

  it('turns RunAsNode, NODE_OPTIONS and --inspect off, cookie encryption, asar integrity and asar-only loading on', async () => {
    const binary = join(tempDir(), 'electron');
    const { before, after } = fakeElectron(binary);
    await applyFuses(binary);
    const wire = await expectHardened(binary);
    // A fuse this library does not know (a newer Electron's) keeps Electron's default;
    // nothing outside the wire changes.
    expect(wire[8]).toBe(ON);
    const bytes = readFileSync(binary);
    expect(bytes.subarray(0, before.length).equals(before)).toBe(true);
    expect(bytes.subarray(bytes.length - after.length).equals(after)).toBe(true);
  });

  it('flips both slices of a universal macOS binary', async () => {
    const binary = join(tempDir(), 'electron-universal');
    fakeElectron(binary, ELECTRON_DEFAULT_WIRE, { slices: 2 });
    await applyFuses(binary);
    const bytes = readFileSync(binary);
    const second = bytes.lastIndexOf(SENTINEL);
    expect(second).toBeGreaterThan(bytes.indexOf(SENTINEL));
    expect(bytes.subarray(second + SENTINEL.length + 2, second + SENTINEL.length + 2 + 8).toString('ascii')).toBe('01001100');
  });

  it('fails the packaging step on a binary without fuses, or with a wire it cannot read', async () => {
    const plain = join(tempDir(), 'not-electron');
    writeFileSync(plain, randomBytes(2048));
    await expect(applyFuses(plain)).rejects.toThrow(/sentinel/i);
    const future = join(tempDir(), 'electron-v2-wire');
    fakeElectron(future, ELECTRON_DEFAULT_WIRE, { version: 2 });
    await expect(applyFuses(future)).rejects.toThrow(/fuse wire version/i);
    // A fuse left as it was (here: marked removed by Electron) is reported, not shipped silently.
    const removed = join(tempDir(), 'electron-removed');
    fakeElectron(removed, '1r0100011');
    await expect(applyFuses(removed)).rejects.toThrow(/EnableCookieEncryption/);
  });

  it('as the electron-builder afterPack hook, finds the binary of each platform', async () => {
    const packager = { executableName: 'synthehr-studio', appInfo: { productFilename: 'SynthEHR Studio' } };
    const out = tempDir();
    const app = join(out, 'darwin', 'SynthEHR Studio.app');
    const cases = [
      { electronPlatformName: 'linux', binary: join(out, 'linux', 'synthehr-studio'), wire: join(out, 'linux', 'synthehr-studio') },
      { electronPlatformName: 'win32', binary: join(out, 'win32', 'SynthEHR Studio.exe'), wire: join(out, 'win32', 'SynthEHR Studio.exe') },
      // On macOS the wire is in the Electron Framework inside the bundle.
      { electronPlatformName: 'darwin', binary: app, wire: join(app, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework') },
    ];
    for (const { electronPlatformName, binary, wire } of cases) {
      const context = { appOutDir: join(out, electronPlatformName), electronPlatformName, arch: 1, packager };
      expect(electronBinaryPath(context)).toBe(binary);
      fakeElectron(wire);
      await afterPack(context);
      await expectHardened(binary);
      expect(readFileSync(wire).includes(Buffer.from(`${SENTINEL}\x01\x09010011001`, 'latin1')), electronPlatformName).toBe(true);
    }
  });
});
