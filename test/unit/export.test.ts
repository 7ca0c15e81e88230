import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCohort, showCohort } from '../../main/cohort/cohortService.js';
import { realPatients } from '../../main/evaluation/data.js';
import { evaluate } from '../../main/evaluation/evaluate.js';
import { privacy } from '../../main/evaluation/privacy.js';
import { exportSyntheticSet, ExportRefusedError } from '../../main/export/exportSet.js';
import { SYNTHETIC_TAG, validateFhir } from '../../main/export/fhirExport.js';
import { privacyGate } from '../../main/export/gate.js';
import { MIN_SHARE_PATIENTS } from '../../main/evaluation/verdict.js';
import { metric } from '../../main/evaluation/metric.js';
import { OMOP_DDL } from '../../main/export/omopExport.js';
import { ExportAuditRepository } from '../../main/store/repositories/exportAuditRepository.js';
import { train } from '../../main/training/engine.js';
import { importDataset } from '../../main/ingest/importer.js';
import { loadMapping } from '../../main/ingest/mapping.js';
import { generateSyntheticSet } from '../../main/training/generate.js';
import type { Db } from '../../main/store/database.js';
import { cohortDefinition } from '../support/cohorts.js';
import { freshStore, importWorkedExample, tempDir } from '../support/store.js';

let db: Db;
let setName: string;
let runId: number;
let report: Awaited<ReturnType<typeof evaluate>>;
beforeAll(async () => {
  db = freshStore().db;
  await importWorkedExample(db, 'steno2');
  createCohort(db, cohortDefinition('steno2-death'));
  const run = await train(db, { cohort: 'steno2_death', family: 'vae', config: { hidden: 12, steps: 60, batchSize: 32 } });
  runId = run.runId;
  setName = (await generateSyntheticSet(db, { runId: run.runId, patients: 90 })).dataset;
  report = await evaluate(db, setName, { posthocSteps: 40 });
});

const csvRows = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

describe('export of a synthetic set', () => {
  it('FHIR R4 NDJSON: required fields, the synthetic tag, every reference resolving', async () => {
    const r = await exportSyntheticSet(db, { set: setName, format: 'fhir', directory: tempDir(), report, overrideReason: privacyGate(report).passed ? undefined : 'test' });
    const resources = r.files.flatMap((f) => csvRows(f.path).map((l) => JSON.parse(l) as Record<string, unknown>));
    expect(validateFhir(resources)).toEqual([]);
    const count = (t: string) => resources.filter((x) => x.resourceType === t).length;
    expect(count('Patient')).toBe(90);
    const stored = db.prepare("SELECT count(*) FROM measurements m JOIN patients p ON p.id = m.patient_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ?").pluck().get(setName);
    expect(count('Observation')).toBe(stored);
    expect(resources.every((x) => (x.meta as { tag: { code: string }[] }).tag[0]!.code === SYNTHETIC_TAG.code)).toBe(true);
    // A broken reference is caught.
    expect(validateFhir([...resources, { resourceType: 'Observation', id: 'bad', meta: { tag: [SYNTHETIC_TAG] }, status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/nobody' } }])).toEqual([
      'Observation/bad: reference Patient/nobody does not resolve in the export',
    ]);
    expect(readFileSync(r.dataCard.markdown, 'utf8')).toContain('Every record in this export is synthetic');
    expect(readFileSync(r.dataCard.markdown, 'utf8')).toContain('Trained without differential privacy: the privacy audit below is the evidence.');
  });

  it('OMOP CDM v5.4: the tables load into a fresh SQLite with the DDL and pass referential checks', async () => {
    const r = await exportSyntheticSet(db, { set: setName, format: 'omop', directory: tempDir(), report, overrideReason: 'test of the OMOP tables' });
    const omop = new Database(':memory:');
    omop.pragma('foreign_keys = ON');
    omop.exec(OMOP_DDL);
    for (const table of ['person', 'observation_period', 'visit_occurrence', 'measurement', 'observation', 'condition_occurrence', 'death']) {
      const lines = csvRows(join(r.directory, `${table}.csv`));
      const header = lines[0]!.split(',');
      const insert = omop.prepare(`INSERT INTO ${table} (${header.join(',')}) VALUES (${header.map(() => '?').join(',')})`);
      omop.transaction(() => {
        for (const line of lines.slice(1)) insert.run(...line.split(',').map((v) => (v === '' ? null : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v.replace(/^"|"$/g, ''))));
      })();
    }
    expect(omop.pragma('foreign_key_check')).toEqual([]);
    expect(omop.prepare('SELECT count(*) FROM person').pluck().get()).toBe(90);
    const deaths = db.prepare("SELECT count(*) FROM outcomes o JOIN patients p ON p.id = o.patient_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ? AND o.event_type = 'death'").pluck().get(setName);
    expect(omop.prepare('SELECT count(*) FROM death').pluck().get()).toBe(deaths);
    expect(omop.prepare('SELECT count(*) FROM observation_period WHERE observation_period_end_date < observation_period_start_date').pluck().get()).toBe(0);
    expect(omop.prepare('SELECT count(*) FROM measurement m LEFT JOIN visit_occurrence v USING (visit_occurrence_id) WHERE v.person_id IS NOT m.person_id').pluck().get()).toBe(0);
  });

  it('CSV: re-importing the export (with the mapping written beside it) reproduces the synthetic set exactly', async () => {
    const r = await exportSyntheticSet(db, { set: setName, format: 'csv', directory: tempDir(), report, overrideReason: 'round-trip test' });
    const again = await importDataset(db, loadMapping(join(r.directory, 'import.mapping.json')));
    expect(again.dataset).toBe(`${setName}_reimport`);
    const dump = (dataset: string) => ({
      patients: db.prepare('SELECT source_key, index_time FROM patients p JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ? ORDER BY source_key').raw().all(dataset),
      statics: db.prepare('SELECT p.source_key, v.name, s.num, s.txt FROM static_values s JOIN patients p ON p.id = s.patient_id JOIN variables v ON v.id = s.variable_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ? ORDER BY 1, 2').raw().all(dataset),
      measurements: db.prepare('SELECT p.source_key, m.time, v.name, m.num, m.txt FROM measurements m JOIN patients p ON p.id = m.patient_id JOIN variables v ON v.id = m.variable_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ? ORDER BY 1, 2, 3').raw().all(dataset),
      events: db.prepare('SELECT p.source_key, e.time, e.type FROM events e JOIN patients p ON p.id = e.patient_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ? ORDER BY 1, 2, 3').raw().all(dataset),
      outcomes: db.prepare('SELECT p.source_key, o.followup_end, o.event_time, o.event_type FROM outcomes o JOIN patients p ON p.id = o.patient_id JOIN datasets d ON d.id = p.dataset_id WHERE d.name = ? ORDER BY 1').raw().all(dataset),
      variables: db.prepare('SELECT v.name, v.role, v.kind, v.unit FROM variables v JOIN datasets d ON d.id = v.dataset_id WHERE d.name = ? ORDER BY 1').raw().all(dataset),
    });
    const original = dump(setName);
    expect(original.measurements.length).toBeGreaterThan(100);
    expect(dump(again.dataset)).toEqual(original);
  });

  it('the privacy gate refuses a copy of the training data unless overridden, and the reason is logged', async () => {
    // The privacy part of the evaluation of a "synthetic" set that copies the training patients.
    const cohort = showCohort(db, report.cohort.name);
    const trainPatients = realPatients(db, cohort, 'train');
    const copy = privacy(trainPatients, realPatients(db, cohort, 'holdout'), trainPatients, cohort.encoding);
    const gate = privacyGate({ ...report, metrics: copy.metrics });
    expect(gate.passed).toBe(false);
    expect(gate.failures.join('\n')).toMatch(/exact copies of training patients:? 127/);
    const copied = { ...report, metrics: [...report.metrics.filter((m) => m.group !== 'privacy'), ...copy.metrics] };
    await expect(exportSyntheticSet(db, { set: setName, format: 'csv', directory: tempDir(), report: copied })).rejects.toThrow(ExportRefusedError);
    const before = new ExportAuditRepository(db).list().length;
    const r = await exportSyntheticSet(db, { set: setName, format: 'csv', directory: tempDir(), report: copied, overrideReason: 'shared only inside the study team' });
    const audit = new ExportAuditRepository(db).list();
    expect(audit).toHaveLength(before + 1);
    expect(audit.at(-1)).toMatchObject({ format: 'csv', overrideReason: 'shared only inside the study team' });
    expect(readFileSync(r.dataCard.markdown, 'utf8')).toContain('The privacy gate refused this set; exported under override: "shared only inside the study team".');
  });
});

describe('the export gate', () => {
  it('refuses a set too small to judge privacy', async () => {
    const tiny = (await generateSyntheticSet(db, { runId, patients: 1 })).dataset;
    const tinyReport = await evaluate(db, tiny, { posthocSteps: 10 });
    const gate = privacyGate(tinyReport);
    expect(gate.passed).toBe(false);
    expect(gate.failures.join('\n')).toMatch(new RegExp(`\\b1 patient\\b.*\\b${MIN_SHARE_PATIENTS}\\b`));
    await expect(exportSyntheticSet(db, { set: tiny, format: 'csv', directory: tempDir(), report: tinyReport })).rejects.toThrow(ExportRefusedError);
  });

  it('counts a privacy metric it could not compute (n/a) as failing', () => {
    const na = { ...report, metrics: report.metrics.map((m) => (m.name.startsWith('membership inference') ? { ...m, value: Number.NaN, verdict: 'n/a' as const } : m)) };
    const gate = privacyGate(na);
    expect(gate.passed).toBe(false);
    expect(gate.failures.join('\n')).toMatch(/membership inference.*(could not be computed|n\/a)/);
  });

  it('includes attribute inference', () => {
    const attribute = report.metrics.find((m) => m.name.startsWith('attribute inference'))!;
    expect(attribute).toBeDefined();
    const leaky = { ...report, metrics: report.metrics.map((m) => (m === attribute ? metric({ ...m, value: 0.25 }) : m)) };
    const gate = privacyGate(leaky);
    expect(gate.passed).toBe(false);
    // The verdict's wording is its own (evaluation/verdict.ts); the gate refuses for this metric.
    expect(gate.failures.filter((f) => f.startsWith(`attribute inference [${attribute.variable}] 0.25`))).toHaveLength(1);
  });
});

/** The numbers written with a decimal point in a piece of text, with more than 3 significant digits. */
const overPrecise = (text: string) => [...text.matchAll(/-?\d+\.\d+(?:e-?\d+)?/g)].map((m) => m[0]).filter((x) => x.replace(/^-?0*\.?0*|\.|e.*$/g, '').length > 3);
const section = (markdown: string, title: string) => markdown.split(`\n## ${title}\n`)[1]!.split('\n## ')[0]!;

describe('the data card', () => {
  it('names only its own format', async () => {
    const cards = Object.fromEntries(
      await Promise.all(
        (['csv', 'fhir', 'omop'] as const).map(async (format) => {
          const r = await exportSyntheticSet(db, { set: setName, format, directory: tempDir(), report, overrideReason: 'format test' });
          return [format, readFileSync(r.dataCard.markdown, 'utf8') + readFileSync(r.dataCard.json, 'utf8')] as const;
        }),
      ),
    );
    expect(cards.csv).toContain('import.mapping.json');
    expect(cards.csv).not.toMatch(/FHIR|HTEST|meta\.tag|OMOP|concept id/i);
    expect(cards.fhir).toContain('meta.tag HTEST');
    expect(cards.fhir).not.toMatch(/OMOP|concept id|import\.mapping/i);
    expect(cards.omop).toContain('concept ids are 0');
    expect(cards.omop).not.toMatch(/FHIR|HTEST|meta\.tag|import\.mapping/i);
  });

  it('prints figures at sensible precision', async () => {
    const r = await exportSyntheticSet(db, { set: setName, format: 'csv', directory: tempDir(), report, overrideReason: 'precision test' });
    const markdown = readFileSync(r.dataCard.markdown, 'utf8');
    for (const title of ['Evaluation', 'Privacy audit']) expect(overPrecise(section(markdown, title)), title).toEqual([]);
    const card = JSON.parse(readFileSync(r.dataCard.json, 'utf8')) as { metrics: { failing: string[] }; privacyAudit: { metrics: { value: number | null }[] } };
    expect(overPrecise(card.metrics.failing.join('\n'))).toEqual([]);
    expect(overPrecise(card.privacyAudit.metrics.map((m) => String(m.value)).join('\n'))).toEqual([]);
  });

  it('with a gate that lets the set pass, an override reason is neither used nor shown beside "passed"', async () => {
    // This quickly trained set fails many fidelity checks (unfit by their number); without them its privacy passes.
    const passing = { ...report, metrics: report.metrics.filter((m) => m.group === 'privacy' || m.verdict !== 'fail') };
    const gate = privacyGate(passing);
    expect(gate.verdict.level).not.toBe('unfit');
    const before = new ExportAuditRepository(db).list().length;
    const r = await exportSyntheticSet(db, { set: setName, format: 'csv', directory: tempDir(), report: passing, overrideReason: 'not needed' });
    const markdown = readFileSync(r.dataCard.markdown, 'utf8');
    expect(markdown.split('\n')[2]).toBe(`**${gate.verdict.line}**`);
    expect(markdown).toContain('Privacy gate: passed.');
    expect(markdown).not.toMatch(/override|not needed/i);
    expect(r.overrideReason).toBeNull();
    expect(new ExportAuditRepository(db).list().slice(before)).toMatchObject([{ overrideReason: null }]);
  });

  it('says plainly that the gate refused and the set went out under an override, never that the gate passed', async () => {
    const cohort = showCohort(db, report.cohort.name);
    const trainPatients = realPatients(db, cohort, 'train');
    const copy = privacy(trainPatients, realPatients(db, cohort, 'holdout'), trainPatients, cohort.encoding);
    const copied = { ...report, metrics: [...report.metrics.filter((m) => m.group !== 'privacy'), ...copy.metrics] };
    const r = await exportSyntheticSet(db, { set: setName, format: 'fhir', directory: tempDir(), report: copied, overrideReason: 'shared only inside the study team' });
    const markdown = readFileSync(r.dataCard.markdown, 'utf8');
    // The card opens with the verdict the gate acted on.
    expect(markdown.split('\n').slice(0, 3)).toEqual([`# Synthetic data card: ${setName}`, '', `**${r.gate.verdict.line}**`]);
    expect(r.gate.verdict.line).toMatch(/^Not fit to share: .*exact copies of training patients:? 127/);
    expect(markdown).toContain('The privacy gate refused this set; exported under override: "shared only inside the study team".');
    expect(markdown).not.toMatch(/gate passed|gate: passed|passed the privacy gate/i);
    const card = JSON.parse(readFileSync(r.dataCard.json, 'utf8')) as { verdict: { level: string }; privacyAudit: { gate: { passed: boolean }; override: { reason: string } | null } };
    expect(card.verdict.level).toBe('unfit');
    expect(card.privacyAudit).toMatchObject({ gate: { passed: false }, override: { reason: 'shared only inside the study team' } });
  });
});
