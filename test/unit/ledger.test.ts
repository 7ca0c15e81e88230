import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli.js';
import { createCohort } from '../../main/cohort/cohortService.js';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { exportSyntheticSet } from '../../main/export/exportSet.js';
import { privacyGate } from '../../main/export/gate.js';
import { BudgetRefusedError, compose, planRelease, setBudget } from '../../main/export/ledger.js';
import { openDatabase, type Db } from '../../main/store/database.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { cohortDefinition, steno2CohortStore } from '../support/cohorts.js';
import { storeDigest, tempDir } from '../support/store.js';

/*
 * The release ledger on Steno-2: two private VAE runs (epsilon 1 and 2) and one
 * without differential privacy, their sets exported against a budget.
 */
let db: Db;
let path: string;
const sets: Record<'a1' | 'a2' | 'b' | 'plain', string> = { a1: '', a2: '', b: '', plain: '' };

const tiny = (epsilon?: number) => ({ cohort: 'steno2_death', family: 'vae' as const, seed: 3, config: { hidden: 8, steps: 6, batchSize: 32, ...(epsilon ? { privacy: { epsilon } } : {}) } });

beforeAll(async () => {
  ({ db, path } = await steno2CohortStore());
  const a = await train(db, tiny(1));
  const b = await train(db, tiny(2));
  const plain = await train(db, tiny());
  sets.a1 = (await generateSyntheticSet(db, { runId: a.runId, patients: 30 })).dataset;
  sets.a2 = (await generateSyntheticSet(db, { runId: a.runId, patients: 30 })).dataset;
  sets.b = (await generateSyntheticSet(db, { runId: b.runId, patients: 30 })).dataset;
  sets.plain = (await generateSyntheticSet(db, { runId: plain.runId, patients: 30 })).dataset;
}, 120_000);

/** Exports a set (the gate overridden where it refuses: the ledger is what is tested). */
async function release(set: string, overBudgetReason?: string) {
  const report = await evaluate(db, set, { posthocSteps: 5 });
  return exportSyntheticSet(db, { set, format: 'csv', directory: tempDir(), report, overrideReason: privacyGate(report).passed ? undefined : 'test', overBudgetReason });
}

async function cli(...argv: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runCli([...argv, '--db', path], (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

describe('the release ledger', () => {
  it('composes sequentially over distinct models: one model counts once, a model without DP leaves no bound', () => {
    expect(compose([])).toEqual({ models: 0, epsilon: 0, delta: 0, unbounded: [] });
    const r = (runId: number, epsilon: number | null, syntheticSet = `s${runId}`) => ({ runId, epsilon, delta: epsilon === null ? null : 1e-5, syntheticSet });
    expect(compose([r(1, 1), r(1, 1, 'again'), r(2, 2)])).toEqual({ models: 2, epsilon: 3, delta: 2e-5, unbounded: [] });
    expect(compose([r(1, 1), r(3, null, 'plain')])).toMatchObject({ models: 2, epsilon: null, unbounded: ['plain'] });
  });

  it("enters every export with its model's epsilon, refuses one that passes the budget unless overridden, and says so on the data card", async () => {
    const first = await release(sets.a1);
    expect(first.release.after).toMatchObject({ models: 1, epsilon: 1 });
    // A second set of the same model adds nothing.
    const second = await release(sets.a2);
    expect(second.release).toMatchObject({ modelReleasedBefore: true, after: { models: 1, epsilon: 1 } });
    expect(readFileSync(second.dataCard.markdown, 'utf8')).toContain('a set of it was released before, so this export adds nothing. Released from dataset steno2, this export included: epsilon 1 over 1 model (delta 1.0e-5); no budget set.');

    setBudget(db, 'steno2', 2.5);
    // Epsilon 2 more would make 3: refused before anything is written, the store as it was.
    const before = storeDigest(db);
    const out = tempDir();
    const report = await evaluate(db, sets.b, { posthocSteps: 5 });
    const after = storeDigest(db);
    await expect(exportSyntheticSet(db, { set: sets.b, format: 'csv', directory: out, report, overrideReason: 'test' })).rejects.toThrow(BudgetRefusedError);
    await expect(exportSyntheticSet(db, { set: sets.b, format: 'csv', directory: out, report, overrideReason: 'test' })).rejects.toThrow(
      /Export refused by the privacy budget of dataset steno2: epsilon 2\.5\. Released so far: epsilon 1 over 1 model .*This set's model \(run \d+\) has epsilon 2; after this export: epsilon 3 over 2 models/,
    );
    expect(storeDigest(db)).toBe(after);
    expect(readdirSync(out)).toEqual([]);
    expect(before).not.toBe('');

    const over = await release(sets.b, 'approved by the data protection officer, ref 42');
    expect(over.overBudgetReason).toBe('approved by the data protection officer, ref 42');
    expect(readFileSync(over.dataCard.markdown, 'utf8')).toContain('epsilon 3 over 2 models (delta 2.0e-5); budget epsilon 2.5, passed under override: "approved by the data protection officer, ref 42".');
    const card = JSON.parse(readFileSync(over.dataCard.json, 'utf8'));
    expect(card.privacyLedger).toMatchObject({ sourceDataset: 'steno2', model: { epsilon: 2 }, before: { epsilon: 1 }, after: { epsilon: 3, models: 2 }, budget: 2.5 });

    // A model trained without differential privacy has no bound: beyond any budget.
    expect(planRelease(db, sets.plain)).toMatchObject({ epsilon: null, withinBudget: false, after: { epsilon: null, unbounded: [sets.plain] } });
    await expect(release(sets.plain)).rejects.toThrow(/was trained without differential privacy: its release has no bound, beyond any budget/);
    setBudget(db, 'steno2', null);
    const plain = await release(sets.plain);
    expect(plain.release.after.epsilon).toBeNull();
    expect(existsSync(plain.directory)).toBe(true);
  }, 120_000);

  it('is shown and budgeted from the CLI, and synthehr runs shows the epsilon each private run spent', async () => {
    const shown = await cli('ledger');
    expect(shown.code).toBe(0);
    expect(shown.text).toContain(`Dataset steno2: no bound: ${sets.plain} came from a model trained without differential privacy; no budget set`);
    expect(shown.text).toMatch(new RegExp(`${sets.b} +\\d+ +2 +0\\.00001 +\\d+ +approved by the data protection officer, ref 42`));
    const set = await cli('ledger', 'steno2', '--budget', '10');
    expect(set.text).toContain('budget epsilon 10');
    await expect(cli('ledger', sets.a1, '--budget', '10')).rejects.toThrow('is a synthetic set: budgets and the ledger are kept for the real dataset');
    await expect(cli('ledger', 'steno2', '--budget', 'lots')).rejects.toThrow('--budget is an epsilon above 0, or none; not "lots"');
    const json = JSON.parse((await cli('ledger', 'steno2', '--json')).text);
    expect(json[0]).toMatchObject({ sourceDataset: 'steno2', budget: 10, models: 3, epsilon: null });
    expect(json[0].releases).toHaveLength(4);
    const runs = await cli('runs');
    expect(runs.text).toMatch(/epsilon 1 of 1/);
    expect(runs.text).toMatch(/epsilon (1\.99|2) of 2 /);
    expect(runs.text).toMatch(/no DP/);
  }, 60_000);

  it("charges a set made by a model trained on synthetic patients to the real dataset, at the epsilon of the model that read the real patients", async () => {
    const runs = await import('../../main/training/runs.js');
    const first = runs.listRuns(db).find((r) => r.privacy?.epsilon === 1)!;
    const upstream = (await generateSyntheticSet(db, { runId: first.id, patients: 120 })).dataset;
    createCohort(db, { ...cohortDefinition('steno2-death'), name: 'from_synthetic', dataset: upstream });
    const downstream = await train(db, { cohort: 'from_synthetic', family: 'vae', seed: 4, config: { hidden: 8, steps: 4, batchSize: 32 } });
    const set = (await generateSyntheticSet(db, { runId: downstream.runId, patients: 20 })).dataset;
    // Its own run trained without DP on synthetic patients: post-processing of run 1, whose epsilon is what it costs steno2.
    expect(planRelease(db, set)).toMatchObject({ runId: first.id, epsilon: 1, modelReleasedBefore: true, ledger: { sourceDataset: 'steno2' } });
  }, 60_000);

  it('enters exports made before it from the export audit log, with their run\'s epsilon', () => {
    const copy = openDatabase(path);
    const wanted = copy.prepare('SELECT run_id, synthetic_set, epsilon, delta, export_audit_id FROM privacy_releases ORDER BY id').all();
    // The store as version 11 left it: the exports in the audit log, no ledger.
    copy.exec('DROP TABLE privacy_releases; DROP TABLE privacy_budgets;');
    copy.pragma('user_version = 11');
    copy.close();
    const upgraded = openDatabase(path);
    expect(upgraded.prepare('SELECT run_id, synthetic_set, epsilon, delta, export_audit_id FROM privacy_releases ORDER BY id').all()).toEqual(wanted);
    upgraded.close();
  });
});
