import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCohort } from '../../main/cohort/cohortService.js';
import { storeHandlers } from '../../main/ipc/storeHandlers.js';
import { CohortSequenceRepository } from '../../main/store/repositories/cohortSequenceRepository.js';
import { train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { contract } from '../../preload/contract.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample, tempDir } from '../support/store.js';

describe('the Evaluate step (app)', () => {
  it('opens with the share verdict and lists the closest training patients by row number, which the report files never hold', async () => {
    const { db } = freshStore();
    await importWorkedExample(db, 'icu');
    const cohort = createCohort(db, cohortDefinition('icu-death', { split: { holdout: 0.4, seed: 3 } }));
    const run = await train(db, { cohort: cohort.name, family: 'vae', config: { hidden: 8, steps: 20, batchSize: 32 } });
    const set = await generateSyntheticSet(db, { runId: run.runId, patients: 60 });
    const reports = tempDir();
    const api = storeHandlers(db, () => {}, reports);
    const view = contract.evaluate.result.parse(await api.evaluate(set.dataset, 'sex', undefined));
    expect(view.verdict.line).toMatch(/^(Fit to share|Share with caution|Not fit to share)/);
    expect(view.closest).toHaveLength(20);
    // Row numbers of the store, which differ from the ICU source ids (CombinedID 1110 onward).
    const members = new CohortSequenceRepository(db).members(cohort.id, 'train');
    const rows = new Set(members.map((m) => m.patientId));
    const sourceIds = new Set(members.map((m) => m.sourceKey));
    for (const c of view.closest) expect(rows.has(c.row)).toBe(true);
    expect(view.closest.filter((c) => sourceIds.has(String(c.row))).length).toBeLessThan(view.closest.length);
    const json = readFileSync(view.reportPaths.json, 'utf8');
    const html = readFileSync(view.reportPaths.html, 'utf8');
    expect(json).not.toMatch(/"(patient|risk|closest|row)"/);
    expect(html).not.toMatch(/closest training patients/i);
    expect(json).toContain(JSON.stringify(view.verdict.line));
    // Survival by a stratum: the choices to pick from, and per level both curves on the grid.
    expect(view.strata.choices.length).toBeGreaterThan(0);
    expect(view.strata.variable).toBe(view.strata.choices[0]);
    expect(view.strata.levels.length).toBeGreaterThan(0);
    for (const l of view.strata.levels) {
      expect(l.real.length).toBeGreaterThan(0);
      expect(l.real.every((p) => p.atRisk >= 5)).toBe(true);
    }
  });
});
