import { Worker } from 'node:worker_threads';

/**
 * What the loader thread is asked: to store a batch (`[collection, id, JSON of the document or
 * null to delete]`), or to delete up to `limit` documents of a collection being dropped.
 */
export type LoadRequest = { id: number; rows: LoadRow[] } | { id: number; drop: string; limit: number };
export type LoadRow = [collection: string, id: string, json: string | null];
/** `deleted`: the documents a drop's slice deleted. */
export type LoadReply = { id: number; error?: string; deleted?: number };

/** `what`: the request in words, for its failure ("loading documents failed: ..."). */
type Waiter = { what: string; resolve: (deleted: number) => void; reject: (error: Error) => void; done: Promise<number> };

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
  async load(rows: LoadRow[]): Promise<void> {
    await this.send('loading documents', (id) => ({ id, rows }));
  }

  /**
   * Deletes up to `limit` documents of `collection` in one transaction, which stamps the
   * collection with a new version, or deletes the collection itself when fewer were left.
   * Resolves with the number deleted once committed.
   */
  dropSlice(collection: string, limit: number): Promise<number> {
    return this.send(`dropping ${collection}`, (id) => ({ id, drop: collection, limit }));
  }

  private send(what: string, request: (id: number) => LoadRequest): Promise<number> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const waiter = { what } as Waiter;
    waiter.done = new Promise<number>((resolve, reject) => Object.assign(waiter, { resolve, reject }));
    this.waiting.set(id, waiter);
    if (this.waiting.size === 1) worker.ref();
    worker.postMessage(request(id));
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
    worker.on('message', ({ id, error, deleted }: LoadReply) => this.settle(id, error, deleted));
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

  private settle(id: number, error: Error | string | undefined, deleted = 0): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (typeof error === 'string') waiter.reject(new Error(`${waiter.what} failed: ${error}`));
    else if (error) waiter.reject(error);
    else waiter.resolve(deleted);
  }
}
