import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startThread } from '../common/nodeThread.js';
import type { Db } from './database.js';
import { Control, CONTROL_SLOTS, Op, type ThreadCall, type ThreadData, type ThreadMessage } from './importOps.js';
import { ImportKeyIndex, type StoredKeys } from './repositories/importKeyIndex.js';
import { maxImportIds, type ImportIds, type ImportLogEntry, type ImportSink, type NewVariable, type StoredWarning } from './repositories/importWriter.js';

/**
 * Numbers sent to the thread at a time (128 KiB), and batches it may be behind
 * before the reader waits (8 MiB in all). Small batches keep the thread close
 * behind the reader, so little is left to write when the reading ends (1 MiB
 * batches left ~30 ms: the import ~4% slower).
 */
const BATCH_NUMBERS = 1 << 14;
const MAX_BATCHES_AHEAD = 64;
/** How long the thread may take to start (load its modules, open the store) before the import gives up. */
const START_TIMEOUT_MS = 30_000;

/**
 * An import's writes, done on a thread of their own so that reading the files and
 * writing the store run on two cores at once: the reader's side of the
 * pipeline. Writes go out in batches of ops and are applied in order in one
 * transaction on the thread's connection; rows are numbered here, ahead of the
 * store (the thread holds the write lock from `begin`, so the numbers are the
 * ones SQLite would give). Calls that need an answer (begin, commit, ...) wait
 * for the thread to catch up. Memory stays bounded: the reader waits when the
 * thread is MAX_BATCHES_AHEAD batches behind. A file whose rows are not grouped
 * by patient gets its key index on this side's own connection (a temp table),
 * seeded with the keys the thread has stored for the file so far.
 */
export class ImportWriteQueue implements ImportSink {
  measurementCount = 0;
  eventCount = 0;
  private numbers = new Float64Array(BATCH_NUMBERS + 16);
  private used = 0;
  private strings: string[] = [];
  private batchesSent = 0;
  private ids: ImportIds = { dataset: 0, variable: 0, patient: 0, import: 0 };
  private keyIndex: ImportKeyIndex | undefined;
  private readonly control: Int32Array;
  /** Why the thread failed to start (its module missing from a broken install), once the reader has seen it. */
  private startError: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly db: Db,
    private readonly thread: Worker,
    shared: SharedArrayBuffer,
    private readonly replies: MessagePort,
  ) {
    this.control = new Int32Array(shared);
    thread.on('error', (err) => (this.startError ??= err));
    this.exited = new Promise((resolve) => thread.once('exit', () => resolve()));
  }

  /**
   * Starts the write thread on the store `db` is open on (a file: the thread opens
   * its own connection). Nothing waits for it: the reading starts at once and the
   * thread's start (its modules, the store) overlaps it.
   */
  static open(db: Db): ImportWriteQueue {
    const shared = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const workerData: ThreadData = { dbPath: db.name, control: shared, replies: port2 };
    const thread = startThread(import.meta.url, 'importWriteThread', { workerData, transferList: [port2] });
    return new ImportWriteQueue(db, thread, shared, port1);
  }

  /**
   * Rows are numbered from the largest ids as this connection sees them now; the
   * thread checks, once it holds the write lock, that no other program moved them.
   */
  begin(): void {
    this.ids = maxImportIds(this.db);
    this.post({ type: 'begin', expected: { ...this.ids } });
  }

  commit(): void {
    this.call('commit');
  }

  rollback(): void {
    this.used = 0;
    this.strings = [];
    this.closeKeyIndex();
    this.call('rollback');
  }

  /** Ends the thread (its connection closes, after commit or rollback). */
  async close(): Promise<void> {
    this.closeKeyIndex();
    this.post({ type: 'close' });
    await this.exited;
    this.replies.close();
  }

  insertDataset(name: string, description: string | null, timeBasis: 'calendar' | 'relative'): number {
    const id = ++this.ids.dataset;
    this.op(Op.dataset, id, this.str(name), this.str(description), this.str(timeBasis));
    return id;
  }

  insertVariable(datasetId: number, v: NewVariable): number {
    const id = ++this.ids.variable;
    this.op(Op.variable, id, datasetId, this.str(JSON.stringify(v)));
    return id;
  }

  setVariableUnit(variableId: number, unit: string): void {
    this.op(Op.unit, variableId, this.str(unit));
  }

  setVariableCategories(variableId: number, categories: string[]): void {
    this.op(Op.categories, variableId, this.str(JSON.stringify(categories)));
  }

  insertPatient(datasetId: number, sourceKey: string): number {
    const id = ++this.ids.patient;
    this.op(Op.patient, id, datasetId, this.str(sourceKey));
    return id;
  }

  insertStatic(patientId: number, variableId: number, num: number | null, txt: string | null): void {
    this.op(Op.staticValue, patientId, variableId, num ?? NaN, this.str(txt));
  }

  insertMeasurement(patientId: number, time: number, variableId: number, num: number | null, txt: string | null): void {
    // The hot path: written out rather than through op().
    const n = this.numbers;
    let i = this.used;
    n[i++] = Op.measurement;
    n[i++] = patientId;
    n[i++] = time;
    n[i++] = variableId;
    n[i++] = num ?? NaN;
    n[i++] = txt === null ? -1 : this.strings.push(txt) - 1;
    this.used = i;
    this.measurementCount++;
    if (i >= BATCH_NUMBERS) this.flush();
  }

  insertEvent(patientId: number, time: number, type: string, sourceColumn: string): void {
    this.op(Op.event, patientId, time, this.str(type), this.str(sourceColumn));
    this.eventCount++;
  }

  insertOutcome(patientId: number, followupEnd: number, eventTime: number | null, eventType: string | null): void {
    this.op(Op.outcome, patientId, followupEnd, eventTime ?? NaN, this.str(eventType));
  }

  insertWarning(w: StoredWarning): void {
    this.op(Op.warning, this.str(w.rule), this.str(w.fileName), w.line ?? NaN, this.str(w.column ?? null), this.str(w.value ?? null), this.str(w.message));
  }

  setIndexTime(patientId: number, time: number): void {
    this.op(Op.indexTime, patientId, time);
  }

  defaultIndexToFirstRecord(datasetId: number): void {
    this.op(Op.defaultIndexToFirstRecord, datasetId);
  }

  defaultIndexToZero(datasetId: number): void {
    this.op(Op.defaultIndexToZero, datasetId);
  }

  followUpBeforeIndex(datasetId: number): { patientId: number; indexTime: number }[] {
    return this.call('followUpBeforeIndex', datasetId) as { patientId: number; indexTime: number }[];
  }

  writeImportLog(datasetId: number, entry: ImportLogEntry): number {
    return this.call('writeImportLog', datasetId, entry) as number;
  }

  markFileStart(): void {
    this.op(Op.fileStart);
  }

  openKeyIndex(wholeVisits: boolean): ImportKeyIndex {
    const keys = this.call('keysSinceFileStart', wholeVisits) as StoredKeys;
    this.keyIndex = new ImportKeyIndex(this.db);
    this.keyIndex.seed(keys);
    return this.keyIndex;
  }

  private closeKeyIndex(): void {
    this.keyIndex?.close();
    this.keyIndex = undefined;
  }

  private str(s: string | null): number {
    return s === null ? -1 : this.strings.push(s) - 1;
  }

  /**
   * Appends an op; its strings were pushed while its arguments were evaluated, so the
   * batch is sent after it, never between (the buffer has room for one more op).
   */
  private op(code: number, ...args: number[]): void {
    this.numbers[this.used++] = code;
    for (const a of args) this.numbers[this.used++] = a;
    if (this.used >= BATCH_NUMBERS) this.flush();
  }

  /** Sends the ops so far, first waiting while the thread is too far behind. */
  private flush(): void {
    if (this.used === 0) return;
    // A write failed: stop reading now (the call throws its message), not at the end of the files.
    if (Atomics.load(this.control, Control.failed) === 1) this.call('failure');
    this.waitFor(Control.batchesApplied, (applied) => this.batchesSent - applied < MAX_BATCHES_AHEAD);
    const batch = this.numbers.slice(0, this.used);
    this.post({ type: 'ops', numbers: batch, strings: this.strings }, [batch.buffer]);
    this.batchesSent++;
    this.used = 0;
    this.strings = [];
  }

  private post(message: ThreadMessage, transfer: ArrayBuffer[] = []): void {
    this.thread.postMessage(message, transfer);
  }

  /**
   * Blocks until the thread's counter in `slot` passes `done`. The thread answers
   * everything it is sent, also after a failure; only a thread that never
   * started (its module missing from a broken install) is given up on.
   */
  private waitFor(slot: number, done: (value: number) => boolean): void {
    const since = Date.now();
    for (;;) {
      const value = Atomics.load(this.control, slot);
      if (done(value)) return;
      if (Atomics.load(this.control, Control.started) === 0 && (this.startError || Date.now() - since > START_TIMEOUT_MS)) {
        const why = this.startError ? `: ${this.startError.message}` : ` within ${START_TIMEOUT_MS / 1000} s`;
        throw new Error(`the import's write thread did not start${why}; nothing was imported (reinstall SynthEHR Studio if this repeats)`);
      }
      Atomics.wait(this.control, slot, value, 200);
    }
  }

  /** Sends the ops so far and a call, and waits for the thread's answer (it comes after those ops are applied). */
  private call(name: ThreadCall['name'], ...args: unknown[]): unknown {
    if (name !== 'failure') this.flush();
    const seen = Atomics.load(this.control, Control.replies);
    this.post({ type: 'call', name, args });
    this.waitFor(Control.replies, (replies) => replies !== seen);
    const reply = receiveMessageOnPort(this.replies)!.message as { value?: unknown; failed?: string };
    if (reply.failed !== undefined) throw new Error(`the import could not write to the store: ${reply.failed}`);
    return reply.value;
  }
}
