import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { MAPPINGS, ROOT, tempDir } from '../support/store.js';

const bin = join(ROOT, 'build/bin/synthehr.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('synthehr CLI (the package bin)', () => {
  it('imports both worked examples and inspects them', () => {
    const db = join(tempDir(), 'cli.db');
    const steno = run('import', '--db', db, '--mapping', join(MAPPINGS, 'steno2.mapping.json'));
    expect(steno.status).toBe(0);
    expect(steno.stdout).toContain('Imported dataset "steno2"');
    expect(steno.stdout).toContain('patients 160, measurements 2,804, events 346, outcomes 160');
    expect(run('import', '--db', db, '--mapping', join(MAPPINGS, 'icu.mapping.json')).status).toBe(0);

    const list = execFileSync(process.execPath, [bin, 'datasets', '--db', db], { encoding: 'utf8' });
    expect(list).toMatch(/1 +steno2 +calendar +160 +2,804 +346/);
    expect(list).toMatch(/2 +icu +relative +2,000 +37,594 +0/);

    const inspect = run('inspect', 'steno2', '--db', db).stdout;
    expect(inspect).toMatch(/a1c +measurement +numeric +mmol\/mol +746 /);
    expect(inspect).toContain('Outcome: 160 patients with follow-up; events death: 93; censoring rate 41.9%');
    expect(inspect).toMatch(/Visits per patient: min 1, median 9/);
    const json = JSON.parse(run('inspect', 'icu', '--db', db, '--json').stdout);
    expect(json.dataset.patients).toBe(2000);
  });

  it('creates, lists and shows cohorts and previews an encoded patient (README worked example)', () => {
    const db = join(tempDir(), 'cli.db');
    expect(run('import', '--db', db, '--mapping', join(MAPPINGS, 'steno2.mapping.json')).status).toBe(0);
    const definition = join(ROOT, 'resources/cohorts/steno2-death.cohort.json');
    const created = run('cohort', 'create', '--db', db, '--definition', definition);
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/4 +at least 2 clinical visits from 90 days before entry +2 +158/);
    expect(created.stdout).toContain('158 patients: 91 events, 0 competing, 67 censored; censoring rate 42.4%');
    expect(created.stdout).toMatch(/Kaplan-Meier estimate \(death; competing events censored\)/);
    expect(created.stdout).toMatch(/10 y +116 +73\.4% +65\.8% - 79\.6%/);
    expect(created.stdout).toContain('Stored as steno2_death@1');
    expect(run('cohort', 'create', '--db', db, '--definition', definition).stdout).toContain('(unchanged: same definition, same patients)');
    expect(run('cohort', 'list', '--db', db).stdout).toMatch(/1 +steno2_death +1 +steno2 +158 +127 +31/);
    expect(JSON.parse(run('cohort', 'show', 'steno2_death@1', '--db', db, '--json').stdout).outcome.events).toBe(91);

    // Patient 3: index 1993-05-17 (doBase), a visit on 1993-05-11 (6 days before), death counted at doEnd 2001-08-21.
    const irregular = run('encode', 'steno2_death', '--preview', '3', '--db', db);
    expect(irregular.status).toBe(0);
    expect(irregular.stdout).toContain('Outcome: death at day 3,018 (2001-08-21)');
    expect(irregular.stdout).toMatch(/1 +1993-05-11 +-6 +73 +5\.6 +68 +\./);
    expect(irregular.stdout).toContain('Decoded back: identical to the timeline');
    const grid = run('encode', 'steno2_death', '--preview', '3', '--mode', 'grid', '--bin', '365', '--carry-forward', '--db', db);
    expect(grid.stdout).toMatch(/Timeline, grid of 365-day bins with carry-forward: 9 step/);
    expect(grid.stdout).toMatch(/1 +1993-02-16 +-90 +73 +5\.6 +68 +Mic/);
    expect(grid.stdout).toContain('Decoded back: identical to the binned timeline');

    const notMember = run('encode', 'steno2_death', '--preview', '999', '--db', db);
    expect(notMember.status).toBe(1);
    expect(notMember.stderr).toContain('Patient "999" is not in cohort "steno2_death@1"');
  });

  it('runs the demo on the bundled cohort, timing each stage', () => {
    const db = join(tempDir(), 'demo.db');
    const demo = run('demo', '--db', db);
    expect(demo.status).toBe(0);
    for (const stage of ['import', 'inspect', 'cohort', 'train \\(vae, default configuration\\)', 'generate', 'evaluate', 'export csv']) {
      expect(demo.stdout).toMatch(new RegExp(`\\[demo\\] ${stage}: \\d+\\.\\d\\d s`));
    }
    expect(demo.stdout).toContain('Cohort "demo_death" version 1');
    expect(demo.stdout).toContain(`[demo] store: ${db}`);
    expect(demo.stdout).toMatch(/\[demo\] headline: discriminative score [\d.]+; next-visit error TSTR [\d.]+ \/ TRTR [\d.]+; C-index TSTR [\d.]+ \/ TRTR [\d.]+; membership-inference AUC [\d.]+; DCR share [\d.]+/);
    const reportPath = /\[demo\] report: (.*\.html)/.exec(demo.stdout)![1]!;
    expect(existsSync(reportPath)).toBe(true);
    const exportDir = /\[demo\] export: (\S+) \(patients\.csv 158 rows, measurements\.csv \d+ rows, events\.csv \d+ rows, outcomes\.csv 158 rows\)/.exec(demo.stdout)![1]!;
    expect(readFileSync(join(exportDir, 'measurements.csv'), 'utf8').split('\n')[0]).toBe('patient,date,variable,value,unit');
    // Like any export: past the gate, with its data card.
    const card = /\[demo\] data card: (\S+DATA_CARD\.md)/.exec(demo.stdout)![1]!;
    expect(card.startsWith(exportDir)).toBe(true);
    expect(readFileSync(card, 'utf8')).toContain('# Synthetic data card');
  }, 240_000); // a full default training run: a guard against a hang, not a speed check

  // The evaluated report, for the Chromium check after it.
  let written: { html: string; report: any } | undefined;

  it('evaluates a synthetic set and writes its report', async () => {
    const dir = tempDir();
    const db = join(dir, 'eval.db');
    expect(run('import', '--db', db, '--mapping', join(MAPPINGS, 'steno2.mapping.json')).status).toBe(0);
    expect(run('cohort', 'create', '--db', db, '--definition', join(ROOT, 'resources/cohorts/steno2-death.cohort.json')).status).toBe(0);
    expect(run('train', 'steno2_death', '--steps', '40', '--hidden', '12', '--db', db).status).toBe(0); // the default family: vae
    expect(run('generate', '1', '--patients', '80', '--db', db).status).toBe(0);
    const evaluated = run('evaluate', 'steno2_death_vae_r1_s1', '--db', db, '--out', join(dir, 'reports'), '--sensitive', 'sex');
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/privacy +membership inference AUC \(distance to closest synthetic\) +[\d.]+ +0\.500 +<= 0\.6 +(PASS|WARN|FAIL)/);
    expect(evaluated.stdout).toMatch(/Data: train 127 \(what the model saw\), holdout 31 \(never seen; the baseline\), synthetic 80/);
    const html = join(dir, 'reports', 'steno2_death_vae_r1_s1.report.html');
    expect(evaluated.stdout).toContain(html);
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'steno2_death_vae_r1_s1.report.json'), 'utf8'));
    expect(report.metrics.length).toBeGreaterThan(30);
    written = { html, report };
    // That evaluation (stored 1) guessed sex, not the default sensitive variable: the export's gate evaluates with the
    // defaults and stores that (2); a second export reuses it.
    const exportAs = (format: string) => run('export', 'steno2_death_vae_r1_s1', '--format', format, '--out', join(dir, 'exports'), '--override', 'CLI test', '--db', db);
    const first = exportAs('csv');
    expect(first.status, first.stderr).toBe(0);
    const made = /The gate acted on the evaluation made (\S+) \(stored evaluation 2, made for this export\)/.exec(first.stdout)?.[1];
    expect(made, first.stdout).toBeDefined();
    expect(exportAs('fhir').stdout).toContain(`The gate acted on the evaluation made ${made} (stored evaluation 2, reused)`);
  }, 240_000); // train, generate, evaluate and export: a guard against a hang, not a speed check

  it('starts a run from another run, printing the channel matching and what it carried over', () => {
    const dir = tempDir();
    const db = join(dir, 'transfer.db');
    expect(run('import', '--db', db, '--mapping', join(MAPPINGS, 'steno2.mapping.json')).status).toBe(0);
    const definition = JSON.parse(readFileSync(join(ROOT, 'resources/cohorts/steno2-death.cohort.json'), 'utf8'));
    expect(run('cohort', 'create', '--db', db, '--definition', join(ROOT, 'resources/cohorts/steno2-death.cohort.json')).status).toBe(0);
    writeFileSync(join(dir, 'int.json'), JSON.stringify({ ...definition, name: 'steno2_int', criteria: [...definition.criteria, { type: 'static', variable: 'arm', in: ['Int'], label: 'intensive arm' }] }));
    expect(run('cohort', 'create', '--db', db, '--definition', join(dir, 'int.json')).status).toBe(0);
    expect(run('train', 'steno2_death', '--steps', '30', '--hidden', '12', '--db', db).status).toBe(0);
    const warm = run('train', 'steno2_int', '--from', '1', '--steps', '5', '--db', db);
    expect(warm.status, warm.stderr).toBe(0);
    expect(warm.stdout).toContain('Starting from run 1 (cohort steno2_death, its weights at step 30): 18 channels matched, 1 new, 0 dropped');
    expect(warm.stdout).toContain('  new      statics  arm: levels Int here, Conv, Int in the source');
    expect(warm.stdout + warm.stderr).toMatch(/carried over [\d,]+ of the [\d,]+ weight entries of run 1 \(\d+%\)/);
    const wrong = run('train', 'steno2_int', '--from', '1', '--hidden', '16', '--db', db);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('The run to start from has hidden 12; a run that starts from its weights keeps it (asked: 16).');
  }, 120_000);

  it('generates patients who meet a condition, and a set balanced on an attribute; refuses what it cannot', () => {
    const dir = tempDir();
    const db = join(dir, 'cond.db');
    expect(run('import', '--db', db, '--mapping', join(MAPPINGS, 'steno2.mapping.json')).status).toBe(0);
    expect(run('cohort', 'create', '--db', db, '--definition', join(ROOT, 'resources/cohorts/steno2-death.cohort.json')).status).toBe(0);
    const wrong = run('train', 'steno2_death', '--steps', '20', '--condition', 'height', '--db', db);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('"height" is not an attribute this cohort can be conditioned on. It can be: arm, sex, baseCVD, deathCVD, age band at index, outcome status.');
    expect(run('train', 'steno2_death', '--steps', '200', '--db', db).status).toBe(0);
    const women = run('generate', '1', '--patients', '40', '--where', 'sex=F', '--outcome', 'censored', '--db', db);
    expect(women.status, women.stderr).toBe(0);
    expect(women.stdout).toMatch(/Every patient meets sex = F and censored \(\d+ training patients do\)\. Kept 40 of \d+ drafts \([\d.]+%; the model was told sex, outcome status\)/);
    const arms = run('generate', '1', '--patients', '41', '--balance', 'arm', '--db', db);
    expect(arms.status, arms.stderr).toBe(0);
    expect(arms.stdout).toContain('Balanced on arm: Conv 21 (target 50.0%), Int 20 (target 50.0%).');
    const none = run('generate', '1', '--patients', '10', '--where', 'sex=F', '--where', 'age>=70', '--db', db);
    expect(none.status).toBe(1);
    expect(none.stderr).toBe('synthehr: No patient in the training split of cohort steno2_death meets sex = F and age at index >= 70: there is no one to learn such patients from. Loosen the condition.\n');
    const loose = run('generate', '1', '--patients', '10', '--target', 'F=1', '--db', db);
    expect(loose.status).toBe(2);
    expect(loose.stderr).toContain('--target gives the shares of --balance');
    // Nothing was written by the refusals: two sets, as generated above.
    expect(run('datasets', '--db', db).stdout.match(/steno2_death_vae_r1_s\d/g)).toEqual(['steno2_death_vae_r1_s1', 'steno2_death_vae_r1_s2']);
  }, 240_000); // train and generate three times: a guard against a hang, not a speed check

  it('trains a VAE with differential privacy, saying what binds it and what it does not cover', () => {
    const db = join(tempDir(), 'dp.db');
    expect(run('import', '--db', db, '--mapping', join(MAPPINGS, 'steno2.mapping.json')).status).toBe(0);
    expect(run('cohort', 'create', '--db', db, '--definition', join(ROOT, 'resources/cohorts/steno2-death.cohort.json')).status).toBe(0);
    const trained = run('train', 'steno2_death', '--steps', '4', '--hidden', '8', '--epsilon', '3', '--clip', '0.5', '--db', db);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(
      /Differential privacy: epsilon 3 at delta 0\.00001 over 4 steps; each patient in a step's batch with probability 0\.504, its gradient clipped to 0\.5, noise [\d.]+ x that\. The guarantee covers the training steps, the encoding and output heads, and what generation reads: of the encoding's 21 facts, 21 declared public \(the Steno-2 protocol/,
    );
    expect(trained.stderr).toMatch(/step 4\/4, .*epsilon 2\.99\d/);
    expect(run('runs', '--db', db).stdout).toMatch(/4\/4 +epsilon (2\.99|3) of 3 /);
    // Generated, exported: the data card carries epsilon and the ledger; the ledger lists the release.
    expect(run('generate', '1', '--patients', '40', '--db', db).status).toBe(0);
    const out = tempDir();
    const exported = run('export', 'steno2_death_vae_r1_s1', '--format', 'csv', '--out', out, '--override', 'a test of the ledger', '--db', db);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('Privacy ledger of steno2: epsilon 3 over 1 model (delta 1.0e-5)');
    const card = readFileSync(join(out, 'steno2_death_vae_r1_s1.csv', 'DATA_CARD.md'), 'utf8');
    expect(card).toContain('Trained with differential privacy (DP-SGD): (epsilon 3, delta 0.00001) over 4 steps');
    expect(card).toContain("## Privacy ledger\nThis set's model (run 1): epsilon 3, delta 0.00001. Released from dataset steno2, this export included: epsilon 3 over 1 model (delta 1.0e-5); no budget set.");
    expect(run('ledger', '--db', db).stdout).toMatch(/steno2_death_vae_r1_s1 +1 +3 +0\.00001 +1\n/);
    const loose = run('train', 'steno2_death', '--delta', '1e-6', '--db', db);
    expect(loose.status).toBe(2);
    expect(loose.stderr).toContain('--delta, --clip and --public go with --epsilon E');
    // Facts declared in a file replace the definition's: too few for 127 patients at epsilon 3 is refused before a run is made, naming what to declare.
    const facts = join(tempDir(), 'facts.json');
    writeFileSync(facts, JSON.stringify({ source: 'a test', values: { a1c: { range: [20, 200] } } }));
    const few = run('train', 'steno2_death', '--epsilon', '3', '--public', facts, '--db', db);
    expect(few.status).toBe(1);
    expect(few.stderr).toMatch(/estimating the encoding's 20 undeclared facts privately adds noise of \d+ patients to every count, and 127 training patients need it below 13\. Declare them public \(synthehr train --public FILE; see README, "Public facts"\): index_date \(range\), birth_date \(range\)/);
    writeFileSync(facts, JSON.stringify({ source: 'a test', values: { a1cc: { range: [20, 200] } } }));
    const typo = run('train', 'steno2_death', '--epsilon', '3', '--public', facts, '--db', db);
    expect(typo.status).toBe(1);
    expect(typo.stderr).toContain('values.a1cc: the cohort has no numeric or date variable (or index_date, gap, follow_up, end, length) of that name; it has index_date, birth_date');
    expect(run('runs', '--db', db).stdout.match(/^ *\d+ +steno2_death/gm)).toHaveLength(1);
  }, 120_000);

  it.skipIf(!existsSync('/usr/bin/chromium'))('the report draws every chart in Chromium, offline (needs Debian\'s Chromium)', () => {
    expect(written, 'the evaluation above failed').toBeDefined();
    const { html, report } = written!;
    // Offline, no server: the page must draw from the file alone.
    const dump = spawnSync('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=20000', '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 60_000 });
    const drawn = /data-charts-drawn="(\d+)"/.exec(dump.stdout)?.[1];
    const c = report.clinical;
    const expected =
      1 + (c.survivalByStratum?.levels.length ?? 0) + (c.coxEffects.length ? 1 : 0) + (c.eventRates.length ? 1 : 0) + c.trajectories.length +
      report.fidelity.numeric.length + report.fidelity.categorical.length + 2 + (report.fidelity.correlation.variables.length ? 2 : 0) + (report.detection.features.length ? 1 : 0) + 1 +
      (report.subgroups.rows.some((g: { judged: boolean; metrics: { verdict: string }[] }) => g.judged && g.metrics.some((m) => m.verdict !== 'n/a')) ? 1 : 0);
    expect(Number(drawn)).toBe(expected);
    expect((dump.stdout.match(/class="main-svg"/g) ?? []).length).toBeGreaterThanOrEqual(expected);
  }, 90_000); // Chromium's virtual time and start-up: a guard against a hang

  it('explains failures without a stack trace', () => {
    const db = join(tempDir(), 'cli.db');
    openDatabase(db).close(); // an empty store (the CLI itself never makes one: see cliSafety.test.ts)
    const missing = run('inspect', 'nope', '--db', db);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('synthehr: No dataset "nope" in this store. The store is empty: import one first.\n');
    const usage = run('import', '--db', db);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('import needs --mapping FILE');
    expect(run('--help').stdout).toContain('synthehr import --mapping FILE');
  });
});
