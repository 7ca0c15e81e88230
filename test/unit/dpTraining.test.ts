import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { exportSyntheticSet } from '../../main/export/exportSet.js';
import { privacyGate } from '../../main/export/gate.js';
import { epsilonSpent } from '../../main/privacy/rdpAccountant.js';
import { storedConfig } from '../../main/training/config.js';
import { factsMechanisms } from '../../main/training/privacyConfig.js';
import { resume, train } from '../../main/training/engine.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import { describeSetCondition } from '../../main/training/setCondition.js';
import { TrainingRepository } from '../../main/store/repositories/trainingRepository.js';
import type { Db } from '../../main/store/database.js';
import { steno2CohortStore } from '../support/cohorts.js';
import { tempDir } from '../support/store.js';

let db: Db;
beforeAll(async () => {
  db = (await steno2CohortStore()).db;
}, 60_000);

const request = { cohort: 'steno2_death', family: 'vae' as const, seed: 7, config: { hidden: 12, steps: 24, batchSize: 32, privacy: { epsilon: 3 } }, checkpointEvery: 8 };

/** A set's data card, as a CSV export (past the gate, or by override) writes it. */
async function exportedCard(dataset: string): Promise<string> {
  const report = await evaluate(db, dataset, { posthocSteps: 10 });
  const exported = await exportSyntheticSet(db, { set: dataset, format: 'csv', directory: tempDir(), report, overrideReason: privacyGate(report).passed ? undefined : 'test' });
  return readFileSync(exported.dataCard.markdown, 'utf8');
}

/** Two runs of a request give the same losses, and one stopped after `stopAt` steps and resumed gives the rest of them. */
async function expectReproducibleAndResumable(req: Parameters<typeof train>[1], stopAt: number): Promise<void> {
  const repo = new TrainingRepository(db);
  const whole = await train(db, req);
  const again = await train(db, req);
  expect(repo.losses(again.runId).map((l) => l.losses)).toEqual(repo.losses(whole.runId).map((l) => l.losses));
  let step = 0;
  const stopped = await train(db, req, { onProgress: (p) => (step = p.step), shouldStop: () => step >= stopAt });
  expect(repo.run(stopped.runId)).toMatchObject({ status: 'cancelled', step: stopAt });
  await resume(db, stopped.runId);
  const a = repo.losses(whole.runId);
  const b = repo.losses(stopped.runId);
  expect(b.map((l) => l.step)).toEqual(a.map((l) => l.step));
  for (let s = stopAt; s < a.length; s++) expect(b[s]!.losses, `step ${s + 1}`).toEqual(Object.fromEntries(Object.entries(a[s]!.losses).map(([k, v]) => [k, expect.closeTo(v, 4)])));
}

const gan = { cohort: 'steno2_death', family: 'timegan' as const, seed: 5, config: { hidden: 8, embeddingSteps: 6, supervisedSteps: 4, jointSteps: 6, batchSize: 32, privacy: { epsilon: 3 } }, checkpointEvery: 4 };

describe('a TimeGAN run trained with differential privacy', () => {
  it('spends its budget over all three phases, each step one release, and generates', async () => {
    const run = await train(db, gan);
    const repo = new TrainingRepository(db);
    const { config } = storedConfig(repo.run(run.runId)!.configJson);
    expect(config.privacy).toMatchObject({ epsilon: 3, delta: 1e-5, clip: 1, sampleRate: 32 / 127, steps: 16 });
    const { sigma, sampleRate } = config.privacy!;
    const losses = repo.losses(run.runId);
    expect(losses.map((l) => l.phase)).toEqual([...Array(6).fill('embedding'), ...Array(4).fill('supervised'), ...Array(6).fill('joint')]);
    expect(losses.at(-1)!.losses.epsilon).toBeCloseTo(epsilonSpent([...factsMechanisms(config.privacy!.facts), { q: sampleRate, sigma, steps: 16 }], 1e-5), 10);
    expect(losses.at(-1)!.losses.epsilon).toBeGreaterThan(2.99);
    // The joint steps: the generator learns from generated patients only; the discriminator's part on them is exact, not noised.
    for (const l of losses.slice(10)) expect(Object.keys(l.losses)).toEqual(expect.arrayContaining(['generator', 'adversarial', 'discriminatorGenerated', 'patients', 'clipped']));
    const set = await generateSyntheticSet(db, { runId: run.runId, patients: 40 });
    expect(set.patients).toBe(40);
    // Its data card says how a private TimeGAN learns (not the VAE's words), beside the guarantee.
    const card = await exportedCard(set.dataset);
    expect(card).toContain('no patient is read outside the budget. Every update of its embedder, recovery, supervisor and discriminator that reads a patient is a private step (one release a step); its generator learns only through them');
    expect(card).toContain('Generation reads no training patient beyond the model (noise drawn into its generator).');
    expect(card).not.toContain('latent patients drawn from its prior');
  }, 120_000);

  it('is reproducible from its seed and resumes exactly where it stopped, in any phase', async () => {
    // Stopped in the joint phase (after the checkpoint at step 12), resumed from it.
    await expectReproducibleAndResumable(gan, 13);
  }, 180_000);
});

describe('a VAE run trained with differential privacy', () => {
  it('solves its noise for the budget, spends it exactly over its steps, stores what binds it, and generates', async () => {
    const run = await train(db, request);
    const repo = new TrainingRepository(db);
    const { config } = storedConfig(repo.run(run.runId)!.configJson);
    // 127 training patients: delta 1e-5 (below 1/12,700), batches of 32 as a sampling rate, clip 1.
    expect(config.privacy).toMatchObject({ epsilon: 3, delta: 1e-5, clip: 1, sampleRate: 32 / 127, steps: 24 });
    const { sigma, sampleRate } = config.privacy!;
    // The steps composed with the release of the encoding's points (the one fact the definition cannot declare: which values are exact).
    expect(config.privacy!.facts).toMatchObject({ releases: 1, selectionDelta: 0 });
    const spent = (steps: number) => epsilonSpent([...factsMechanisms(config.privacy!.facts), { q: sampleRate, sigma, steps }], 1e-5);
    expect(spent(24)).toBeLessThanOrEqual(3);
    expect(spent(24)).toBeGreaterThan(2.99);
    const losses = repo.losses(run.runId);
    expect(losses).toHaveLength(24);
    // Epsilon spent grows step by step to the budget; each step drew a Poisson batch of patients.
    const eps = losses.map((l) => l.losses.epsilon!);
    eps.slice(1).forEach((e, i) => expect(e).toBeGreaterThan(eps[i]!));
    expect(eps.at(-1)).toBeCloseTo(spent(24), 10);
    const drawn = losses.map((l) => l.losses.patients!);
    expect(new Set(drawn).size).toBeGreaterThan(1);
    expect(drawn.reduce((a, b) => a + b, 0) / drawn.length).toBeGreaterThan(20);
    expect(drawn.reduce((a, b) => a + b, 0) / drawn.length).toBeLessThan(44);
    const set = await generateSyntheticSet(db, { runId: run.runId, patients: 60 });
    expect(set.patients).toBe(60);
    // Under a condition a private model is told the condition's own levels alone: sex = F, one level, told;
    // age >= 60 leaves several age bands, so it is met by discarding drafts, and nothing is told of it.
    const women = await generateSyntheticSet(db, { runId: run.runId, patients: 20, condition: { where: ['sex=F', 'age>=60'] } });
    expect(women.condition).toMatchObject({ modelled: ['sex'], accepted: 20 });
    // Nor are its training patients who meet a condition counted: no figure of them is stored or shown.
    expect(women.condition!.trainingPatients).toBeNull();
    expect(describeSetCondition(women.condition!)).toContain('Every patient meets sex = F and age at index >= 60 (a private model: its training patients who do were not counted).');
    const bySex = await generateSyntheticSet(db, { runId: run.runId, patients: 30, balance: { attribute: 'sex' } });
    expect(bySex.condition!.balance!.levels.map((l) => l.patients)).toEqual([15, 15]);
    expect(bySex.condition!.trainingPatients).toBeNull();
    // Its data card says what the guarantee is, what it covers, and where each of the encoding's facts came from
    // (the cohort definition declares them all public, so none was estimated and the budget is the steps').
    const card = await exportedCard(set.dataset);
    expect(card).toMatch(
      /Trained with differential privacy \(DP-SGD\): \(epsilon 3, delta 0\.00001\) over 24 steps, each patient in a step's batch with probability 0\.252, gradients clipped to 1, noise multiplier [\d.]+\. The guarantee covers the training steps, the encoding and output heads, and what generation reads: of the encoding's 21 facts, 21 declared public \(the Steno-2 protocol as published .*\); estimated privately: which values \d+ output heads hold exactly \(\d+ hold some\)( and where \d+ heads' other bins are cut)?, by 1 Gaussian release \(noise [\d.]+, a tenth of the budget\); no patient is read outside the budget\./,
    );
    expect(card).toContain('| a1c range | 20 to 200 | declared public |');
    expect(card).toContain('| albuminuria levels | Norm, Mic, Mac | declared public |');
    expect(card).toContain('| time decimals | 0 | declared public |');
    expect(card).toMatch(/\| a1c values held exactly \| [^|]+ \| estimated privately \|/);
  }, 120_000);

  it('is reproducible from its seed and resumes exactly where it stopped', async () => {
    await expectReproducibleAndResumable(request, 11);
  }, 180_000);

  it('refuses what it cannot keep private or cannot do yet', async () => {
    await expect(train(db, { ...request, config: { ...request.config, privacy: { epsilon: 3 }, stopping: {} } })).rejects.toThrow('A private run cannot stop on a validation loss');
    await expect(train(db, { cohort: 'steno2_death', family: 'timegan', config: { steps: 3, conditions: ['sex'], privacy: { epsilon: 3 } } })).rejects.toThrow('A private TimeGAN cannot be conditioned (on sex)');
    await expect(train(db, { ...request, config: { ...request.config, privacy: { epsilon: 3, delta: 0.01 } } })).rejects.toThrow('delta 0.01 is not below 1/127');
    await expect(train(db, { ...request, config: { ...request.config, privacy: { epsilon: -1 } } })).rejects.toThrow('epsilon is the privacy budget, a number above 0');
    await expect(train(db, { ...request, config: { ...request.config, steps: 100000, privacy: { epsilon: 1e-6 } } })).rejects.toThrow(/the budget is too small\. Raise epsilon/);
  }, 60_000);
});
