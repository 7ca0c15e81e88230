import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { birthOf, sexOf, type ExportData } from './exportData.js';

/** Every resource is tagged as synthetic (HL7 ActReason HTEST: test health data). */
export const SYNTHETIC_TAG = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' };
const VARIABLE_SYSTEM = 'urn:synthehr:variable';
const EVENT_SYSTEM = 'urn:synthehr:event';

/**
 * FHIR R4 bulk-data NDJSON: Patient (gender, birth date, deceased), Observation
 * per measurement (quantity with unit, or a string for categories), Condition
 * per event. References are Patient/ids inside the export.
 */
export async function writeFhir(data: ExportData, dir: string): Promise<{ name: string; path: string; rows: number }[]> {
  mkdirSync(dir, { recursive: true });
  const out = { Patient: [] as string[], Observation: [] as string[], Condition: [] as string[] };
  const units = new Map(data.variables.map((v) => [v.name, v.unit]));
  let obs = 0;
  let cond = 0;
  for (const p of data.patients) {
    const id = `p-${p.key}`;
    const subject = { reference: `Patient/${id}` };
    const birth = birthOf(p, data.variables);
    const death = p.outcome.eventTime !== null && p.outcome.eventType === 'death' ? p.outcome.eventTime : null;
    out.Patient.push(
      JSON.stringify({
        resourceType: 'Patient',
        id,
        meta: { tag: [SYNTHETIC_TAG] },
        identifier: [{ system: 'urn:synthehr:synthetic-patient', value: p.key }],
        gender: sexOf(p) ?? 'unknown',
        ...(birth !== null ? { birthDate: data.isoDate(birth) } : {}),
        ...(death !== null ? { deceasedDateTime: data.isoDate(death) } : {}),
      }),
    );
    for (const m of p.measurements) {
      if (m.value === null) continue;
      const unit = units.get(m.variable);
      out.Observation.push(
        JSON.stringify({
          resourceType: 'Observation',
          id: `o-${++obs}`,
          meta: { tag: [SYNTHETIC_TAG] },
          status: 'final',
          code: { coding: [{ system: VARIABLE_SYSTEM, code: m.variable }], text: m.variable },
          subject,
          effectiveDateTime: data.isoDate(m.time),
          ...(typeof m.value === 'number' ? { valueQuantity: { value: m.value, ...(unit ? { unit } : {}) } } : { valueString: m.value }),
        }),
      );
    }
    for (const e of p.events) {
      out.Condition.push(
        JSON.stringify({
          resourceType: 'Condition',
          id: `c-${++cond}`,
          meta: { tag: [SYNTHETIC_TAG] },
          code: { coding: [{ system: EVENT_SYSTEM, code: e.type }], text: e.type },
          subject,
          onsetDateTime: data.isoDate(e.time),
        }),
      );
    }
  }
  const files = [];
  for (const [type, lines] of Object.entries(out)) {
    const path = join(dir, `${type}.ndjson`);
    const s = createWriteStream(path);
    for (const l of lines) if (!s.write(`${l}\n`)) await once(s, 'drain');
    s.end();
    await once(s, 'finish');
    files.push({ name: `${type}.ndjson`, path, rows: lines.length });
  }
  return files;
}

/** Checks an NDJSON export: required fields per resource type, the synthetic tag, every reference resolving. */
export function validateFhir(resources: Record<string, unknown>[]): string[] {
  const problems: string[] = [];
  const ids = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
  for (const r of resources) {
    const where = `${String(r.resourceType)}/${String(r.id)}`;
    if (typeof r.id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(r.id)) problems.push(`${where}: id missing or not a FHIR id`);
    const tags = (r.meta as { tag?: { system: string; code: string }[] } | undefined)?.tag ?? [];
    if (!tags.some((t) => t.system === SYNTHETIC_TAG.system && t.code === SYNTHETIC_TAG.code)) problems.push(`${where}: not tagged as synthetic`);
    if (r.resourceType === 'Observation') {
      if (!['registered', 'preliminary', 'final', 'amended'].includes(String(r.status))) problems.push(`${where}: Observation.status missing`);
      if (!(r.code as { text?: string } | undefined)?.text) problems.push(`${where}: Observation.code missing`);
    }
    if (r.resourceType === 'Condition' && !(r.subject as { reference?: string } | undefined)?.reference) problems.push(`${where}: Condition.subject missing`);
    const ref = (r.subject as { reference?: string } | undefined)?.reference;
    if (ref !== undefined && !ids.has(ref)) problems.push(`${where}: reference ${ref} does not resolve in the export`);
  }
  return problems;
}
