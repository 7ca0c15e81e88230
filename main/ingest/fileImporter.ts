import type { ImportKeyIndex } from '../store/repositories/importKeyIndex.js';
import type { ImportSink } from '../store/repositories/importWriter.js';
import { ImportError } from './errors.js';
import { inferKind } from './inferKind.js';
import {
  columnEntries,
  MappingError,
  timeColumnName,
  type ResolvedFile,
  type ResolvedMapping,
  type TimeColumn,
  type VariableSettings,
} from './mapping.js';
import { DateParser, dateFormatProblem } from './dateParser.js';
import { VariableCodec, type InferredFrom } from './variableCodec.js';
import { daysToIso, numberProblem, parseNumber, TIME_UNITS, type MissingTest } from './values.js';
import type { WarningLog } from './warnings.js';
import { StaticLedger } from './staticLedger.js';
import { VisitKeys } from './visitKeys.js';

/** Rows read before column kinds are inferred; they are then imported like the rest. */
export const SAMPLE_ROWS = 20_000;

/** A time cell as read, kept to name it in a later message. */
export interface TimeCell {
  time: number;
  file: string;
  line: number;
  column: string;
  raw: string;
}

export interface PatientState {
  id: number;
  /** 0, 1, ... in the order the import met its patients (the row of its statics in each StaticLedger). */
  ordinal: number;
  key: string;
  /** The end of follow-up as read (its time, where), and the outcome event's time. */
  outcome?: TimeCell & { event: number | null };
  index?: TimeCell;
  followupEnd?: number;
  death?: number;
}

/** What every file of one import shares. */
export interface DatasetContext {
  datasetId: number;
  mapping: ResolvedMapping;
  writer: ImportSink;
  warnings: WarningLog;
  isMissing: MissingTest;
  patients: Map<string, PatientState>;
  variables: Map<string, VariableCodec>;
  /** Each static variable's first value per patient, by variable id. */
  statics: Map<number, StaticLedger>;
  patientFileNames: string[];
  /** Zone that times without an offset are read in (the mapping's, or the workstation's). */
  timeZone: string;
}

/** A sampled cell, with its line for messages. */
interface SampledCell {
  raw: string;
  line: number;
}

type TimeParser = (raw: string, line: number, column: string) => number;

interface ColumnVar {
  index: number;
  column: string;
  codec: VariableCodec;
}

/** A static column, with its variable's ledger of first values. */
interface StaticColumn extends ColumnVar {
  ledger: StaticLedger;
}

/** Imports the rows of one CSV file into the dataset being built. */
export class FileImporter {
  private col = new Map<string, number>();
  private sample: { fields: string[]; line: number }[] | undefined = [];
  private idIndex = -1;
  /** Column positions used on every row of a measurement file, looked up once. */
  private timeIndex = -1;
  private variableIndex = -1;
  private valueIndex = -1;
  private unitIndex = -1;
  private statics: StaticColumn[] = [];
  private wide: ColumnVar[] = [];
  private readonly dates: DateParser;
  private readonly seenPatients = new Map<string, number>();
  private lastPatient: PatientState | undefined;
  /**
   * Duplicate detection keeps the keys (visit time, or variable and time) of one
   * patient at a time, so memory stays bounded on files grouped by patient.
   * Once a patient's rows come back after another patient's, the file is not
   * grouped: from then on every key goes to an indexed temp table (a temp file,
   * never the store), seeded with this file's rows so far (reloading a patient's keys
   * at every switch made such files 10-20x slower).
   */
  private keysPatient = -1;
  /** Variable id (0 for a whole wide visit) and time of the patient's rows, to the line each was first seen on. */
  private readonly keys = new VisitKeys();
  private readonly donePatients = new Set<number>();
  private indexed = false;
  private keyIndex: ImportKeyIndex | undefined;

  constructor(
    private readonly ctx: DatasetContext,
    private readonly file: ResolvedFile,
  ) {
    const problem = dateFormatProblem(file.dateFormat, file.twoDigitYearPivot);
    if (problem) throw new MappingError(`Mapping ${ctx.mapping.source}: file "${file.name}": ${problem}`);
    this.dates = new DateParser({ format: file.dateFormat ?? 'iso', timeZone: ctx.timeZone, twoDigitYearPivot: file.twoDigitYearPivot });
  }

  /** False once rows of one patient were found apart (the file was then read through the key index). */
  get groupedByPatient(): boolean {
    return !this.indexed;
  }

  onHeader(header: string[]): void {
    header.forEach((name, i) => this.col.set(name.trim(), i));
    const f = this.file;
    const required: string[] = [f.id, ...columnEntries(f.static).map(([c]) => c)];
    if (f.index) required.push(timeColumnName(f.index));
    if (f.events) required.push(...Object.keys(f.events));
    if (f.eventRows) required.push(timeColumnName(f.eventRows.time), f.eventRows.type);
    if (f.followUp) {
      required.push(timeColumnName(f.followUp.end));
      if (f.followUp.event) required.push(timeColumnName(f.followUp.event));
      if (f.followUp.eventIndicator) required.push(f.followUp.eventIndicator);
    }
    const m = f.measurements;
    if (m) {
      required.push(timeColumnName(m.time));
      if (m.layout === 'wide') required.push(...columnEntries(m.columns).map(([c]) => c));
      else required.push(m.variable, m.value, ...(m.unit ? [m.unit] : []));
    }
    for (const name of required) {
      if (!this.col.has(name)) {
        throw new ImportError(
          { file: f.name, line: 1, column: name },
          `required column missing from the header (the mapping uses it; the file has: ${header.map((h) => h.trim()).join(', ')})`,
        );
      }
    }
    this.idIndex = this.col.get(f.id)!;
    this.ctx.writer.markFileStart();
    if (m) {
      this.timeIndex = this.col.get(timeColumnName(m.time))!;
      if (m.layout === 'long') {
        this.variableIndex = this.col.get(m.variable)!;
        this.valueIndex = this.col.get(m.value)!;
        this.unitIndex = m.unit ? this.col.get(m.unit)! : -1;
      }
    }
  }

  onRow(fields: string[], line: number): void {
    if (this.sample) {
      this.sample.push({ fields: [...fields], line });
      if (this.sample.length >= SAMPLE_ROWS) this.endSample();
      return;
    }
    this.importRow(fields, line);
  }

  finish(): void {
    if (this.sample) this.endSample();
    this.keyIndex?.close();
  }

  /** Infers the kinds of this file's columns from the sampled rows, then imports those rows. */
  private endSample(): void {
    const sample = this.sample!;
    this.sample = undefined;
    const column = (name: string) => {
      const i = this.col.get(name)!;
      return sample.map((r): SampledCell => ({ raw: r.fields[i]!, line: r.line }));
    };
    this.statics = columnEntries(this.file.static).map(([c, s]) => this.staticColumn(this.columnVar(c, s, 'static', () => column(c))));
    const m = this.file.measurements;
    if (m?.layout === 'wide') {
      this.wide = columnEntries(m.columns).map(([c, s]) => this.columnVar(c, s, 'measurement', () => column(c)));
    } else if (m?.layout === 'long') {
      const varIdx = this.col.get(m.variable)!;
      const valIdx = this.col.get(m.value)!;
      const byVariable = new Map<string, SampledCell[]>();
      for (const r of sample) {
        const name = r.fields[varIdx]!.trim();
        if (this.ctx.isMissing(name) || this.ctx.variables.has(name)) continue;
        let values = byVariable.get(name);
        if (!values) byVariable.set(name, (values = []));
        values.push({ raw: r.fields[valIdx]!, line: r.line });
      }
      for (const [name, values] of byVariable) this.defineVariable(name, m.variables?.[name], 'measurement', m.value, () => values);
    }
    for (const r of sample) this.importRow(r.fields, r.line);
  }

  private staticColumn(v: ColumnVar): StaticColumn {
    let ledger = this.ctx.statics.get(v.codec.id);
    if (!ledger) this.ctx.statics.set(v.codec.id, (ledger = new StaticLedger()));
    return { ...v, ledger };
  }

  private columnVar(column: string, settings: VariableSettings, role: 'static' | 'measurement', values: () => SampledCell[]): ColumnVar {
    const name = settings.name ?? column;
    return { index: this.col.get(column)!, column, codec: this.defineVariable(name, settings, role, column, values) };
  }

  /** The dataset's variable of this name, created (kind from settings, else inferred) when new. */
  private defineVariable(
    name: string,
    fileSettings: VariableSettings | undefined,
    role: 'static' | 'measurement',
    column: string,
    values: () => SampledCell[],
  ): VariableCodec {
    const existing = this.ctx.variables.get(name);
    if (existing) {
      if (existing.role !== role) {
        throw new MappingError(`Variable "${name}" is a ${existing.role} attribute in one file and a ${role} in "${this.file.name}"; rename one.`);
      }
      return existing;
    }
    const settings = { ...this.ctx.mapping.variables?.[name], ...fileSettings };
    let kind = settings.kind;
    let inferredFrom: InferredFrom | undefined;
    if (!kind) {
      const cells = values();
      const guess = inferKind(cells.map((c) => c.raw), this.ctx.isMissing, this.dates);
      kind = guess.kind;
      if (guess.empty) {
        this.ctx.warnings.add({
          code: 'kind-not-inferred',
          file: this.file.name,
          column,
          message: `no values in the first ${SAMPLE_ROWS} rows of column "${column}"; kind set to categorical (set "kind" in the mapping to change it)`,
        });
      } else if (guess.mixed) {
        const other = [guess.numbers && `${guess.numbers} of ${guess.values} values are numbers`, guess.dates && `${guess.dates} of ${guess.values} are dates`].filter(Boolean).join(' and ');
        this.ctx.warnings.add({
          code: 'kind-mixed',
          file: this.file.name,
          column,
          message: `${other}, the rest text: variable "${name}" is imported as categorical (set "kind" in the mapping to decide)`,
        });
      }
      inferredFrom = {
        values: guess.values,
        fitting: kind === 'date' ? guess.dates : guess.numbers,
        sampleRows: cells.length,
        misfits: guess.misfits.map((i) => cells[i]!),
      };
    }
    const id = this.ctx.writer.insertVariable(this.ctx.datasetId, {
      name,
      role,
      kind,
      unit: settings.unit ?? null,
      sourceFile: this.file.name,
      sourceColumn: column,
    });
    const onBadValue = settings.onBadValue ?? this.ctx.mapping.onBadValue ?? 'refuse';
    const codec = new VariableCodec(id, name, kind, role, this.dates, { onBadValue, warn: (w) => this.ctx.warnings.add(w), inferredFrom });
    codec.unit = settings.unit;
    this.ctx.variables.set(name, codec);
    return codec;
  }

  private importRow(fields: string[], line: number): void {
    const f = this.file;
    const key = fields[this.idIndex]!.trim();
    if (this.ctx.isMissing(key)) throw new ImportError({ file: f.name, line, column: f.id, value: fields[this.idIndex] }, 'the patient id is empty');
    const patient = this.patientFor(key, line);
    for (const s of this.statics) this.importStatic(patient, s, fields[s.index]!, line);
    if (f.index) this.importIndex(patient, f.index, fields, line);
    if (f.followUp) this.importFollowUp(patient, fields, line);
    if (f.events) this.importEvents(patient, f.events, fields, line);
    if (f.eventRows) this.importEventRow(patient, f.eventRows, fields, line);
    const m = f.measurements;
    if (m?.layout === 'wide') this.importWideVisit(patient, m.time, fields, line);
    else if (m?.layout === 'long') this.importLongValue(patient, m, fields, line);
  }

  private patientFor(key: string, line: number): PatientState {
    // Rows of one patient mostly come together: skip the lookup for the same key as the row before.
    if (key === this.lastPatient?.key && !this.file.patients) return this.lastPatient;
    let patient = this.ctx.patients.get(key);
    if (this.file.patients) {
      const earlier = this.seenPatients.get(key);
      if (earlier !== undefined) {
        this.warn('duplicate-patient-row', line, this.file.id, key, `patient "${key}" appears again (first at line ${earlier}); values must agree`);
      } else this.seenPatients.set(key, line);
      if (!patient) {
        patient = { id: this.ctx.writer.insertPatient(this.ctx.datasetId, key), ordinal: this.ctx.patients.size, key };
        this.ctx.patients.set(key, patient);
      }
    } else if (!patient) {
      const files = this.ctx.patientFileNames.join(', ');
      throw new ImportError({ file: this.file.name, line, column: this.file.id, value: key }, `patient "${key}" is not in the patient file (${files})`);
    }
    this.lastPatient = patient;
    return patient;
  }

  private importStatic(p: PatientState, s: StaticColumn, raw: string, line: number): void {
    if (this.ctx.isMissing(raw)) return;
    const encoded = s.codec.encode(raw, this.file.name, line, s.column);
    if (!encoded) return;
    const { num, txt } = encoded;
    const before = s.ledger.first(p.ordinal, txt ?? num!, this.file.name, line);
    if (before) {
      const value = txt ?? String(num);
      if (before.value !== value) {
        throw new ImportError(
          { file: this.file.name, line, column: s.column, value: raw },
          `conflicting static values for patient "${p.key}": "${before.value}" at ${before.file} line ${before.line}, "${value}" here`,
        );
      }
      return;
    }
    this.ctx.writer.insertStatic(p.id, s.codec.id, num, txt);
  }

  private importIndex(p: PatientState, spec: TimeColumn, fields: string[], line: number): void {
    const column = timeColumnName(spec);
    const raw = fields[this.col.get(column)!]!;
    if (this.ctx.isMissing(raw)) return;
    const time = this.parseTime(spec, raw, line);
    p.index = { time, file: this.file.name, line, column, raw };
    if (p.outcome) refuseFollowUpBeforeIndex(p, this.ctx.mapping.time.basis);
    this.ctx.writer.setIndexTime(p.id, time);
  }

  private importFollowUp(p: PatientState, fields: string[], line: number): void {
    const spec = this.file.followUp!;
    const endColumn = timeColumnName(spec.end);
    const endRaw = fields[this.col.get(endColumn)!]!;
    if (this.ctx.isMissing(endRaw)) {
      this.warn('followup-end-missing', line, endColumn, endRaw, `patient "${p.key}" has no end of follow-up; no outcome is stored for this patient`);
      return;
    }
    const end = this.parseTime(spec.end, endRaw, line);
    let event: number | null = null;
    let eventColumn = endColumn;
    if (spec.event) {
      eventColumn = timeColumnName(spec.event);
      const raw = fields[this.col.get(eventColumn)!]!;
      if (!this.ctx.isMissing(raw)) event = this.parseTime(spec.event, raw, line);
    } else if (spec.eventIndicator) {
      eventColumn = spec.eventIndicator;
      const raw = fields[this.col.get(eventColumn)!]!;
      const flag = parseNumber(raw);
      if (flag !== 0 && flag !== 1) {
        throw new ImportError({ file: this.file.name, line, column: eventColumn, value: raw }, 'an event indicator must be 1 (event) or 0 (censored)');
      }
      if (flag === 1) event = end;
    }
    if (p.outcome) {
      if (p.outcome.time !== end || p.outcome.event !== event) {
        throw new ImportError(
          { file: this.file.name, line, column: endColumn, value: endRaw },
          `conflicting follow-up for patient "${p.key}" (already given at ${p.outcome.file} line ${p.outcome.line})`,
        );
      }
      return;
    }
    p.outcome = { time: end, event, file: this.file.name, line, column: endColumn, raw: endRaw };
    if (p.index) refuseFollowUpBeforeIndex(p, this.ctx.mapping.time.basis);
    p.followupEnd = end;
    if (event !== null && event > end) {
      this.warn('event-after-followup-end', line, eventColumn, fields[this.col.get(eventColumn)!]!, `patient "${p.key}": the outcome event (${spec.eventType}) is after the end of follow-up`);
    }
    if (event !== null && isDeath(spec.eventType)) p.death = Math.min(p.death ?? Infinity, event);
    this.ctx.writer.insertOutcome(p.id, end, event, event === null ? null : spec.eventType);
  }

  private importEvents(p: PatientState, events: Record<string, string>, fields: string[], line: number): void {
    const outcomeColumn = this.file.followUp?.event ? timeColumnName(this.file.followUp.event) : undefined;
    for (const [column, type] of Object.entries(events)) {
      const raw = fields[this.col.get(column)!]!;
      if (this.ctx.isMissing(raw)) continue;
      const t = this.parseTime(column, raw, line);
      this.ctx.writer.insertEvent(p.id, t, type, column);
      if (isDeath(type)) p.death = Math.min(p.death ?? Infinity, t);
      if (column !== outcomeColumn && p.followupEnd !== undefined && t > p.followupEnd) {
        this.warn('event-after-followup-end', line, column, raw, `patient "${p.key}": ${type} event after the end of follow-up`);
      }
    }
  }

  private importEventRow(p: PatientState, spec: { time: TimeColumn; type: string }, fields: string[], line: number): void {
    const column = timeColumnName(spec.time);
    const raw = fields[this.col.get(column)!]!;
    const type = fields[this.col.get(spec.type)!]!.trim();
    if (this.ctx.isMissing(raw) || this.ctx.isMissing(type)) return;
    const t = this.parseTime(column, raw, line);
    this.ctx.writer.insertEvent(p.id, t, type, column);
    if (isDeath(type)) p.death = Math.min(p.death ?? Infinity, t);
  }

  private importWideVisit(p: PatientState, timeSpec: TimeColumn, fields: string[], line: number): void {
    const t = this.visitTime(p, timeSpec, fields, line);
    // A duplicate is still imported: its values may differ, and the user decides what it means.
    this.noteVisitKey(p, 0, t, line, timeColumnName(timeSpec), 'duplicate-visit', 'a second visit at the same time');
    for (const v of this.wide) {
      const raw = fields[v.index]!;
      if (this.ctx.isMissing(raw)) continue;
      const encoded = v.codec.encode(raw, this.file.name, line, v.column);
      if (encoded) this.ctx.writer.insertMeasurement(p.id, t, v.codec.id, encoded.num, encoded.txt);
    }
  }

  private importLongValue(
    p: PatientState,
    m: Extract<ResolvedFile['measurements'], { layout: 'long' }>,
    fields: string[],
    line: number,
  ): void {
    const t = this.visitTime(p, m.time, fields, line);
    const name = fields[this.variableIndex]!;
    const raw = fields[this.valueIndex]!;
    let codec = this.ctx.variables.get(name);
    if (!codec) {
      const trimmed = name.trim();
      if (this.ctx.isMissing(trimmed)) throw new ImportError({ file: this.file.name, line, column: m.variable, value: name }, 'the variable name is empty');
      codec = this.ctx.variables.get(trimmed);
      if (!codec) {
        if (this.ctx.isMissing(raw)) return;
        codec = this.defineVariable(trimmed, m.variables?.[trimmed], 'measurement', m.value, () => [{ raw, line }]);
      }
    }
    if (this.ctx.isMissing(raw)) return;
    if (codec.role !== 'measurement') {
      throw new ImportError({ file: this.file.name, line, column: m.variable, value: name }, `"${name}" is a static attribute, not a measurement`);
    }
    this.noteVisitKey(p, codec.id, t, line, m.variable, 'duplicate-measurement', `a second value of "${codec.name}" at the same time`);
    if (this.unitIndex >= 0) this.noteUnit(codec, fields[this.unitIndex]!, line, m.unit!);
    const encoded = codec.encode(raw, this.file.name, line, m.value);
    if (encoded) this.ctx.writer.insertMeasurement(p.id, t, codec.id, encoded.num, encoded.txt);
  }

  /** Parses a visit's time and warns when it falls after death or the end of follow-up. */
  private visitTime(p: PatientState, spec: TimeColumn, fields: string[], line: number): number {
    const raw = fields[this.timeIndex]!;
    const column = timeColumnName(spec);
    if (this.ctx.isMissing(raw)) throw new ImportError({ file: this.file.name, line, column, value: raw }, 'the visit time is missing');
    const t = this.parseTime(spec, raw, line);
    if (p.death !== undefined && t > p.death) {
      this.warn('visit-after-death', line, column, raw, `patient "${p.key}": visit after death`);
    } else if (p.followupEnd !== undefined && t > p.followupEnd) {
      this.warn('visit-after-followup-end', line, column, raw, `patient "${p.key}": visit after the end of follow-up`);
    }
    return t;
  }

  /** Warns when this patient already had a row with this key in this file. */
  private noteVisitKey(p: PatientState, variableId: number, time: number, line: number, column: string, code: string, what: string): void {
    const first = this.firstLineOf(p.id, variableId, time, line);
    if (first !== undefined) {
      const earlier = first > 0 ? `line ${first}` : 'an earlier row';
      this.warn(code, line, column, undefined, `patient "${p.key}": ${what} as ${earlier}`);
    }
  }

  /** The line where this key was first seen in this file (0: line unknown), or undefined when new (it is then recorded). */
  private firstLineOf(patientId: number, variableId: number, time: number, line: number): number | undefined {
    if (!this.indexed && patientId !== this.keysPatient) {
      if (this.donePatients.has(patientId)) this.switchToKeyIndex();
      else {
        if (this.keysPatient !== -1) this.donePatients.add(this.keysPatient);
        this.keysPatient = patientId;
        this.keys.clear();
      }
    }
    if (this.keyIndex) return this.keyIndex.note(patientId, variableId, time, line);
    return this.keys.firstLine(variableId, time, line);
  }

  /** Rows are not grouped by patient: keys go to the store's key index from now on, seeded with this file's rows so far. */
  private switchToKeyIndex(): void {
    this.indexed = true;
    const index = (this.keyIndex = this.ctx.writer.openKeyIndex(this.file.measurements?.layout === 'wide'));
    this.keys.forEach((variableId, time, line) => index.setLine(this.keysPatient, variableId, time, line));
    this.keys.clear();
  }

  private noteUnit(codec: VariableCodec, rawUnit: string, line: number, column: string): void {
    if (rawUnit === codec.lastUnitSeen) return; // the common case: same unit as the row before
    const unit = rawUnit.trim();
    codec.lastUnitSeen = rawUnit;
    if (this.ctx.isMissing(unit)) return;
    if (codec.unit === undefined) {
      codec.unit = unit;
      this.ctx.writer.setVariableUnit(codec.id, unit);
    } else if (codec.unit !== unit && !codec.conflictingUnits.has(unit)) {
      codec.conflictingUnits.add(unit);
      this.warn('unit-conflict', line, column, unit, `variable "${codec.name}" is also recorded in ${unit}, not only ${codec.unit}; values are stored as given`);
    }
  }

  /** A date (calendar datasets) or a numeric offset converted to days (relative datasets). */
  private parseTime(spec: TimeColumn | string, raw: string, line: number): number {
    const column = timeColumnName(spec);
    const basis = this.ctx.mapping.time;
    if (basis.basis === 'calendar') {
      const days = this.dates.plainDays(raw);
      if (days !== undefined) return days;
      const reading = this.dates.read(raw);
      if (reading.problem !== undefined) throw new ImportError({ file: this.file.name, line, column, value: raw }, reading.problem);
      return reading.days;
    }
    const unit = (typeof spec === 'string' ? undefined : spec.unit) ?? basis.unit;
    const n = parseNumber(raw);
    if (n === undefined) {
      throw new ImportError({ file: this.file.name, line, column, value: raw }, numberProblem(raw) ?? `not a number: this column holds a time offset in ${unit}`);
    }
    return n * TIME_UNITS[unit];
  }

  private warn(code: string, line: number, column: string, value: string | undefined, message: string): void {
    this.ctx.warnings.add({ code, file: this.file.name, line, column, value, message });
  }
}

/** Follow-up must not end before the index: a negative follow-up time is no survival time. */
export function refuseFollowUpBeforeIndex(p: PatientState, basis: 'calendar' | 'relative', defaultIndex?: number): void {
  const end = p.outcome!;
  const index = p.index?.time ?? defaultIndex;
  if (index === undefined || end.time >= index) return;
  const where = { file: end.file, line: end.line, column: end.column, value: end.raw };
  if (basis === 'relative') {
    const from = p.index ? `offset ${p.index.raw.trim()}, column "${p.index.column}"` : 'offset 0';
    throw new ImportError(where, `negative follow-up: it ends before the index (${from})`);
  }
  const from = p.index
    ? `${daysToIso(index)}, column "${p.index.column}"`
    : `${daysToIso(index)}, the patient's first recorded measurement or event; no "index" column is mapped`;
  throw new ImportError(where, `follow-up ends before the index date (${from})`);
}

function isDeath(type: string): boolean {
  return type.trim().toLowerCase() === 'death';
}
