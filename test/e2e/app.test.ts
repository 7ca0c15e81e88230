import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../main/app/csp.js';
import { MAPPINGS, ROOT, tempDir } from '../support/store.js';
import { SHARED_DATASETS } from '../support/syntheticLabs.js';
import { expectPlotDrawn, launchApp, type AppUnderTest } from './bridge.js';

// The renderer in Debian's Chromium against the real services (test/e2e/bridge.ts).
let app: AppUnderTest;
beforeAll(async () => {
  app = await launchApp(join(tempDir(), 'e2e.db'));
});
afterAll(async () => {
  await app?.close();
});

describe('the app in Chromium', () => {
  it('Data: imports the shared Steno-2 files through the main-side dialog and shows the summary', async () => {
    const { page } = app;
    await expect(page.getByRole('heading', { name: 'Data' })).toBeTruthy();
    await page.getByText('No datasets yet').waitFor();
    app.dialog.next = join(MAPPINGS, 'steno2.mapping.json');
    await page.getByRole('button', { name: /Import from a mapping file/ }).click();
    await page.getByText('Imported "steno2": 160 patients, 2804 measurements, 151 warnings').waitFor({ timeout: 30_000 });
    await page.getByRole('cell', { name: 'steno2' }).first().waitFor();
    // The dataset's summary is asked for once the import has landed: wait for it, not for the import's message.
    await page.getByText(/censoring rate/i).first().waitFor({ timeout: 30_000 });
    const body = await page.locator('body').innerText();
    expect(body).toContain('a1c');
    expect(body).toMatch(/censoring rate 41\.9%/i);
    await expectPlotDrawn(page, '[aria-label$="measurements over time, events and the end of follow-up"] .main-svg');
    await app.screenshot('01-data-imported');
  });

  it('Data: imports the ICU files through the wizard (preview, inferred kinds, column roles)', async () => {
    const { page } = app;
    app.dialog.files = [join(SHARED_DATASETS, 'icu_patient.csv'), join(SHARED_DATASETS, 'icu_daily.csv')];
    await page.getByRole('button', { name: 'Choose CSV files…' }).click();
    await page.getByText('icu_patient.csv').waitFor();
    await page.getByLabel('Dataset name').fill('icu_wizard');
    await page.getByLabel('icu_patient follow-up end column').first().click();
    await page.getByRole('option', { name: 'Survdays' }).click();
    await page.getByLabel('icu_patient outcome column').first().click();
    await page.getByRole('option', { name: 'PatientDied' }).click();
    // The ICU number is a label, not a quantity.
    await page.getByLabel('icu_patient CombinedicuID kind').first().click();
    await page.getByRole('option', { name: 'categorical' }).click();
    await app.screenshot('01b-import-wizard');
    await page.getByRole('button', { name: 'Import 2 file(s)' }).click();
    await page.getByText('Imported "icu_wizard": 2000 patients, 37594 measurements').waitFor({ timeout: 30_000 });
    // The summary comes from the store process after the import's outcome: wait for it.
    await page.getByText(/censoring rate 79\.0%/).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).toMatch(/censoring rate 79\.0%/);
    await app.screenshot('01c-import-wizard-done');
  });

  it('Cohort: builds the README steno2 cohort with criteria and shows attrition, Kaplan-Meier and the split', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: '2. Cohort' }).click();
    await page.getByLabel('Dataset', { exact: true }).first().click();
    await page.getByRole('option', { name: 'steno2' }).click();
    const name = page.getByLabel('Cohort name');
    await name.fill('steno2_death');
    await page.getByLabel('Index date').first().click();
    await page.getByRole('option', { name: 'entry_date' }).click();
    await page.getByLabel('Sequence from day').fill('-90');
    await page.getByLabel('Count an outcome dated after the end of follow-up').check();
    await page.getByLabel('add a criterion').first().click();
    await page.getByRole('option', { name: 'Age at index' }).click();
    await page.getByLabel('add a criterion').first().click();
    await page.getByRole('option', { name: 'At least N visits' }).click();
    await page.getByLabel('from day', { exact: true }).fill('-90');
    await page.getByRole('button', { name: 'Create cohort' }).click();
    await page.getByText('censoring rate').first().waitFor({ timeout: 30_000 });
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/158\s+patients · 91\s+events · 0 competing · 67 censored · censoring rate 42\.4%/);
    expect(text).toMatch(/split: train 127 · holdout 31/);
    await expectPlotDrawn(page, '[aria-label^="Attrition chart"] .main-svg');
    await expectPlotDrawn(page, '[aria-label^="Kaplan-Meier curve"] .main-svg');
    await app.screenshot('02-cohort-created');
  });

  it('Time: previews one patient before and after encoding, irregular and on a grid', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: '3. Time' }).click();
    await page.getByLabel('Cohort', { exact: true }).first().click();
    await page.getByRole('option', { name: 'steno2_death@1' }).click();
    await page.getByText(/decoded back:/).waitFor({ timeout: 20_000 });
    expect(await page.locator('body').innerText()).toMatch(/\d+ step\(s\) · 14 channels per step · decoded back: identical/);
    await expectPlotDrawn(page, '[aria-label$="measurements over time, events and the end of follow-up"] .main-svg');
    await app.screenshot('03-time-irregular');
    await page.getByText('Regular grid').click();
    await page.getByLabel('Bin width (days)').fill('365');
    await page.getByText(/channels per step/).waitFor();
    await page.waitForFunction(() => /13 channels per step/.test((globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText), undefined, { timeout: 20_000 });
    expect(await page.locator('body').innerText()).toMatch(/decoded back: identical/);
    await app.screenshot('03-time-grid');
  });

  it('Train: trains a small VAE with live losses, then generates synthetic patients', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: '4. Train' }).click();
    await page.getByLabel('Cohort', { exact: true }).first().click();
    await page.getByRole('option', { name: 'steno2_death@1' }).click();
    await page.getByLabel('Steps').fill('60');
    await page.getByLabel('Hidden units').fill('12');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByText('Run 1 completed.').waitFor({ timeout: 60_000 });
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/vae: step 60 of 60 · \d+ ms\/step · ETA/);
    expect(text).toMatch(/backend (wasm|cpu|tensorflow|tensorflow-gpu|webgpu) on /);
    await expectPlotDrawn(page, '[aria-label="Training losses by step"] .main-svg');
    await app.screenshot('04-train-completed');
    await page.getByLabel('Patients to generate').fill('80');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText('Generated 80 synthetic patients as "steno2_death_vae_r1_s1"').waitFor({ timeout: 30_000 });
    // The run learnt the cohort's conditions by default: a set of women only, asked for with the condition form.
    await page.getByLabel('Condition on').first().click();
    await page.getByRole('option', { name: 'sex', exact: true }).click();
    await page.getByLabel('level').first().click();
    await page.getByRole('option', { name: 'F', exact: true }).click();
    await page.getByRole('button', { name: 'Add clause' }).click();
    expect(await page.getByTestId('condition-clauses').innerText()).toContain('sex=F');
    await page.getByLabel('Patients to generate').fill('30');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Generated 30 synthetic patients as "steno2_death_vae_r1_s2" \(\d+ measurements\)\. Every one meets sex = F: 30 of \d+ drafts did \(the model was told sex\)/).waitFor({ timeout: 30_000 });
    // Women again, half in each arm.
    await page.getByLabel('Balance on').first().click();
    await page.getByRole('option', { name: 'arm', exact: true }).click();
    await page.getByLabel('Patients to generate').fill('20');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Generated 20 synthetic patients as "steno2_death_vae_r1_s3" .*Every one meets sex = F: 20 of \d+ drafts did .*\. Balanced on arm: Conv 10, Int 10\./).waitFor({ timeout: 30_000 });
  });

  it('Evaluate: opens the report of the generated set', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: '5. Evaluate' }).click();
    await page.getByLabel('Synthetic set').first().click();
    await page.getByRole('option', { name: 'steno2_death_vae_r1_s1' }).click();
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByText(/Discriminative score/).waitFor({ timeout: 90_000 });
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/\d+ pass/i);
    expect(text).toMatch(/Train 127 · holdout 31 · synthetic 80/);
    expect(text).toContain('membership inference AUC');
    await expectPlotDrawn(page, '[aria-label="Kaplan-Meier curves of real and synthetic patients"] .main-svg');
    // Survival by a stratum the steward picks: the first categorical static (arm), then sex.
    await expectPlotDrawn(page, '[aria-label^="Kaplan-Meier curves of real and synthetic patients with arm = "] .main-svg');
    await page.getByLabel('Survival by').first().click();
    await page.getByRole('option', { name: 'sex', exact: true }).click();
    await page.locator('[aria-label="Kaplan-Meier curves of real and synthetic patients with sex = F"] .main-svg').first().waitFor({ timeout: 90_000 });
    // The Fairness section: the worst subgroup, its chart, and subgroups too small to judge listed as such.
    await page.getByText('Fairness: subgroups').waitFor();
    const fairness = await page.locator('body').innerText();
    expect(fairness).toMatch(/Worst subgroup .+ = .+: subgroup .+ \d\.\d{3} \(pass ≤ [\d.]+; holdout against train [\d.]*\), (PASS|WARN|FAIL)\./);
    expect(fairness).toMatch(/too small to judge: (\d+|fewer than 5) holdout patients \(fewer than 20\)/);
    await expectPlotDrawn(page, '[aria-label="Subgroup measures as multiples of their pass line, synthetic and holdout"] .main-svg');
    // The timeline viewer shows a synthetic and a real patient side by side.
    await page.getByText('steno2_death_vae_r1_s1, patient SYN-000001').first().waitFor();
    await page.getByText('steno2, patient 1').first().waitFor();
    await app.screenshot('05-evaluate-report');
  });

  it('Evaluate: judges a set of women only against the real women', async () => {
    const { page } = app;
    await page.getByLabel('Synthetic set').first().click();
    await page.getByRole('option', { name: 'steno2_death_vae_r1_s2' }).click();
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByTestId('evaluation-condition').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('evaluation-condition').innerText()).toMatch(/^Condition: every synthetic patient is to meet sex = F; 100\.0% do\. The model was told sex; \d+\.\d% of its drafts met it \(the rest were discarded\)\. Every measure compares with the real patients who meet it\.$/);
    expect(await page.locator('body').innerText()).toMatch(/Train \d+ · holdout \d+ · synthetic 30\. Every part compares with the real patients who meet sex = F/);
  });

  it('Review: a scripted reviewer answers a blinded session with the keyboard and sees the results', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: '6. Review' }).click();
    await page.getByLabel('Synthetic set').first().click();
    await page.getByRole('option', { name: 'steno2_death_vae_r1_s1' }).click();
    // Every case from one subgroup: the men.
    await page.getByLabel('Cases from').first().click();
    await page.getByRole('option', { name: 'sex = M', exact: true }).click();
    await page.getByRole('button', { name: 'New session (10 blinded cases)' }).click();
    await page.getByLabel('Reviewer').fill('dr-scripted');
    await page.getByRole('button', { name: 'Start or resume' }).click();
    await page.getByRole('heading', { name: 'Case 1' }).waitFor();
    await app.screenshot('06-review-case');
    for (let i = 1; i <= 10; i++) {
      await page.getByRole('heading', { name: `Case ${i}`, exact: true }).waitFor();
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press(i % 2 ? 'KeyS' : 'KeyR');
      await page.keyboard.press('Digit4');
      await page.keyboard.press('Enter');
    }
    await page.getByText('Results of session 1 (cases of sex = M)').waitFor({ timeout: 20_000 });
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/10 cases \(5 real, 5 synthetic\)/);
    expect(text).toMatch(/dr-scripted\s+10\s+\d+\.\d%/);
    await app.screenshot('06-review-results');
  });

  it('Train: a VAE trained with differential privacy shows the epsilon it spends, live and in the run list', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: '4. Train' }).click();
    await page.getByLabel('Cohort', { exact: true }).first().click();
    await page.getByRole('option', { name: 'steno2_death@1' }).click();
    await page.getByLabel('Train with differential privacy').check();
    await page.getByLabel('Epsilon', { exact: true }).fill('5');
    // The cohort built in the app declares no public facts: at 127 patients, estimating them all would drown them in noise.
    await page.getByText('This run would be refused').waitFor();
    expect(await page.locator('body').innerText()).toMatch(/estimating the encoding's 21 undeclared facts privately adds noise of \d+ patients to every count/);
    // The steward declares them from a file (the facts the bundled definition declares).
    const facts = join(tempDir(), 'steno2-facts.json');
    writeFileSync(facts, JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'resources/cohorts/steno2-death.cohort.json'), 'utf8')).public));
    app.dialog.publicFacts = facts;
    await page.getByRole('button', { name: 'Public facts from a file…' }).click();
    await page.getByText(/21 of the encoding's facts declared public in steno2-facts\.json \(the Steno-2 protocol as published/).waitFor();
    expect(await page.getByTestId('facts-plan').innerText()).toContain('Estimated privately from a tenth of the budget: only the values the output heads hold exactly.');
    expect(await page.getByText('This run would be refused').count()).toBe(0);
    // A TimeGAN trains privately too: the setting stays, and the plan is made for its own schedule.
    await page.getByLabel('Model', { exact: true }).first().click();
    await page.getByRole('option', { name: 'TimeGAN-family GAN' }).click();
    expect(await page.getByLabel('Train with differential privacy').isChecked()).toBe(true);
    await page.getByText(/21 of the encoding's facts declared public in steno2-facts\.json/).waitFor();
    await page.getByLabel('Model', { exact: true }).first().click();
    await page.getByRole('option', { name: 'Sequential VAE' }).click();
    await page.getByLabel('Steps').fill('20');
    await page.getByLabel('Hidden units').fill('12');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByText('Run 2 completed.').waitFor({ timeout: 60_000 });
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/vae: step 20 of 20 · .* · epsilon spent (4\.\d\d|5\.00) · \d+ patients this step, \d+% clipped/);
    // The run list is read again when the run ends: it then shows what the run spent.
    await page.getByText(/ε (4\.\d\d|5\.00) of 5/).waitFor();
    await app.screenshot('04b-train-private');
    await page.getByLabel('Patients to generate').fill('30');
    await page.getByRole('row', { name: /^2 steno2_death@1/ }).getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Generated 30 synthetic patients as "steno2_death_vae_r2_s1"/).waitFor({ timeout: 30_000 });
  });

  it('Export: writes FHIR with its data card past the privacy gate', async () => {
    const { page } = app;
    app.dialog.folder = tempDir();
    await page.getByRole('tab', { name: '7. Export' }).click();
    await page.getByLabel('Synthetic set').first().click();
    await page.getByRole('option', { name: 'steno2_death_vae_r1_s1' }).click();
    await page.getByLabel('Format').first().click();
    await page.getByRole('option', { name: 'FHIR R4 (NDJSON)' }).click();
    await page.getByLabel('Override reason').fill('end-to-end test export');
    await page.getByRole('button', { name: 'Export…' }).click();
    await page.getByText(/Exported to .*steno2_death_vae_r1_s1\.fhir/).waitFor({ timeout: 60_000 });
    expect(await page.locator('body').innerText()).toMatch(/Patient\.ndjson\s+80 rows/);
    expect(await page.locator('body').innerText()).toMatch(/Privacy ledger: This set's model \(run 1\): trained without differential privacy \(no bound\)\. Released from dataset steno2, this export included: no bound: steno2_death_vae_r1_s1 came from a model trained without differential privacy; no budget set\./);
    await app.screenshot('07-export');
  });

  it("Export: shows the dataset's privacy ledger, and asks for a reason to pass the budget set there", async () => {
    const { page } = app;
    app.dialog.folder = tempDir();
    await page.getByLabel('Synthetic set').first().click();
    await page.getByRole('option', { name: 'steno2_death_vae_r2_s1' }).click();
    await page.getByText(/This set's model \(run 2\) has ε 5 \(δ 0\.00001\)/).waitFor();
    expect(await page.getByRole('table', { name: 'privacy ledger releases' }).innerText()).toMatch(/steno2_death_vae_r1_s1\s+1\s+no DP/);
    await page.getByLabel('Epsilon budget of this dataset').fill('8');
    await page.getByRole('button', { name: 'Set budget' }).click();
    // The set released before came from a model without differential privacy: no bound, past any budget.
    await page.getByText("This export would pass the dataset's budget").waitFor();
    await page.getByLabel('Reason for passing the budget').fill('approved by the data protection officer');
    await page.getByRole('button', { name: 'Export…' }).click();
    await page.getByText(/Exported to .*steno2_death_vae_r2_s1\.fhir/).waitFor({ timeout: 60_000 });
    expect(await page.locator('body').innerText()).toContain('budget epsilon 8, passed under override: "approved by the data protection officer".');
    await app.screenshot('07b-export-ledger');
  });

  it('Train: starts a run from another run\'s weights, showing the channel matching first and marking where fine-tuning began', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: '4. Train' }).click();
    await page.getByLabel('Cohort', { exact: true }).first().click();
    await page.getByRole('option', { name: 'steno2_death@1' }).click();
    await page.getByLabel('Start from', { exact: true }).first().click();
    await page.getByRole('option', { name: /^run 1 · steno2_death@1 · vae/ }).click();
    // The same cohort: every channel matches, shown before anything trains.
    await page.getByTestId('channel-matching').waitFor();
    expect(await page.getByTestId('channel-matching').innerText()).toMatch(/Channels of run 1 matched to this cohort's: \d+ channels matched, 0 new, 0 dropped[\s\S]*matched\s+step\s+a1c/);
    expect(await page.getByLabel('Hidden units').isDisabled()).toBe(true);
    await page.getByLabel('Steps').fill('10');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByText('Run 3 completed.').waitFor({ timeout: 60_000 });
    await page.getByText('Losses, fine-tuning from run 1').waitFor();
    await page.getByText(/from run 1 \(steno2_death, step [\d,]+\)/).waitFor();
    await page.getByRole('row', { name: /^3 steno2_death@1 vae \(from run 1\)/ }).waitFor();
    await app.screenshot('04c-train-from-run');
  });

  it('refuses a malformed call at the contract, as main does', async () => {
    // window.api answers every call with a Reply (renderer/api.ts turns an error reply into a thrown ApiError).
    const reply = await app.page.evaluate(async () => (globalThis as unknown as { api: { inspectDataset: (x: unknown) => Promise<{ ok: boolean; error?: { code: string; message: string } }> } }).api.inspectDataset(42));
    const error = reply.ok ? 'accepted' : reply.error!.message;
    expect(reply.error?.code).toBe('invalid-call');
    expect(error).toMatch(/datasets:inspect: invalid arguments: argument 0: Invalid input: expected string, received number/);
  });

  it('runs under the strict Content-Security-Policy: no unsafe-eval, no inline script, no network', async () => {
    const meta = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    const policy = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(meta)![1]!;
    for (const csp of [policy, CONTENT_SECURITY_POLICY]) {
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("default-src 'none'");
    }
    // Evaluation from the test harness itself bypasses the page's CSP, so probe from the page:
    // an injected inline script must not run, and the browser must report the violation.
    const verdicts = await app.page.evaluate(async () => {
      const g = globalThis as unknown as { document: { createElement: (t: string) => { textContent: string }; head: { appendChild: (n: unknown) => void }; addEventListener: (e: string, f: (ev: { violatedDirective: string }) => void) => void }; __inlineRan?: boolean };
      const violations: string[] = [];
      g.document.addEventListener('securitypolicyviolation', (ev) => violations.push(ev.violatedDirective));
      const script = g.document.createElement('script');
      script.textContent = 'globalThis.__inlineRan = true';
      g.document.head.appendChild(script);
      let fetched = 'allowed';
      try {
        await fetch('https://example.org/');
      } catch {
        fetched = 'blocked';
      }
      await new Promise((r) => setTimeout(r, 100));
      return { inline: g.__inlineRan ? 'ran' : 'blocked', fetch: fetched, violations: [...new Set(violations)].sort() };
    });
    expect(verdicts).toEqual({ inline: 'blocked', fetch: 'blocked', violations: ['connect-src', 'script-src-elem'] });
  });
});
