import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { showCohort } from '../../main/cohort/cohortService.js';
import { evaluate, findSyntheticSet } from '../../main/evaluation/evaluate.js';
import { evaluationHandlers } from '../../main/evaluation/evaluationHandlers.js';
import { EVALUATION_VERSION, evaluationInputs, inputsKey, storedEvaluation } from '../../main/evaluation/storedEvaluation.js';
import { sensitiveField } from '../../main/evaluation/privacy.js';
import { exportSyntheticSet } from '../../main/export/exportSet.js';
import type { Db } from '../../main/store/database.js';
import { EvaluationRepository } from '../../main/store/repositories/evaluationRepository.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { steno2WithSyntheticSet } from '../support/fixtures.js';
import { tempDir } from '../support/store.js';

let db: Db;
let set: string;
beforeAll(async () => {
  ({ db, set } = await steno2WithSyntheticSet());
});

// The fixture's set (40 patients) is below the gate's minimum size: every export here is overridden.
const exportOnce = (name: string) => exportSyntheticSet(db, { set: name, format: 'csv', directory: tempDir(), overrideReason: 'stored-evaluation test' });
const encoding = () => showCohort(db, 'steno2_death').encoding;

describe('stored evaluations', () => {
  it('an evaluation is stored and read back equal, non-finite figures included', async () => {
    const report = await evaluate(db, set, { posthocSteps: 5 });
    const id = findSyntheticSet(db, set).id;
    const stored = storedEvaluation(db, id, evaluationInputs(encoding(), { posthocSteps: 5 }))!;
    expect(stored).toBeDefined();
    expect(stored.report).toEqual(report);
    expect(stored.evaluation).toMatchObject({ generatedAt: report.generatedAt, version: EVALUATION_VERSION });
    // A metric that could not be computed stays NaN (JSON alone would make it null).
    const na = await evaluate(db, set, { posthocSteps: 5, sensitive: 'no such variable' });
    const attribute = (r: typeof na) => r.metrics.find((m) => m.name.startsWith('attribute inference'))!.value;
    expect(attribute(na)).toBeNaN();
    expect(attribute(storedEvaluation(db, id, evaluationInputs(encoding(), { posthocSteps: 5, sensitive: 'no such variable' }))!.report)).toBeNaN();
    // Evaluating again with the same inputs replaces the stored report.
    await evaluate(db, set, { posthocSteps: 5 });
    expect(new EvaluationRepository(db).listForSet(id)).toHaveLength(2);
  });

  it('naming the default variables is the same input as naming none', () => {
    const enc = encoding();
    const defaults = evaluationInputs(enc, {});
    expect(defaults.sensitive).toBe(sensitiveField(enc)!.name);
    expect(evaluationInputs(enc, { sensitive: defaults.sensitive!, stratum: defaults.stratum! })).toEqual(defaults);
    expect(evaluationInputs(enc, { posthocSteps: 5 })).not.toEqual(defaults);
  });

  it('an export after the app evaluated the set, and a second export, reuse that evaluation', async () => {
    const { evaluate: evaluateInApp } = evaluationHandlers(db, tempDir());
    await evaluateInApp(set, undefined, undefined);
    const setId = findSyntheticSet(db, set).id;
    const made = storedEvaluation(db, setId, evaluationInputs(encoding(), {}))!.evaluation;
    const first = await exportOnce(set);
    const second = await exportOnce(set);
    for (const r of [first, second]) {
      expect(r.evaluation).toEqual({ id: made.id, generatedAt: made.generatedAt, reused: true });
      expect(readFileSync(r.dataCard.markdown, 'utf8')).toContain(`The gate acted on the evaluation made ${made.generatedAt.slice(0, 10)} `);
      expect(JSON.parse(readFileSync(r.dataCard.json, 'utf8')).privacyAudit.evaluatedAt).toBe(made.generatedAt);
    }
  });

  it('an export evaluates once, not with a report of other options or another evaluation version, and stores what it made', async () => {
    const run = findSyntheticSet(db, set).runId;
    const other = (await generateSyntheticSet(db, { runId: run, patients: 40, seed: 7 })).dataset;
    const otherId = findSyntheticSet(db, other).id;
    // Other options: shorter post-hoc models, another sensitive variable.
    const alternative = encoding().statics.find((f) => f.codec.type !== 'numeric' && f.name !== sensitiveField(encoding())!.name);
    await evaluate(db, other, { posthocSteps: 5, ...(alternative ? { sensitive: alternative.name } : {}) });
    // A report with the default inputs made by another evaluation version.
    const repo = new EvaluationRepository(db);
    const stale = repo.find({ syntheticSetId: otherId, evaluationVersion: EVALUATION_VERSION, inputsJson: repo.listForSet(otherId)[0]!.inputsJson })!;
    repo.save({ ...stale, evaluationVersion: EVALUATION_VERSION + 1, inputsJson: inputsKey(evaluationInputs(encoding(), {})) });
    const before = repo.listForSet(otherId).map((e) => e.id);

    const first = await exportOnce(other);
    expect(first.evaluation.reused).toBe(false);
    expect(before).not.toContain(first.evaluation.id);
    const second = await exportOnce(other);
    expect(second.evaluation).toEqual({ ...first.evaluation, reused: true });
    expect(repo.listForSet(otherId)).toHaveLength(before.length + 1);
  });
});
