import type { MessagePort } from 'node:worker_threads';
import type { ImportIds, ImportWriter, NewVariable } from './repositories/importWriter.js';

/**
 * The writes of an import as a flat stream, for the thread that does them:
 * each op is its code and its numbers in a Float64Array, strings by index into
 * a side list (-1: null; NaN: a null number). Kept in the order they were made.
 */
export const Op = {
  measurement: 1, // patient, time, variable, num, txt
  staticValue: 2, // patient, variable, num, txt
  patient: 3, // id, dataset, key
  event: 4, // patient, time, type, column
  outcome: 5, // patient, end, event time, event type
  indexTime: 6, // patient, time
  variable: 7, // id, dataset, variable as JSON
  unit: 8, // variable, unit
  categories: 9, // variable, categories as JSON
  dataset: 10, // id, name, description, time basis
  fileStart: 11,
  defaultIndexToFirstRecord: 12, // dataset
  defaultIndexToZero: 13, // dataset
  warning: 14, // rule, file, line, column, value, message
} as const;

/** Numbers each op carries after its code. */
const ARITY: Record<number, number> = { 1: 5, 2: 4, 3: 3, 4: 4, 5: 4, 6: 2, 7: 3, 8: 2, 9: 2, 10: 4, 11: 0, 12: 1, 13: 1, 14: 6 };

/** Applies a batch of ops to the writer, in order. */
export function applyOps(writer: ImportWriter, n: Float64Array, strings: string[]): void {
  const str = (i: number) => (i < 0 ? null : strings[i]!);
  const num = (x: number) => (Number.isNaN(x) ? null : x);
  for (let i = 0; i < n.length; i += 1 + ARITY[n[i]!]!) {
    switch (n[i]) {
      case Op.measurement:
        writer.insertMeasurement(n[i + 1]!, n[i + 2]!, n[i + 3]!, num(n[i + 4]!), str(n[i + 5]!));
        break;
      case Op.staticValue:
        writer.insertStatic(n[i + 1]!, n[i + 2]!, num(n[i + 3]!), str(n[i + 4]!));
        break;
      case Op.patient:
        writer.insertPatient(n[i + 2]!, str(n[i + 3]!)!, n[i + 1]!);
        break;
      case Op.event:
        writer.insertEvent(n[i + 1]!, n[i + 2]!, str(n[i + 3]!)!, str(n[i + 4]!)!);
        break;
      case Op.outcome:
        writer.insertOutcome(n[i + 1]!, n[i + 2]!, num(n[i + 3]!), str(n[i + 4]!));
        break;
      case Op.indexTime:
        writer.setIndexTime(n[i + 1]!, n[i + 2]!);
        break;
      case Op.variable:
        writer.insertVariable(n[i + 2]!, JSON.parse(str(n[i + 3]!)!) as NewVariable, n[i + 1]!);
        break;
      case Op.unit:
        writer.setVariableUnit(n[i + 1]!, str(n[i + 2]!)!);
        break;
      case Op.categories:
        writer.setVariableCategories(n[i + 1]!, JSON.parse(str(n[i + 2]!)!) as string[]);
        break;
      case Op.dataset:
        writer.insertDataset(str(n[i + 2]!)!, str(n[i + 3]!), str(n[i + 4]!) as 'calendar' | 'relative', n[i + 1]!);
        break;
      case Op.fileStart:
        writer.markFileStart();
        break;
      case Op.defaultIndexToFirstRecord:
        writer.defaultIndexToFirstRecord(n[i + 1]!);
        break;
      case Op.defaultIndexToZero:
        writer.defaultIndexToZero(n[i + 1]!);
        break;
      case Op.warning: {
        const line = num(n[i + 3]!);
        writer.insertWarning({ rule: str(n[i + 1]!)!, fileName: str(n[i + 2]!)!, line: line ?? undefined, column: str(n[i + 4]!) ?? undefined, value: str(n[i + 5]!) ?? undefined, message: str(n[i + 6]!)! });
        break;
      }
      default:
        throw new Error(`unknown import op ${n[i]} at ${i}`);
    }
  }
}

/** Slots of the shared control array: counters the thread bumps and notifies. */
export const Control = { started: 0, batchesApplied: 1, replies: 2, failed: 3 } as const;
export const CONTROL_SLOTS = 4;

/** What the write thread starts with. */
export interface ThreadData {
  dbPath: string;
  control: SharedArrayBuffer;
  /** Where calls are answered (read synchronously with receiveMessageOnPort). */
  replies: MessagePort;
}

/** What the write thread is sent, in this order: begin, then ops and calls, then close. */
export type ThreadMessage = { type: 'begin'; expected: ImportIds } | { type: 'ops'; numbers: Float64Array; strings: string[] } | ThreadCall | { type: 'close' };

/** A call the caller waits for; answered on the replies port, in order with the ops before it. */
export interface ThreadCall {
  type: 'call';
  name: 'begin' | 'failure' | 'keysSinceFileStart' | 'followUpBeforeIndex' | 'writeImportLog' | 'commit' | 'rollback';
  args: unknown[];
}
