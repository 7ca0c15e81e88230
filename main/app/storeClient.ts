import { utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';
import type { z } from 'zod';
import { contract, events, type Contract } from '../../preload/contract.js';
import type { InternalStoreMethod, StoreEvent, StoreMethod } from '../ipc/storeMethods.js';

type Reply = { type: 'result'; id: number; ok: true; value: unknown } | { type: 'result'; id: number; ok: false; message: string; name: string };
type EventMessage = { type: 'event'; event: StoreEvent; payload: unknown };

/**
 * The main process's handle on the store utility process: one request at a time
 * per id, replies checked against the contract, events validated and passed on.
 * A crashed worker fails its pending calls and is restarted on the next call.
 */
export class StoreClient {
  private child: UtilityProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; schema: z.ZodType; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly dbPath: string,
    private readonly onEvent: (channel: string, payload: unknown) => void,
  ) {}

  call<K extends StoreMethod>(method: K, args: unknown[]): Promise<z.output<Contract[K]['result']>> {
    return this.send(method, args, contract[method].result) as Promise<z.output<Contract[K]['result']>>;
  }

  /** A store-process method outside the contract (main supplies its arguments), its reply checked against `schema`. */
  callInternal<S extends z.ZodType>(method: InternalStoreMethod, args: unknown[], schema: S): Promise<z.output<S>> {
    return this.send(method, args, schema) as Promise<z.output<S>>;
  }

  private send(method: string, args: unknown[], schema: z.ZodType): Promise<unknown> {
    const child = this.worker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, schema, resolve, reject });
      child.postMessage({ id, method, args });
    });
  }

  dispose(): void {
    this.child?.kill();
  }

  private worker(): UtilityProcess {
    if (this.child) return this.child;
    const child = utilityProcess.fork(join(import.meta.dirname, 'storeWorker.js'), [this.dbPath], { serviceName: 'SynthEHR store' });
    child.on('message', (m: Reply | EventMessage) => {
      if (m.type === 'event') {
        const spec = events[m.event];
        const parsed = spec?.payload.safeParse(m.payload);
        if (parsed?.success) this.onEvent(spec.channel, parsed.data);
        return;
      }
      const call = this.pending.get(m.id);
      if (!call) return;
      this.pending.delete(m.id);
      if (!m.ok) return call.reject(Object.assign(new Error(m.message), { name: m.name }));
      const checked = call.schema.safeParse(m.value);
      if (checked.success) call.resolve(checked.data);
      else call.reject(new Error(`${call.method}: the store returned a malformed result (${checked.error.issues[0]?.message ?? 'invalid'})`));
    });
    child.on('exit', (code) => {
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
