import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerViolations } from '../../build/check-layers.js';
import { ROOT, tempDir } from '../support/store.js';

/** A copy of the sources (main/, preload/, renderer/) to break on purpose. */
function copyOfSources(): string {
  const root = tempDir();
  for (const top of ['main', 'preload', 'renderer']) cpSync(join(ROOT, top), join(root, top), { recursive: true });
  return root;
}

describe('the layer check (build/check-layers.js)', () => {
  it('passes on the sources as they are', () => {
    expect(layerViolations(ROOT)).toEqual([]);
  });

  it('fails on an import against the domain order, a type-only one too, naming the file and the rule', () => {
    const root = copyOfSources();
    appendFileSync(join(root, 'main/models/gru.ts'), "\nimport type { ModelConfig } from '../training/config.js';\n");
    appendFileSync(join(root, 'main/common/format.ts'), "\nimport { openDatabase } from '../store/database.js';\n");
    const found = layerViolations(root);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^main\/common\/format\.ts: imports "\.\.\/store\/database\.js": common may not import store/);
    expect(found[1]).toMatch(/^main\/models\/gru\.ts: imports "\.\.\/training\/config\.js": models may not import training .*move the shared piece down/);
  });

  it('keeps the peers ipc and cli apart, and refuses a folder of main/ that is in no domain', () => {
    const root = copyOfSources();
    appendFileSync(join(root, 'main/ipc/answerCall.ts'), "\nimport { UsageError } from '../cli/args.js';\n");
    mkdirSync(join(root, 'main/fairness'));
    writeFileSync(join(root, 'main/fairness/subgroups.ts'), "import { num } from '../common/format.js';\nexport const n = num;\n");
    const found = layerViolations(root);
    expect(found.some((v) => /^main\/ipc\/answerCall\.ts: imports "\.\.\/cli\/args\.js": ipc may not import cli/.test(v))).toBe(true);
    expect(found.some((v) => /^main\/fairness\/subgroups\.ts: .*main\/fairness is in no domain of the order/.test(v))).toBe(true);
  });

  it('keeps TensorFlow.js out of what synthehr loads before a command runs, naming the path that brings it in', () => {
    const root = copyOfSources();
    // A command that imports its service statically, as every command did before.
    appendFileSync(join(root, 'main/cli/commands/runs.ts'), "\nimport { generateSyntheticSet } from '../../training/generate.js';\nexport const g = generateSyntheticSet;\n");
    const found = layerViolations(root);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^main\/cli\.ts: loads "@tensorflow\/tfjs-core" at start \(main\/cli\.ts → main\/cli\/commands\/runs\.ts → main\/training\/generate\.ts → .*\): .*await import\(\)/);
  });

  it('lets a command load TensorFlow.js when it runs, and a type-only import of a module that loads it', () => {
    const root = copyOfSources();
    appendFileSync(join(root, 'main/cli/commands/runs.ts'), "\nexport const load = () => import('../../training/generate.js');\nimport type { GenerateResult } from '../../training/generate.js';\nexport type R = GenerateResult;\n");
    expect(layerViolations(root)).toEqual([]);
  });
});
