import { createWriteStream, readFileSync } from 'node:fs';
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
  const units: Record<string, string> = { a1c: 'mmol/mol', chol: 'mmol/L', crea: 'umol/L' };
  const names = Object.keys(labs);
  const labsPerVisit = names.length;
  // Either 24 visits each, or a given number of patients with about rows / (3 x patients) visits each and deaths.
  const meanVisits = options.patients ? rows / (labsPerVisit * options.patients) : 24;
  const patients = options.patients ?? Math.ceil(rows / (labsPerVisit * meanVisits));
  const withDeaths = options.patients !== undefined;
  const visitsOf = () => (withDeaths ? Math.floor(meanVisits) + (random() < meanVisits - Math.floor(meanVisits) + 0.01 ? 1 : 0) : meanVisits);
  const day0 = Date.UTC(1993, 0, 1) / 86_400_000;
  const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

  const patientsPath = join(dir, 'bench_patients.csv');
  const p = createWriteStream(patientsPath);
  p.write(withDeaths ? '"id","sex","entry","end","death"\n' : '"id","sex","entry","end"\n');
  const entries: number[] = [];
  for (let i = 1; i <= patients; i++) {
    const entry = day0 + Math.floor(random() * 720);
    entries.push(entry);
    const sex = random() < 0.7 ? 'M' : 'F';
    if (!withDeaths) p.write(`${i},"${sex}",${iso(entry)},${iso(entry + 6000)}\n`);
    else {
      // About a third die, after their visits (visits span at most ~2,000 days).
      const death = random() < 0.35 ? entry + 2000 + Math.floor(random() * 4000) : null;
      p.write(`${i},"${sex}",${iso(entry)},${iso(death ?? entry + 6000)},${death === null ? 'NA' : iso(death)}\n`);
    }
  }
  p.end();
  await once(p, 'finish');

  const labsPath = join(dir, 'bench_labs.csv');
  const out = createWriteStream(labsPath, { highWaterMark: 1 << 20 });
  out.write('"id","date","variable","value","unit"\n');
  let written = 0;
  let buffer = '';
  for (let id = 1; id <= patients && written < rows; id++) {
    let day = entries[id - 1]!;
    const visits = visitsOf();
    for (let v = 0; v < visits && written < rows; v++) {
      day += 7 + Math.floor(random() * 230); // irregular gaps, one week to eight months
      for (const name of names) {
        if (written >= rows) break;
        const values = labs[name]!;
        const value = values[Math.floor(random() * values.length)]!;
        buffer += `${id},${iso(day)},"${name}",${value},"${units[name]}"\n`;
        written++;
      }
      if (buffer.length > 1 << 20) {
        if (!out.write(buffer)) await once(out, 'drain');
        buffer = '';
      }
    }
  }
  out.write(buffer);
  out.end();
  await once(out, 'finish');

  const mappingPath = join(dir, 'bench.mapping.json');
  const mapping = {
    dataset: 'bench_labs',
    time: { basis: 'calendar' },
    files: [
      { path: patientsPath, id: 'id', patients: true, index: 'entry', static: ['sex'], followUp: withDeaths ? { end: 'end', event: 'death' } : { end: 'end' } },
      { path: labsPath, id: 'id', measurements: { layout: 'long', time: 'date', variable: 'variable', value: 'value', unit: 'unit' } },
    ],
  };
  const m = createWriteStream(mappingPath);
  m.end(JSON.stringify(mapping, null, 2));
  await once(m, 'finish');
  return { patientsPath, labsPath, mappingPath, rows: written, patients };
}
