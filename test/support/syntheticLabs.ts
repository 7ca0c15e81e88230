import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Rng } from '../../main/common/rng.js';

/** The shared clinical data sets, beside the repository (see DEVELOPERS.md). */
export const SHARED_DATASETS = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets');

/** The project's seeded PRNG, so generated files are the same on every run. */
export function rng(seed: number): () => number {
  const stream = new Rng(seed);
  return () => stream.next();
}

/** A file written through a buffer of about 1 MiB, waiting for the stream to drain. */
class BufferedFile {
  private readonly out: WriteStream;
  private buffer = '';

  constructor(path: string, header = '') {
    this.out = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.buffer = header;
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length > 1 << 20) {
      if (!this.out.write(this.buffer)) await once(this.out, 'drain');
      this.buffer = '';
    }
  }

  async close(): Promise<void> {
    this.out.end(this.buffer);
    await once(this.out, 'finish');
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const f = new BufferedFile(path, JSON.stringify(value, null, 2));
  await f.close();
}

/** Observed values of the Steno-2 labs (st2clin.csv), resampled to make real-shaped lab values. */
function stenoLabValues(): Record<string, number[]> {
  const lines = readFileSync(join(SHARED_DATASETS, 'st2clin.csv'), 'utf8').trim().split('\n').slice(1);
  const labs: Record<string, number[]> = { a1c: [], chol: [], crea: [] };
  for (const line of lines) {
    const [, , a1c, chol, crea] = line.split(',');
    for (const [k, v] of [['a1c', a1c], ['chol', chol], ['crea', crea]] as const) {
      const n = Number(v);
      if (v !== 'NA' && Number.isFinite(n)) labs[k]!.push(n);
    }
  }
  return labs;
}

const LAB_UNITS: Record<string, string> = { a1c: 'mmol/mol', chol: 'mmol/L', crea: 'umol/L' };

/** An ISO date from days since 1970-01-01. */
const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** The long-format lab file: its header, one row (quoted as R's write.csv quotes) and its mapping. */
const LAB_HEADER = '"id","date","variable","value","unit"\n';
const labRow = (id: number, date: string, name: string, value: number) => `${id},${date},"${name}",${value},"${LAB_UNITS[name]}"\n`;
const LONG_LABS = { layout: 'long', time: 'date', variable: 'variable', value: 'value', unit: 'unit' } as const;

export interface LabFiles {
  patientsPath: string;
  labsPath: string;
  mappingPath: string;
  rows: number;
  patients: number;
}

/**
 * Writes a patient file and a long-format lab file (id, date, variable, value,
 * unit; quoted as R's write.csv quotes) whose values are resampled from
 * Steno-2's labs, with irregular visit gaps, plus a mapping for them.
 */
export async function writeLabFiles(dir: string, rows: number, seed = 7, options: { patients?: number } = {}): Promise<LabFiles> {
  const random = rng(seed);
  const labs = stenoLabValues();
  const names = Object.keys(labs);
  const labsPerVisit = names.length;
  // Either 24 visits each, or a given number of patients with about rows / (3 x patients) visits each and deaths.
  const meanVisits = options.patients ? rows / (labsPerVisit * options.patients) : 24;
  const patients = options.patients ?? Math.ceil(rows / (labsPerVisit * meanVisits));
  const withDeaths = options.patients !== undefined;
  const visitsOf = () => (withDeaths ? Math.floor(meanVisits) + (random() < meanVisits - Math.floor(meanVisits) + 0.01 ? 1 : 0) : meanVisits);
  const day0 = Date.UTC(1993, 0, 1) / 86_400_000;

  const patientsPath = join(dir, 'bench_patients.csv');
  const p = new BufferedFile(patientsPath, withDeaths ? '"id","sex","entry","end","death"\n' : '"id","sex","entry","end"\n');
  const entries: number[] = [];
  for (let i = 1; i <= patients; i++) {
    const entry = day0 + Math.floor(random() * 720);
    entries.push(entry);
    const sex = random() < 0.7 ? 'M' : 'F';
    if (!withDeaths) await p.write(`${i},"${sex}",${iso(entry)},${iso(entry + 6000)}\n`);
    else {
      // About a third die, after their visits (visits span at most ~2,000 days).
      const death = random() < 0.35 ? entry + 2000 + Math.floor(random() * 4000) : null;
      await p.write(`${i},"${sex}",${iso(entry)},${iso(death ?? entry + 6000)},${death === null ? 'NA' : iso(death)}\n`);
    }
  }
  await p.close();

  const labsPath = join(dir, 'bench_labs.csv');
  const out = new BufferedFile(labsPath, LAB_HEADER);
  let written = 0;
  for (let id = 1; id <= patients && written < rows; id++) {
    let day = entries[id - 1]!;
    const visits = visitsOf();
    for (let v = 0; v < visits && written < rows; v++) {
      day += 7 + Math.floor(random() * 230); // irregular gaps, one week to eight months
      for (const name of names) {
        if (written >= rows) break;
        const values = labs[name]!;
        const value = values[Math.floor(random() * values.length)]!;
        await out.write(labRow(id, iso(day), name, value));
        written++;
      }
    }
  }
  await out.close();

  const mappingPath = join(dir, 'bench.mapping.json');
  await writeJson(mappingPath, {
    dataset: 'bench_labs',
    time: { basis: 'calendar' },
    files: [
      { path: patientsPath, id: 'id', patients: true, index: 'entry', static: ['sex'], followUp: withDeaths ? { end: 'end', event: 'death' } : { end: 'end' } },
      { path: labsPath, id: 'id', measurements: LONG_LABS },
    ],
  });
  return { patientsPath, labsPath, mappingPath, rows: written, patients };
}

/** Dates of a Steno-2 record (ISO), or null for NA/NaN/empty. */
const dayOf = (s: string | undefined) => (s && /^\d{4}-\d\d-\d\d$/.test(s) ? Date.parse(s) / 86_400_000 : null);

/** One Steno-2 patient as a template: age at entry, sex, and its events as shares of its follow-up. */
interface StenoTemplate {
  sex: string;
  ageYears: number;
  events: { type: string; share: number }[];
}

/** The Albuminuria states of st2alb.csv, as the diagnosis each transition records. */
const ALBUMINURIA: Record<string, string> = { Norm: 'normoalbuminuria', Mic: 'microalbuminuria', Mac: 'macroalbuminuria' };

/** Steno-2's patients (steno2.csv, st2alb.csv): each a template of age, sex and event history. */
function stenoTemplates(): StenoTemplate[] {
  const rows = (file: string) => readFileSync(join(SHARED_DATASETS, file), 'utf8').trim().split('\n').map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
  const [head, ...patients] = rows('steno2.csv');
  const col = (name: string) => head!.indexOf(name);
  const alb = new Map<string, { day: number; state: string }[]>();
  for (const [id, date, state] of rows('st2alb.csv').slice(1)) {
    const day = dayOf(date);
    if (day !== null && ALBUMINURIA[state!]) alb.set(id!, [...(alb.get(id!) ?? []), { day, state: state! }]);
  }
  return patients.map((r) => {
    const base = dayOf(r[col('doBase')])!;
    const span = Math.max(1, dayOf(r[col('doEnd')])! - base);
    const events: { type: string; share: number }[] = [];
    const add = (type: string, day: number | null) => {
      if (day !== null) events.push({ type, share: Math.min(1, Math.max(0, (day - base) / span)) });
    };
    for (const c of ['doCVD1', 'doCVD2', 'doCVD3']) add('CVD', dayOf(r[col(c)]));
    add('ESRD', dayOf(r[col('doESRD')]));
    for (const t of alb.get(r[col('id')]!) ?? []) add(ALBUMINURIA[t.state]!, t.day);
    return { sex: r[col('sex')]!, ageYears: (base - dayOf(r[col('doBth')])!) / 365.25, events };
  });
}

/** Days between consecutive clinical visits of one Steno-2 patient (st2clin.csv): the shape of real visit gaps. */
function stenoVisitGaps(): number[] {
  const byPatient = new Map<string, number[]>();
  for (const line of readFileSync(join(SHARED_DATASETS, 'st2clin.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [id, date] = line.split(',');
    const day = dayOf(date);
    if (day !== null) byPatient.set(id!, [...(byPatient.get(id!) ?? []), day]);
  }
  const gaps: number[] = [];
  for (const days of byPatient.values()) {
    days.sort((a, b) => a - b);
    for (let i = 1; i < days.length; i++) if (days[i]! > days[i - 1]!) gaps.push(days[i]! - days[i - 1]!);
  }
  return gaps;
}

/** BMI of the ICU cohort (icu_patient.csv): a right-skewed numeric static. */
function icuBmi(): number[] {
  const [head, ...lines] = readFileSync(join(SHARED_DATASETS, 'icu_patient.csv'), 'utf8').trim().split('\n');
  const at = head!.split(',').indexOf('"BMI"');
  return lines.map((l) => Number(l.split(',')[at])).filter((x) => Number.isFinite(x) && x > 10 && x < 80);
}

/** Shape of the cohort of issue 14 per 17,000 patients: ~400,000 lab rows and ~35,000 typed events. */
export const SCALE_SHAPE = { patients: 17_000, labRows: 400_000, events: 35_000 } as const;

export interface CohortFiles {
  patientsPath: string;
  labsPath: string;
  eventsPath: string;
  mappingPath: string;
  /** The dataset the mapping names. */
  dataset: string;
  summary: CohortSummary;
}

/** What was written, to check it is shaped like a real extract. */
export interface CohortSummary {
  patients: number;
  labRows: number;
  /** Lab rows repeated verbatim (the same row twice in the extract). */
  exactDuplicates: number;
  /** A second, different value of the same lab for the same patient and day. */
  repeatedMeasurements: number;
  /** Lab rows per patient: quantiles (the skew: a few patients hold many rows). */
  labRowsPerPatient: { p10: number; p50: number; p90: number; p99: number; max: number };
  eventsByType: Record<string, number>;
  events: number;
  /** Deaths: the outcome (others are censored). */
  deaths: number;
  /** Follow-up from the index date to death or censoring, in days. */
  followUpDays: { p10: number; p25: number; p50: number; p75: number; p90: number };
  /** Share of patients whose records start more than 10 years before their index date. */
  historyOver10Years: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/**
 * A population cohort shaped like a hospital extract, from the shared data's
 * distributions (seeded): patients (sex and age at entry of a resampled
 * Steno-2 patient, BMI of the ICU cohort with some missing), a long-format lab
 * file (Steno-2 lab values with a little measurement noise; visits per patient
 * log-normal, so a few patients hold many rows; Steno-2's visit gaps stretched
 * over each record; not every lab at every visit; rows repeated verbatim and
 * re-measured the same day), and an event file with one typed event per row
 * (CVD, ESRD and albuminuria transitions of the resampled Steno-2 patient,
 * placed at the same shares of this patient's record). Records start up to 15
 * years before the index date (an entry between 2008 and 2012) and run to
 * death or censoring (the end of 2020, or earlier when lost to follow-up).
 * Death is the outcome, rare (about 6%): its hazard rises with age, CVD and ESRD.
 * Lab rows and events scale with `patients` as in SCALE_SHAPE.
 */
export async function writeCohortFiles(dir: string, options: { patients?: number; seed?: number } = {}): Promise<CohortFiles> {
  const patients = options.patients ?? SCALE_SHAPE.patients;
  const random = rng(options.seed ?? 14);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const labs = stenoLabValues();
  const templates = stenoTemplates();
  const gaps = stenoVisitGaps();
  const bmi = icuBmi();

  // Not every lab at every visit; a few rows repeated. Visits per patient log-normal (sigma 0.9)
  // with the mean that gives SCALE_SHAPE's rows per patient.
  const labShare: Record<string, number> = { a1c: 0.95, chol: 0.75, crea: 0.85 };
  const DUPLICATE = 0.02;
  const REMEASURED = 0.005;
  const rowsPerVisit = Object.values(labShare).reduce((a, b) => a + b, 0) * (1 + DUPLICATE + REMEASURED);
  const meanVisits = SCALE_SHAPE.labRows / SCALE_SHAPE.patients / rowsPerVisit;
  const SIGMA = 0.9;
  const mu = Math.log(meanVisits) - (SIGMA * SIGMA) / 2;
  // Each template event is kept with this chance, for SCALE_SHAPE's events per patient
  // (events after death are lost; 0.98 makes up for them).
  const templateEvents = templates.reduce((n, t) => n + t.events.length, 0) / templates.length;
  const keepEvent = SCALE_SHAPE.events / SCALE_SHAPE.patients / templateEvents / 0.98;
  const decimals: Record<string, number> = { a1c: 1, chol: 1, crea: 0 };
  const noisy = (name: string) => {
    const v = pick(labs[name]!) * (1 + 0.03 * normal());
    return Number(v.toFixed(decimals[name]));
  };

  const day = (y: number, m = 1, d = 1) => Date.UTC(y, m - 1, d) / 86_400_000;
  const EXTRACT_END = day(2020, 12, 31);
  const patientsPath = join(dir, 'scale_patients.csv');
  const labsPath = join(dir, 'scale_labs.csv');
  const eventsPath = join(dir, 'scale_events.csv');
  const pf = new BufferedFile(patientsPath, '"id","sex","birth_date","bmi","entry","end","death"\n');
  const lf = new BufferedFile(labsPath, LAB_HEADER);
  const ef = new BufferedFile(eventsPath, '"id","date","type"\n');
  const s: CohortSummary = {
    patients,
    labRows: 0,
    exactDuplicates: 0,
    repeatedMeasurements: 0,
    labRowsPerPatient: { p10: 0, p50: 0, p90: 0, p99: 0, max: 0 },
    eventsByType: {},
    events: 0,
    deaths: 0,
    followUpDays: { p10: 0, p25: 0, p50: 0, p75: 0, p90: 0 },
    historyOver10Years: 0,
  };
  const rowsPerPatient: number[] = [];
  const followUps: number[] = [];
  for (let id = 1; id <= patients; id++) {
    const t = pick(templates);
    const entry = day(2008) + Math.floor(random() * 5 * 365);
    const age = Math.max(18.5, t.ageYears + 3 * normal());
    const birth = entry - Math.round(age * 365.25);
    // A quarter new to the hospital (records from the last year), the rest up to 15 years back.
    const history = random() < 0.25 ? Math.floor(random() * 365) : 365 + Math.floor(random() * 14 * 365);
    const start = entry - history;
    if (history > 3650) s.historyOver10Years++;
    // A fifth lost to follow-up before the extract.
    let end = random() < 0.2 ? entry + 30 + Math.floor(random() * (EXTRACT_END - entry - 30)) : EXTRACT_END;
    // The template's events, thinned, at the same shares of this record.
    const events = t.events.filter(() => random() < keepEvent).map((e) => ({ type: e.type, day: start + Math.round(e.share * (end - start)) }));
    const risk = 0.06 * (age - 57) + (t.events.some((e) => e.type === 'CVD') ? 0.8 : 0) + (t.events.some((e) => e.type === 'ESRD') ? 1.2 : 0);
    const yearsToDeath = -Math.log(Math.max(random(), 1e-12)) / (0.0035 * Math.exp(risk));
    let death: number | null = null;
    if (entry + yearsToDeath * 365.25 < end) {
      death = entry + Math.max(1, Math.round(yearsToDeath * 365.25));
      end = death;
      s.deaths++;
    }
    followUps.push(end - entry);
    const sex = random() < 0.03 ? '' : t.sex; // a few without sex recorded
    const b = random() < 0.04 ? 'NA' : pick(bmi).toFixed(1);
    await pf.write(`${id},"${sex}",${iso(birth)},${b},${iso(entry)},${iso(end)},${death === null ? 'NA' : iso(death)}\n`);

    // Visits: Steno-2 gaps, stretched so that the visits fill most of the record.
    const visits = Math.max(1, Math.round(Math.exp(mu + SIGMA * normal())));
    const steps = Array.from({ length: visits }, () => pick(gaps));
    const total = steps.reduce((a, b) => a + b, 0);
    const stretch = ((end - start) * (0.6 + 0.4 * random())) / total;
    let visit = start + Math.floor(random() * Math.max(1, (end - start) - total * stretch));
    let rows = 0;
    for (let v = 0; v < visits; v++) {
      for (const name of Object.keys(labShare)) {
        if (random() >= labShare[name]!) continue;
        const row = labRow(id, iso(visit), name, noisy(name));
        await lf.write(row);
        rows++;
        if (random() < DUPLICATE) {
          await lf.write(row);
          rows++;
          s.exactDuplicates++;
        } else if (random() < REMEASURED) {
          await lf.write(labRow(id, iso(visit), name, noisy(name)));
          rows++;
          s.repeatedMeasurements++;
        }
      }
      visit += Math.max(1, Math.round(steps[v]! * stretch));
      if (visit >= end) break;
    }
    s.labRows += rows;
    rowsPerPatient.push(rows);
    for (const e of events.filter((e) => e.day <= end).sort((a, b) => a.day - b.day)) {
      await ef.write(`${id},${iso(e.day)},"${e.type}"\n`);
      s.eventsByType[e.type] = (s.eventsByType[e.type] ?? 0) + 1;
      s.events++;
    }
  }
  await Promise.all([pf.close(), lf.close(), ef.close()]);
  rowsPerPatient.sort((a, b) => a - b);
  followUps.sort((a, b) => a - b);
  s.labRowsPerPatient = { p10: quantile(rowsPerPatient, 0.1), p50: quantile(rowsPerPatient, 0.5), p90: quantile(rowsPerPatient, 0.9), p99: quantile(rowsPerPatient, 0.99), max: rowsPerPatient.at(-1) ?? 0 };
  s.followUpDays = { p10: quantile(followUps, 0.1), p25: quantile(followUps, 0.25), p50: quantile(followUps, 0.5), p75: quantile(followUps, 0.75), p90: quantile(followUps, 0.9) };

  const dataset = 'scale_cohort';
  const mappingPath = join(dir, 'scale.mapping.json');
  await writeJson(mappingPath, {
    dataset,
    description: `Scale benchmark cohort (issue 14): ${patients} patients shaped from Steno-2 and the ICU cohort, seeded.`,
    time: { basis: 'calendar' },
    files: [
      {
        path: patientsPath,
        id: 'id',
        patients: true,
        index: 'entry',
        static: { sex: {}, birth_date: {}, bmi: { unit: 'kg/m2' } },
        followUp: { end: 'end', event: 'death', eventType: 'death' },
      },
      { path: labsPath, id: 'id', measurements: LONG_LABS },
      { path: eventsPath, id: 'id', eventRows: { time: 'date', type: 'type' } },
    ],
  });
  return { patientsPath, labsPath, eventsPath, mappingPath, dataset, summary: s };
}
