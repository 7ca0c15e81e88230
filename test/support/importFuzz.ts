import { rng } from './syntheticLabs.js';
import { joinLines, quoteCell, renderLines, type CsvStyle, type Table } from './fuzzCsv.js';

/*
 * Generator of small, real-shaped import cases (a patient file and a wide visit
 * file), each with at most one defect, and what the import must then do:
 * store exactly the data below, or refuse naming file, line and column.
 */

export interface ExpectedPatient {
  key: string;
  sex: string;
  age?: number;
  born?: number;
  /** Index time, or undefined when it defaults (first record, calendar; 0, relative). */
  index?: number;
  end: number;
  event: number | null;
  visits: { time: number; crea?: number; stage?: string }[];
}

export type Expected =
  | { verdict: 'imported'; relative: boolean; patients: ExpectedPatient[]; kinds: Record<string, string>; warnings: Record<string, number> }
  | { verdict: 'refused'; file: string; line?: number; column?: string; rule: RegExp }
  | { verdict: 'mapping'; rule: RegExp };

export interface FuzzCase {
  seed: number;
  /** The defect (or "none"), for the verdict table. */
  mutation: string;
  files: Record<string, string | Buffer>;
  /** Names to create as directories instead of files. */
  directories: string[];
  mapping: Record<string, unknown>;
  expect: Expected;
}

const DAY = 86_400_000;
const STAGES = ['I', 'II', 'III', 'IV', 'IV, b', 'II "x"'];
const MUTATIONS = [
  'none', 'none', 'text-in-numeric', 'bad-value-missing', 'infinite', 'overflow', 'bad-date', 'old-year', 'future-year',
  'two-digit-year', 'duplicate-header', 'nul-byte', 'not-utf8', 'end-before-index', 'ragged-row', 'unknown-patient', 'empty-id',
  'unclosed-quote', 'declared-binary', 'missing-column', 'yy-without-pivot', 'bad-time-zone', 'directory', 'bad-offset',
] as const;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const dayOf = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / DAY;

export function fuzzCase(seed: number): FuzzCase {
  const r = rng(seed * 7919 + 17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const relative = r() < 0.2;
  const withIndex = r() < 0.7;
  const dateFormat = relative ? 'iso' : pick(['iso', 'iso', 'dd/MM/yyyy', 'dd/MM/yy'] as const);
  const timeMode = relative || dateFormat !== 'iso' ? 'date' : pick(['date', 'date', 'offset', 'naive-utc', 'naive-kolkata'] as const);
  const missing = pick(['NA', '']);
  const style = (): CsvStyle => ({ quote: pick(['none', 'text', 'all'] as const), eol: pick(['\n', '\r\n'] as const), bom: r() < 0.2, finalNewline: r() < 0.8 });
  const styleP = style();
  const styleV = style();

  const fmtDate = (day: number, year?: number): string => {
    const d = new Date(day * DAY);
    const y = year ?? d.getUTCFullYear();
    // Another year for the same day: 29 February becomes the 28th, so the cell is still a real date.
    const dd = pad(year !== undefined && d.getUTCMonth() === 1 && d.getUTCDate() === 29 ? 28 : d.getUTCDate());
    const mm = pad(d.getUTCMonth() + 1);
    if (dateFormat === 'dd/MM/yyyy') return `${dd}/${mm}/${pad(y, 4)}`;
    if (dateFormat === 'dd/MM/yy') return `${dd}/${mm}/${pad(y % 100)}`;
    return `${pad(y, 4)}-${mm}-${dd}`;
  };
  const offsetText = (minutes: number) =>
    minutes === 0 ? pick(['Z', '+00:00']) : `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}${pick([':', ''])}${pad(Math.abs(minutes) % 60)}`;

  // Patients and their visits: visits fall between the index and two days before the end, so nothing is warned about.
  // Years run from 1925 (births) to 2021 (ends), inside the two-digit window from 1925.
  const nPatients = int(3, 7);
  const numericIds = r() < 0.5;
  const patients: ExpectedPatient[] = [];
  const pRows: string[][] = [];
  const visitCells: { patient: number; cells: Record<string, string>; visit: number }[] = [];
  for (let i = 0; i < nPatients; i++) {
    const key = numericIds ? String(1000 + i * 7) : `P${pad(i + 1, 3)}`;
    const start = relative ? (withIndex ? int(0, 5) : 0) : int(dayOf(1990, 1, 1), dayOf(2015, 12, 31));
    const end = start + (relative ? int(10, 60) : int(30, 2000));
    const died = r() < 0.4;
    const ageText = (40 + r() * 50).toFixed(1);
    const born = relative ? undefined : int(dayOf(1925, 1, 1), dayOf(1970, 12, 31));
    const p: ExpectedPatient = { key, sex: pick(['M', 'F']), age: Number(ageText), born, index: withIndex ? start : undefined, end, event: died ? end : null, visits: [] };
    patients.push(p);
    const offsets = new Set<number>();
    const k = int(2, 4);
    while (offsets.size < k) offsets.add(relative ? int(0, (end - start - 1) * 2) / 2 : int(0, end - start - 2));
    for (const off of [...offsets].sort((a, b) => a - b)) {
      const forced = visitCells.length < 2; // the first two visits have every value: the columns' kinds never hinge on the defect
      const creaText = forced || r() < 0.85 ? (40 + r() * 360).toFixed(pick([0, 1, 2])) : undefined;
      const stage = forced || r() < 0.8 ? pick(STAGES) : undefined;
      let timeText: string;
      let time: number;
      if (relative) {
        time = start + off;
        timeText = String(time);
      } else if (timeMode === 'date') {
        time = start + off;
        timeText = fmtDate(time);
      } else {
        const minute = int(0, 1439);
        const offset = timeMode === 'offset' ? pick([-300, 0, 60, 330]) : timeMode === 'naive-kolkata' ? 330 : 0;
        const wall = new Date((start + off) * DAY + minute * 60_000).toISOString();
        timeText = `${wall.slice(0, 10)}${pick(['T', ' '])}${wall.slice(11, 16)}${r() < 0.5 ? ':00' : ''}${timeMode === 'offset' ? offsetText(offset) : ''}`;
        time = ((start + off) * DAY + (minute - offset) * 60_000) / DAY;
      }
      p.visits.push({ time, crea: creaText === undefined ? undefined : Number(creaText), stage });
      visitCells.push({ patient: i, visit: p.visits.length - 1, cells: { id: key, [relative ? 'day' : 'date']: timeText, crea: creaText ?? missing, stage: stage ?? missing } });
    }
    const row: Record<string, string> = { id: key, sex: p.sex, age: ageText, start: relative ? String(start) : fmtDate(start), end: relative ? String(end) : fmtDate(end), died: died ? '1' : '0' };
    if (born !== undefined) row.born = fmtDate(born);
    pRows.push(Object.values(row));
    if (pRows.length === 1) pRows.unshift(Object.keys(row));
  }
  const P: Table = { header: pRows[0]!, rows: pRows.slice(1) };
  if (r() < 0.3) addColumn(P, 'note', () => pick(['ok', 'see chart', 'a, b']));
  const timeColumn = relative ? 'day' : 'date';
  const vHeader = ['id', timeColumn, 'crea', 'stage'];
  if (r() < 0.3) vHeader.reverse();
  const visitOrder = visitCells.map((_, i) => i);
  const ungrouped = r() < 0.3;
  if (ungrouped) shuffle(visitOrder, r);
  const V: Table = { header: vHeader, rows: visitOrder.map((i) => vHeader.map((h) => visitCells[i]!.cells[h]!)) };
  const vLineOf = (visitIndex: number) => visitOrder.indexOf(visitIndex) + 2;

  const dateSettings = dateFormat === 'iso' ? {} : { dateFormat, ...(dateFormat === 'dd/MM/yy' ? { twoDigitYearPivot: 1925 } : {}) };
  const statics: string[] = relative ? ['sex', 'age'] : ['sex', 'age', 'born'];
  const pFile: Record<string, unknown> = { path: 'p.csv', id: 'id', patients: true, ...(withIndex ? { index: 'start' } : {}), static: statics, followUp: { end: 'end', eventIndicator: 'died' }, ...dateSettings };
  const vFile: Record<string, unknown> = { path: 'v.csv', id: 'id', measurements: { layout: 'wide', time: timeColumn, columns: ['crea', 'stage'] }, ...dateSettings };
  const zone = timeMode === 'naive-utc' ? 'UTC' : timeMode === 'naive-kolkata' ? 'Asia/Kolkata' : relative ? undefined : pick([undefined, 'UTC', 'Europe/Copenhagen']);
  const mapping: Record<string, unknown> = {
    dataset: `fuzz_${seed}`,
    time: relative ? { basis: 'relative', unit: 'days' } : { basis: 'calendar' },
    ...(zone ? { timeZone: zone } : {}),
    files: r() < 0.5 ? [pFile, vFile] : [vFile, pFile],
  };

  const stageLevels = new Set(patients.flatMap((p) => p.visits.flatMap((v) => (v.stage === undefined ? [] : [v.stage]))));
  const imported = (warnings: Record<string, number> = {}, kinds: Record<string, string> = {}): Expected => ({
    verdict: 'imported',
    relative,
    patients,
    warnings,
    kinds: { sex: 'binary', age: 'numeric', crea: 'numeric', stage: stageLevels.size <= 2 ? 'binary' : 'categorical', ...(relative ? {} : { born: 'date' }), ...kinds },
  });
  const refused = (file: string, line: number | undefined, column: string | undefined, rule: RegExp): Expected => ({ verdict: 'refused', file, line, column, rule });

  // One defect. Cells are named by table, row and column; lines are 1 (header) + 1-based row.
  const col = (t: Table, name: string) => t.header.indexOf(name);
  const visitToSpoil = () => int(2, visitCells.length - 1); // not one of the two complete visits
  const patientRow = () => int(0, nPatients - 1);
  const text: { placeholder?: string; bytes?: Buffer; unclosed?: boolean } = {};
  const directories: string[] = [];
  let mutation: string = pick(MUTATIONS);
  const applicable = (m: string) =>
    !(
      (relative && ['bad-date', 'old-year', 'future-year', 'two-digit-year', 'bad-time-zone'].includes(m)) ||
      (!relative && m === 'bad-offset') ||
      (m === 'two-digit-year' && dateFormat !== 'dd/MM/yyyy') ||
      (['old-year', 'future-year'].includes(m) && dateFormat === 'dd/MM/yy') ||
      (m === 'yy-without-pivot' && dateFormat !== 'dd/MM/yy')
    );
  if (!applicable(mutation)) mutation = 'none';

  let expected: Expected = imported();
  const spoilNumber = (cell: string, rule: RegExp): Expected => {
    if (r() < 0.5) {
      const v = visitToSpoil();
      V.rows[visitOrder.indexOf(v)]![col(V, 'crea')] = cell;
      return refused('v', vLineOf(v), 'crea', rule);
    }
    const i = patientRow();
    P.rows[i]![col(P, 'age')] = cell;
    return refused('p', i + 2, 'age', rule);
  };
  const spoilDate = (cell: (day: number) => string, rule: RegExp): Expected => {
    const where = pick(['visit', 'end', 'born', ...(withIndex ? ['start'] : [])]);
    if (where === 'visit') {
      const v = visitToSpoil();
      const p = patients[visitCells[v]!.patient]!;
      V.rows[visitOrder.indexOf(v)]![col(V, 'date')] = cell(Math.floor(p.visits[visitCells[v]!.visit]!.time));
      return refused('v', vLineOf(v), 'date', rule);
    }
    const i = patientRow();
    P.rows[i]![col(P, where)] = cell(where === 'born' ? patients[i]!.born! : where === 'end' ? patients[i]!.end : patients[i]!.index!);
    return refused('p', i + 2, where, rule);
  };
  switch (mutation) {
    case 'text-in-numeric':
      expected = spoilNumber(pick(['<5', 'n/a', 'high', '5,1']), /text in a numeric column/);
      break;
    case 'bad-value-missing': {
      const bad = pick(['<5', 'n/a', 'unknown']);
      const perVariable = r() < 0.5;
      if (r() < 0.5) {
        const v = visitToSpoil();
        V.rows[visitOrder.indexOf(v)]![col(V, 'crea')] = bad;
        patients[visitCells[v]!.patient]!.visits[visitCells[v]!.visit]!.crea = undefined;
        if (perVariable) (vFile.measurements as Record<string, unknown>).columns = { crea: { onBadValue: 'missing' }, stage: {} };
      } else {
        const i = patientRow();
        const target = relative || r() < 0.5 ? 'age' : 'born';
        P.rows[i]![col(P, target)] = bad;
        patients[i]![target] = undefined;
        if (perVariable) pFile.static = Object.fromEntries(statics.map((s) => [s, s === target ? { onBadValue: 'missing' } : {}]));
      }
      if (!perVariable) mapping.onBadValue = 'missing';
      expected = imported({ 'bad-value-missing': 1 });
      break;
    }
    case 'infinite':
      expected = spoilNumber(pick(['Inf', '-Inf', 'Infinity', 'inf']), /infinite values are not accepted/);
      break;
    case 'overflow':
      expected = spoilNumber(pick(['1e999', '-2e308', '9'.repeat(400)]), /the number overflows/);
      break;
    case 'bad-date':
      expected = spoilDate(() => pick(['unknown', '2001-02-30', '31/02/2001', '2001-13-01']), /unparseable date/);
      break;
    case 'old-year':
      expected = spoilDate((day) => fmtDate(day, pick([1849, 1800, 1066])), /is before 1850/);
      break;
    case 'future-year': {
      const year = new Date().getUTCFullYear() + int(2, 50);
      expected = spoilDate((day) => fmtDate(day, year), /is after/);
      break;
    }
    case 'two-digit-year':
      expected = spoilDate((day) => fmtDate(day).replace(/\d\d(\d\d)$/, '$1'), /a two-digit year/);
      break;
    case 'duplicate-header': {
      const [t, file] = r() < 0.5 ? [P, 'p'] : [V, 'v'];
      const i = int(1, t.header.length - 1);
      const name = t.header[(i + int(1, t.header.length - 1)) % t.header.length]!;
      t.header[i] = name;
      expected = refused(file, 1, name, /two columns are named/);
      break;
    }
    case 'nul-byte':
    case 'not-utf8': {
      const [t, file] = r() < 0.5 ? [P, 'p'] : [V, 'v'];
      const i = int(0, t.rows.length - 1);
      const c = int(0, t.header.length - 1);
      text.placeholder = '\u0001SPOIL\u0001';
      text.bytes = mutation === 'nul-byte' ? Buffer.from([0x78, 0x00, 0x79]) : Buffer.from([0x66, 0xe9, 0x72]);
      t.rows[i]![c] = `${t.rows[i]![c]}${text.placeholder}`;
      expected = refused(file, i + 2, t.header[c], mutation === 'nul-byte' ? /NUL byte/ : /not UTF-8/);
      (text as { file?: string }).file = file;
      break;
    }
    case 'end-before-index': {
      const i = patientRow();
      const p = patients[i]!;
      const first = Math.min(...p.visits.filter((v) => v.crea !== undefined || v.stage !== undefined).map((v) => v.time));
      const index = p.index ?? (relative ? 0 : first);
      if (!Number.isFinite(index)) break; // no record, so no index to end before
      const end = Math.floor(index) - int(1, relative ? 5 : 300);
      P.rows[i]![col(P, 'end')] = relative ? String(end) : fmtDate(end);
      expected = refused('p', i + 2, 'end', relative ? /negative follow-up: it ends before the index/ : withIndex ? /follow-up ends before the index date/ : /follow-up ends before the index date .*first recorded/);
      break;
    }
    case 'ragged-row': {
      const [t, file] = r() < 0.5 ? [P, 'p'] : [V, 'v'];
      const i = int(0, t.rows.length - 1);
      if (r() < 0.5) {
        t.rows[i]!.pop();
        expected = refused(file, i + 2, t.header[t.header.length - 1], /ragged row/);
      } else {
        t.rows[i]!.push('extra');
        expected = refused(file, i + 2, `(field ${t.header.length + 1}, past the header)`, /ragged row/);
      }
      break;
    }
    case 'unknown-patient':
    case 'empty-id': {
      const v = visitToSpoil();
      V.rows[visitOrder.indexOf(v)]![col(V, 'id')] = mutation === 'empty-id' ? missing : 'X999';
      expected = refused('v', vLineOf(v), 'id', mutation === 'empty-id' ? /the patient id is empty/ : /is not in the patient file/);
      break;
    }
    case 'unclosed-quote':
      text.unclosed = true;
      expected = refused('v', V.rows.length + 1, V.header[V.header.length - 1], /a quoted field is never closed/);
      break;
    case 'declared-binary': {
      mapping.variables = { sex: { kind: 'binary' } };
      const i = patientRow();
      patients[i]!.sex = 'U';
      P.rows[i]![col(P, 'sex')] = 'U';
      const seen = new Set<string>();
      const third = patients.findIndex((p) => (seen.add(p.sex), seen.size > 2));
      expected = third === -1 ? imported() : refused('p', third + 2, 'sex', /a third value in a binary column/);
      break;
    }
    case 'missing-column':
      (pFile.static as string[]).push('weight');
      expected = refused('p', 1, 'weight', /required column missing from the header/);
      break;
    case 'yy-without-pivot':
      delete pFile.twoDigitYearPivot;
      expected = { verdict: 'mapping', rule: /has a two-digit year: give "twoDigitYearPivot"/ };
      break;
    case 'bad-time-zone':
      mapping.timeZone = pick(['Europe/Kopenhagen', 'CEST+2', 'local']);
      expected = { verdict: 'mapping', rule: /is not a time zone/ };
      break;
    case 'directory':
      directories.push('v.csv');
      expected = refused('v', undefined, undefined, /is a directory, not a CSV file/);
      break;
    case 'bad-offset': {
      const v = visitToSpoil();
      V.rows[visitOrder.indexOf(v)]![col(V, 'day')] = pick(['day 3', '3d', '1e999']);
      expected = refused('v', vLineOf(v), 'day', /not a number|overflows/);
      break;
    }
  }

  const pLines = renderLines(P, styleP);
  const vLines = renderLines(V, styleV);
  if (text.unclosed) {
    const last = V.rows[V.rows.length - 1]!;
    vLines[vLines.length - 1] = [...last.slice(0, -1).map((c) => quoteCell(c, styleV)), `"${last[last.length - 1]!.replaceAll('"', '')}`].join(',');
  }
  const files: Record<string, string | Buffer> = { 'p.csv': joinLines(pLines, styleP), 'v.csv': joinLines(vLines, styleV) };
  if (text.placeholder) {
    const name = `${(text as { file?: string }).file}.csv`;
    const [before, after] = (files[name] as string).split(text.placeholder);
    files[name] = Buffer.concat([Buffer.from(before!), text.bytes!, Buffer.from(after!)]);
  }
  for (const d of directories) delete files[d];
  return { seed, mutation, files, directories, mapping, expect: expected };
}

function addColumn(t: Table, name: string, value: () => string): void {
  t.header.push(name);
  for (const row of t.rows) row.push(value());
}

function shuffle<T>(xs: T[], r: () => number): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}
