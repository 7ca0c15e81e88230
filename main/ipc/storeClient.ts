import type { z } from 'zod';
import type { Emit, MethodName } from '../../preload/contract.js';
import { errorFromWire } from '../common/errors.js';
import { checkMessage, storeMessage, type SpawnWorker, type StoreRequest, type WorkerProcess } from '../common/workerProtocol.js';
import type { InternalStoreMethod } from './storeHandlers.js';

/**
 * Main's handle on the store process: calls answered by id (the caller checks
 * results against the contract), events passed on. A crashed worker fails its
 * pending calls and is restarted on the next call.
 */
export class StoreClient {
  private child: WorkerProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly dbPath: string,
    private readonly emit: Emit,
    private readonly spawn: SpawnWorker,
  ) {}

  call(method: MethodName, args: unknown[]): Promise<unknown> {
    return this.send(method, args);
  }

  /** A store-process method outside the contract (main supplies its arguments), its reply checked against `schema`. */
  async callInternal<S extends z.ZodType>(method: InternalStoreMethod, args: unknown[], schema: S): Promise<z.output<S>> {
    const value = await this.send(method, args);
    const checked = schema.safeParse(value);
    if (!checked.success) throw new Error(`${method}: the store returned a malformed result (${checked.error.issues[0]?.message ?? 'invalid'})`);
    return checked.data;
  }

  dispose(): void {
    this.child?.kill();
  }

  private send(method: string, args: unknown[]): Promise<unknown> {
    const child = this.worker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      child.postMessage({ id, method, args } satisfies StoreRequest);
    });
  }

  private worker(): WorkerProcess {
    if (this.child) return this.child;
    const child = this.spawn('store', [this.dbPath]);
    child.onMessage((raw) => {
      const m = checkMessage('store process', storeMessage, raw);
      if (!m) return;
      if (m.type === 'event') {
        this.emit(m.event, m.payload as never);
        return;
      }
      const call = this.pending.get(m.id);
      if (!call) return;
      this.pending.delete(m.id);
      if (m.ok) call.resolve(m.value);
      else call.reject(errorFromWire(m.error));
    });
    child.onExit((code) => {
      this.child = undefined;
      for (const [id, call] of this.pending) {
        this.pending.delete(id);
        call.reject(new Error(`The store process stopped unexpectedly (exit code ${code}) during ${call.method}; nothing was half-written.`));
      }
    });
    this.child = child;
    return child;
  }
}
