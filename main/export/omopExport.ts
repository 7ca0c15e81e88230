import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { birthOf, sexOf, type ExportData } from './exportData.js';

/** OMOP concepts used without a vocabulary: gender, and "EHR" as every record's type. */
const MALE = 8507;
const FEMALE = 8532;
const EHR = 32817;

const TABLES = {
  person: ['person_id', 'gender_concept_id', 'year_of_birth', 'month_of_birth', 'day_of_birth', 'birth_datetime', 'race_concept_id', 'ethnicity_concept_id', 'person_source_value', 'gender_source_value'],
  observation_period: ['observation_period_id', 'person_id', 'observation_period_start_date', 'observation_period_end_date', 'period_type_concept_id'],
  visit_occurrence: ['visit_occurrence_id', 'person_id', 'visit_concept_id', 'visit_start_date', 'visit_end_date', 'visit_type_concept_id', 'visit_source_value'],
  measurement: ['measurement_id', 'person_id', 'measurement_concept_id', 'measurement_date', 'measurement_type_concept_id', 'value_as_number', 'unit_source_value', 'visit_occurrence_id', 'measurement_source_value', 'value_source_value'],
  observation: ['observation_id', 'person_id', 'observation_concept_id', 'observation_date', 'observation_type_concept_id', 'value_as_string', 'visit_occurrence_id', 'observation_source_value'],
  condition_occurrence: ['condition_occurrence_id', 'person_id', 'condition_concept_id', 'condition_start_date', 'condition_type_concept_id', 'condition_source_value'],
  death: ['person_id', 'death_date', 'death_type_concept_id', 'cause_source_value'],
} as const;
export type OmopTable = keyof typeof TABLES;

const field = (v: string | number | null) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/**
 * OMOP CDM v5.4 tables as CSV: person, observation_period (index to end of
 * follow-up), visit_occurrence (one per visit date), measurement (numbers),
 * observation (categories), condition_occurrence (events), death. Concept ids
 * are 0 where no vocabulary is mapped; the source values keep the names.
 */
export async function writeOmop(data: ExportData, dir: string): Promise<{ name: string; path: string; rows: number }[]> {
  mkdirSync(dir, { recursive: true });
  const rows: Record<OmopTable, (string | number | null)[][]> = { person: [], observation_period: [], visit_occurrence: [], measurement: [], observation: [], condition_occurrence: [], death: [] };
  const units = new Map(data.variables.map((v) => [v.name, v.unit]));
  let visitId = 0;
  let measurementId = 0;
  let observationId = 0;
  let conditionId = 0;
  data.patients.forEach((p, i) => {
    const personId = i + 1;
    const birth = birthOf(p, data.variables);
    // Without a birth date, the year of the index date stands in (year_of_birth is required); said in the data card.
    const [y, m, d] = data.isoDate(birth ?? p.indexTime).split('-').map(Number) as [number, number, number];
    const sex = sexOf(p);
    rows.person.push([personId, sex === 'male' ? MALE : sex === 'female' ? FEMALE : 0, y, birth !== null ? m : null, birth !== null ? d : null, birth !== null ? `${data.isoDate(birth)}T00:00:00` : null, 0, 0, p.key, sex]);
    rows.observation_period.push([personId, personId, data.isoDate(p.indexTime), data.isoDate(Math.max(p.outcome.end, p.indexTime)), EHR]);
    const visits = new Map<string, number>();
    const visitOf = (time: number) => {
      const date = data.isoDate(time);
      let id = visits.get(date);
      if (id === undefined) {
        id = ++visitId;
        visits.set(date, id);
        rows.visit_occurrence.push([id, personId, 0, date, date, EHR, 'visit']);
      }
      return id;
    };
    for (const mm of p.measurements) {
      if (mm.value === null) continue;
      const visit = visitOf(mm.time);
      if (typeof mm.value === 'number') rows.measurement.push([++measurementId, personId, 0, data.isoDate(mm.time), EHR, mm.value, units.get(mm.variable) ?? null, visit, mm.variable, String(mm.value)]);
      else rows.observation.push([++observationId, personId, 0, data.isoDate(mm.time), EHR, mm.value, visit, mm.variable]);
    }
    for (const e of p.events) {
      if (e.type === 'death') continue;
      rows.condition_occurrence.push([++conditionId, personId, 0, data.isoDate(e.time), EHR, e.type]);
    }
    if (p.outcome.eventTime !== null && p.outcome.eventType === 'death') rows.death.push([personId, data.isoDate(p.outcome.eventTime), EHR, null]);
  });
  const files = [];
  for (const table of Object.keys(TABLES) as OmopTable[]) {
    const path = join(dir, `${table}.csv`);
    const s = createWriteStream(path);
    s.write(`${TABLES[table].join(',')}\n`);
    for (const r of rows[table]) if (!s.write(`${r.map(field).join(',')}\n`)) await once(s, 'drain');
    s.end();
    await once(s, 'finish');
    files.push({ name: `${table}.csv`, path, rows: rows[table].length });
  }
  return files;
}

/** The CDM v5.4 DDL of the exported tables (required columns NOT NULL, keys and references), for SQLite. */
export const OMOP_DDL = `
CREATE TABLE person (person_id INTEGER PRIMARY KEY, gender_concept_id INTEGER NOT NULL, year_of_birth INTEGER NOT NULL, month_of_birth INTEGER, day_of_birth INTEGER,
  birth_datetime TEXT, race_concept_id INTEGER NOT NULL, ethnicity_concept_id INTEGER NOT NULL, location_id INTEGER, provider_id INTEGER, care_site_id INTEGER,
  person_source_value TEXT, gender_source_value TEXT, gender_source_concept_id INTEGER, race_source_value TEXT, race_source_concept_id INTEGER,
  ethnicity_source_value TEXT, ethnicity_source_concept_id INTEGER);
CREATE TABLE observation_period (observation_period_id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(person_id),
  observation_period_start_date TEXT NOT NULL, observation_period_end_date TEXT NOT NULL, period_type_concept_id INTEGER NOT NULL);
CREATE TABLE visit_occurrence (visit_occurrence_id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(person_id), visit_concept_id INTEGER NOT NULL,
  visit_start_date TEXT NOT NULL, visit_start_datetime TEXT, visit_end_date TEXT NOT NULL, visit_end_datetime TEXT, visit_type_concept_id INTEGER NOT NULL,
  provider_id INTEGER, care_site_id INTEGER, visit_source_value TEXT, visit_source_concept_id INTEGER, admitted_from_concept_id INTEGER, admitted_from_source_value TEXT,
  discharged_to_concept_id INTEGER, discharged_to_source_value TEXT, preceding_visit_occurrence_id INTEGER);
CREATE TABLE measurement (measurement_id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(person_id), measurement_concept_id INTEGER NOT NULL,
  measurement_date TEXT NOT NULL, measurement_datetime TEXT, measurement_time TEXT, measurement_type_concept_id INTEGER NOT NULL, operator_concept_id INTEGER,
  value_as_number REAL, value_as_concept_id INTEGER, unit_concept_id INTEGER, range_low REAL, range_high REAL, provider_id INTEGER,
  visit_occurrence_id INTEGER REFERENCES visit_occurrence(visit_occurrence_id), visit_detail_id INTEGER, measurement_source_value TEXT,
  measurement_source_concept_id INTEGER, unit_source_value TEXT, unit_source_concept_id INTEGER, value_source_value TEXT, measurement_event_id INTEGER, meas_event_field_concept_id INTEGER);
CREATE TABLE observation (observation_id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(person_id), observation_concept_id INTEGER NOT NULL,
  observation_date TEXT NOT NULL, observation_datetime TEXT, observation_type_concept_id INTEGER NOT NULL, value_as_number REAL, value_as_string TEXT,
  value_as_concept_id INTEGER, qualifier_concept_id INTEGER, unit_concept_id INTEGER, provider_id INTEGER,
  visit_occurrence_id INTEGER REFERENCES visit_occurrence(visit_occurrence_id), visit_detail_id INTEGER, observation_source_value TEXT,
  observation_source_concept_id INTEGER, unit_source_value TEXT, qualifier_source_value TEXT, value_source_value TEXT, observation_event_id INTEGER, obs_event_field_concept_id INTEGER);
CREATE TABLE condition_occurrence (condition_occurrence_id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES person(person_id), condition_concept_id INTEGER NOT NULL,
  condition_start_date TEXT NOT NULL, condition_start_datetime TEXT, condition_end_date TEXT, condition_end_datetime TEXT, condition_type_concept_id INTEGER NOT NULL,
  condition_status_concept_id INTEGER, stop_reason TEXT, provider_id INTEGER, visit_occurrence_id INTEGER REFERENCES visit_occurrence(visit_occurrence_id),
  visit_detail_id INTEGER, condition_source_value TEXT, condition_source_concept_id INTEGER, condition_status_source_value TEXT);
CREATE TABLE death (person_id INTEGER PRIMARY KEY REFERENCES person(person_id), death_date TEXT NOT NULL, death_datetime TEXT, death_type_concept_id INTEGER,
  cause_concept_id INTEGER, cause_source_value TEXT, cause_source_concept_id INTEGER);
`;
