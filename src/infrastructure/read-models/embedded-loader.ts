import { Worker } from 'node:worker_threads';

/** A batch for the loader thread: `[collection, id, JSON of the document or null to delete]`. */
export type LoadRequest = { id: number; rows: Array<[string, string, string | null]> };
export type LoadReply = { id: number; error?: string };

type Waiter = { resolve: () => void; reject: (error: Error) => void; done: Promise<void> };

/**
 * Stores batches of documents from a thread of its own, with a connection of its own to the
 * store's file, so that a rebuild folds the next events while SQLite writes the last
 * documents (the two used to share one core; now each has one). Batches are committed in
 * the order they are sent. The thread starts with the first batch and keeps the process
 * alive only while a batch is on its way.
 */
export class EmbeddedLoader {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  constructor(private readonly path: string) {}

  /** Resolves once the batch is committed. */
  load(rows: LoadRequest['rows']): Promise<void> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const waiter = {} as Waiter;
    waiter.done = new Promise<void>((resolve, reject) => Object.assign(waiter, { resolve, reject }));
    this.waiting.set(id, waiter);
    if (this.waiting.size === 1) worker.ref();
    worker.postMessage({ id, rows } satisfies LoadRequest);
    return waiter.done;
  }

  /** Resolves once every batch sent so far is committed or failed. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.waiting.values()].map((w) => w.done));
  }

  /** Waits for the batches on their way, then stops the thread. */
  async close(): Promise<void> {
    await this.settled();
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./embedded-loader-thread.js', import.meta.url), {
      workerData: { path: this.path },
      // It holds a batch or two of JSON at a time: a small heap keeps the process's memory down.
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
    });
    worker.on('message', ({ id, error }: LoadReply) => this.settle(id, error === undefined ? undefined : new Error(`loading documents failed: ${error}`)));
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const id of [...this.waiting.keys()]) this.settle(id, error);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the loader thread stopped (exit code ${code})`)));
    // After the listeners: a 'message' listener refs the worker's port again (the batches ref it while they wait).
    worker.unref();
    return worker;
  }

  private settle(id: number, error: Error | undefined): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (error) waiter.reject(error);
    else waiter.resolve();
  }
}
