/**
 * The messages main (or the CLI, or the test bridge) and its three worker
 * processes exchange, declared once for both ends: the store process (every
 * store call of the app), the import process and the training process. What a
 * parent receives is checked against these schemas; a message that does not
 * match is logged with the reason, never dropped silently. Payloads that reach
 * the renderer are the contract's own schemas. (Signal Desktop declares its SQL
 * worker protocol the same way, in ts/sql/main.ts.)
 */
import { z } from 'zod';
import { importOutcome, importProgress } from '../../preload/contract/datasets.js';
import { trainingProgress } from '../../preload/contract/training.js';
import { events, type EventName } from '../../preload/contract.js';
import { ERROR_CODES } from '../../preload/errors.js';

const errorWire = z.object({ code: z.enum(ERROR_CODES), message: z.string() });

// ---- the store process: one request per call, answered by id; events at any time.

export interface StoreRequest {
  id: number;
  method: string;
  args: unknown[];
}

export const storeMessage = z.union([
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(false), error: errorWire }),
  z.object({ type: z.literal('event'), event: z.enum(Object.keys(events) as [EventName, ...EventName[]]), payload: z.unknown() }),
]);
export type StoreMessage = z.output<typeof storeMessage>;

// ---- the import process: one import per process; killing it rolls the import back.

export interface ImportRequest {
  type: 'start';
  dbPath: string;
  mappingPath: string;
}

export const importMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), progress: importProgress }),
  z.object({ type: z.literal('done'), outcome: importOutcome }),
]);
export type ImportMessage = z.output<typeof importMessage>;

// ---- the training process: one run per process; "cancel" stops it after a checkpoint.
// The request and the start and end reports are the training domain's types (main/training/trainWorker.ts names them).

export type TrainingCommand<Request, Backend extends string = string> =
  | { type: 'start'; dbPath: string; request: Request }
  | { type: 'resume'; dbPath: string; runId: number; backend?: Backend }
  | { type: 'cancel' };

const runStatus = z.enum(['completed', 'cancelled']);
export const trainingMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), info: z.looseObject({ runId: z.number() }) }),
  z.object({ type: z.literal('progress'), progress: trainingProgress }),
  z.object({ type: z.literal('done'), result: z.looseObject({ runId: z.number(), status: runStatus }) }),
  z.object({ type: z.literal('failed'), error: errorWire }),
]);
/** What the training process sends, with the domain's fuller start and end reports. */
export type TrainingMessage<Started, Result> =
  | { type: 'started'; info: Started & { runId: number } }
  | { type: 'progress'; progress: z.output<typeof trainingProgress> }
  | { type: 'done'; result: Result & { runId: number; status: z.output<typeof runStatus> } }
  | { type: 'failed'; error: z.output<typeof errorWire> };

/**
 * A message from a worker, checked against its schema: the parsed message, or
 * undefined after logging what was wrong with it.
 */
export function checkMessage<S extends z.ZodType>(worker: string, schema: S, message: unknown): z.output<S> | undefined {
  const parsed = schema.safeParse(message);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  console.error(`[${worker}] ignored a malformed message (${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'}): ${JSON.stringify(message)?.slice(0, 300)}`);
  return undefined;
}

// ---- both kinds of process: an Electron utility process in the app, a Node child process under the CLI and the tests.

/** A worker process as its parent sees it. */
export interface WorkerProcess {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** Starts one of the workers with its arguments (the app forks utility processes; the CLI and the tests, Node processes). */
export type SpawnWorker = (worker: 'store' | 'import' | 'training', args: string[]) => WorkerProcess;

interface ElectronPort {
  postMessage(m: unknown): void;
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
}

/**
 * The worker's side: its parent, whichever kind of process this is. A Node
 * child outlives a parent that was killed, so there `onParentGone` runs when
 * the channel closes (by default the worker exits: an import in flight rolls back).
 */
export function parentChannel(onParentGone: () => void = () => process.exit(1)): { send(message: unknown): void; onMessage(listener: (message: unknown) => void): void } {
  const port = (process as unknown as { parentPort?: ElectronPort }).parentPort;
  if (port) return { send: (m) => port.postMessage(m), onMessage: (fn) => port.on('message', (e) => fn(e.data)) };
  process.once('disconnect', onParentGone);
  return {
    // A message after the parent went would be an unhandled 'error' event that ends this process early: skip a closed channel.
    send: (m) => {
      if (process.connected) process.send?.(m, undefined, {}, () => {});
    },
    onMessage: (fn) => process.on('message', fn),
  };
}
