import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { notAFile } from './csvReader.js';
import { dateFormatProblem, MIN_YEAR } from './dateParser.js';
import { isTimeZone } from './timeZone.js';
import { TIME_UNITS } from './values.js';
import { UserError, type ErrorCode } from '../common/errors.js';

/*
 * The import mapping: one JSON file that says, per CSV file, which column is the
 * patient id and what every other column means. Documented with worked
 * examples in the README ("Import mapping").
 */

export const VARIABLE_KINDS = ['numeric', 'categorical', 'binary', 'date'] as const;
export type VariableKind = (typeof VARIABLE_KINDS)[number];

const timeUnit = z.enum(Object.keys(TIME_UNITS) as [keyof typeof TIME_UNITS, ...(keyof typeof TIME_UNITS)[]]);

/** What a cell that breaks its variable's kind does: stop the import (default), or become missing with a warning. */
const onBadValue = z.enum(['refuse', 'missing']);

/** Optional per-column settings: a new name, a kind that overrides inference, a unit, a bad-value policy. */
const variableSettings = z.strictObject({
  name: z.string().min(1).optional(),
  kind: z.enum(VARIABLE_KINDS).optional(),
  unit: z.string().optional(),
  onBadValue: onBadValue.optional(),
});
export type VariableSettings = z.infer<typeof variableSettings>;

/** Either a list of column names or an object from column name to settings. */
const columnList = z.union([z.array(z.string().min(1)).min(1), z.record(z.string().min(1), variableSettings)]);

/** A time column: a date (calendar datasets) or a numeric offset with a unit (relative datasets). */
const timeColumn = z.union([
  z.string().min(1),
  z.strictObject({ column: z.string().min(1), unit: timeUnit.optional() }),
]);

const wideMeasurements = z.strictObject({
  layout: z.literal('wide'),
  time: timeColumn,
  columns: columnList,
});

const longMeasurements = z.strictObject({
  layout: z.literal('long'),
  time: timeColumn,
  variable: z.string().min(1),
  value: z.string().min(1),
  /** Optional column holding each row's unit. */
  unit: z.string().min(1).optional(),
  /** Settings for variables named in the variable column. */
  variables: z.record(z.string().min(1), variableSettings).optional(),
});

const followUp = z
  .strictObject({
    /** Column with the end of follow-up (date, or offset from the index). */
    end: timeColumn,
    /** Column with the date/offset of the outcome event, empty when censored. */
    event: timeColumn.optional(),
    /** Or: column with 1 (event at `end`) / 0 (censored at `end`). */
    eventIndicator: z.string().min(1).optional(),
    eventType: z.string().min(1).default('death'),
  })
  .refine((f) => !(f.event && f.eventIndicator), { message: 'give either "event" or "eventIndicator", not both' });

const fileSpec = z.strictObject({
  /** Name used in messages and the import log; defaults to the file's base name. */
  name: z.string().min(1).optional(),
  /** Path to the CSV, relative to the mapping file. */
  path: z.string().min(1),
  /** The patient-id column. */
  id: z.string().min(1),
  /** Whether this file defines the patients (default: the first file). Other files may only name known patients. */
  patients: z.boolean().optional(),
  /** `iso` (default) or a date-fns format such as `dd/MM/yyyy` or `MM/dd/yyyy`. */
  dateFormat: z.string().min(1).optional(),
  /** With a two-digit-year dateFormat (`yy`): the first year of the 100-year window, e.g. 1930 (30-99 are 1930-1999, 00-29 are 2000-2029). */
  twoDigitYearPivot: z.number().int().min(MIN_YEAR).max(2100).optional(),
  /** Column holding the patient's index date (calendar) or offset; default: first recorded time (calendar) or 0 (relative). */
  index: timeColumn.optional(),
  static: columnList.optional(),
  measurements: z.discriminatedUnion('layout', [wideMeasurements, longMeasurements]).optional(),
  /** Event columns: column name to event type, e.g. {"doCVD1": "CVD"}. */
  events: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** Or one event per row: the column with its time and the column with its type. */
  eventRows: z.strictObject({ time: timeColumn, type: z.string().min(1) }).optional(),
  followUp: followUp.optional(),
});

export const mappingSchema = z.strictObject({
  dataset: z.string().min(1).max(100),
  description: z.string().optional(),
  time: z
    .discriminatedUnion('basis', [
      z.strictObject({ basis: z.literal('calendar') }),
      z.strictObject({ basis: z.literal('relative'), unit: timeUnit.default('days') }),
    ])
    .default({ basis: 'calendar' }),
  /** Tokens read as missing; default NA, NaN and empty. */
  missing: z.array(z.string()).optional(),
  /** IANA zone that times without an offset are read in; default the workstation's zone (recorded in the import log). */
  timeZone: z
    .string()
    .superRefine((name, ctx) => {
      if (!isTimeZone(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is not a time zone (use an IANA name such as "Europe/Copenhagen", or "UTC")` });
    })
    .optional(),
  /** Default for every variable: "refuse" (stop at a cell that breaks the kind) or "missing" (read it as missing, with a warning). */
  onBadValue: onBadValue.optional(),
  /** Settings by variable name, applied wherever the column appears. */
  variables: z.record(z.string().min(1), variableSettings).optional(),
  files: z.array(fileSpec).min(1),
});

export type Mapping = z.infer<typeof mappingSchema>;
export type FileSpec = z.infer<typeof fileSpec>;
export type TimeColumn = z.infer<typeof timeColumn>;
export type ColumnList = z.infer<typeof columnList>;

/** A mapping with file paths resolved and defaults filled in. */
export interface ResolvedMapping extends Mapping {
  /** Where the mapping came from, for messages. */
  source: string;
  files: ResolvedFile[];
}
export interface ResolvedFile extends FileSpec {
  name: string;
  absolutePath: string;
  patients: boolean;
}

export class MappingError extends UserError {
  readonly code: ErrorCode = 'bad-mapping';
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** A mapping is a few kilobytes; a bigger "mapping" is some other file. */
const MAX_MAPPING_BYTES = 4 << 20;

export function loadMapping(path: string): ResolvedMapping {
  let json: unknown;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error(notAFile(path, stat.isDirectory(), 'a mapping file'));
    if (stat.size > MAX_MAPPING_BYTES) throw new Error(`the file is ${stat.size} bytes; a mapping is a small JSON file`);
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new MappingError(`Mapping ${path}: ${(err as Error).message}`);
  }
  return resolveMapping(json, path, dirname(path));
}

/** Validates a mapping object and resolves its file paths against `baseDir`. */
export function resolveMapping(json: unknown, source: string, baseDir: string): ResolvedMapping {
  const parsed = mappingSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new MappingError(`Mapping ${source} is not valid:\n${problems.join('\n')}`);
  }
  const mapping = parsed.data;
  const anyPatients = mapping.files.some((f) => f.patients);
  const names = new Set<string>();
  const files = mapping.files.map((f, i): ResolvedFile => {
    const name = f.name ?? basename(f.path).replace(/\.csv$/i, '');
    if (names.has(name)) throw new MappingError(`Mapping ${source}: two files are named "${name}"; give one a "name".`);
    names.add(name);
    return {
      ...f,
      name,
      absolutePath: isAbsolute(f.path) ? f.path : resolve(baseDir, f.path),
      patients: f.patients ?? (!anyPatients && i === 0),
    };
  });
  if (mapping.time.basis === 'relative' && files.some((f) => f.dateFormat)) {
    throw new MappingError(`Mapping ${source}: "dateFormat" is for calendar datasets; this one has relative times.`);
  }
  if (mapping.time.basis === 'relative' && mapping.timeZone) {
    throw new MappingError(`Mapping ${source}: "timeZone" is for calendar datasets; this one has relative times.`);
  }
  files.forEach((f, i) => {
    const problem = dateFormatProblem(f.dateFormat, f.twoDigitYearPivot);
    if (problem) throw new MappingError(`Mapping ${source}: files.${i}: ${problem}`);
  });
  return { ...mapping, source, files };
}

/** Column names of a list, with their settings. */
export function columnEntries(list: ColumnList | undefined): [string, VariableSettings][] {
  if (!list) return [];
  return Array.isArray(list) ? list.map((c) => [c, {}]) : Object.entries(list);
}

export function timeColumnName(t: TimeColumn): string {
  return typeof t === 'string' ? t : t.column;
}
