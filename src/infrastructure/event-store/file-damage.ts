import { Worker } from 'node:worker_threads';
import { UnrecoverableReadError } from './event-store.js';

/**
 * The embedded log's file found damaged: by SQLite as a read or a write gets to a damaged page
 * (SQLITE_CORRUPT, SQLITE_NOTADB), or by a check of the whole file in a thread of its own when
 * the store opens (PRAGMA integrity_check, which also finds an index entry naming the wrong
 * row: a page of the log's early history that nothing reads at start was otherwise found only when a rebuild, a new follower or an audit got to it, the shop
 * serving meanwhile, its new events written into the damaged file). From then on the store
 * writes nothing more to it (StorageDamagedError: 503 `storage-damaged`) and says it is not
 * ready, and `onDamage` is told once: the operator restores the log from a backup.
 * Nothing tried again mends it: a follower that meets it (its head asked, a stream read) stops
 * at once, as on a damaged page it reads (UnrecoverableReadError), whichever finds it first.
 */
export class StorageDamagedError extends UnrecoverableReadError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(cause, `${path} is damaged (${cause instanceof Error ? cause.message : String(cause)}): nothing more is written to it`);
    this.name = 'StorageDamagedError';
  }
}

/** SQLite found the file damaged (or no database at all): not something a retry mends. */
export const isDamage = (error: unknown): boolean => {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
};

export class FileDamage {
  private found: StorageDamagedError | undefined;
  private worker: Worker | undefined;

  constructor(
    private readonly path: string,
    private readonly onDamage: (error: StorageDamagedError) => void = () => undefined,
  ) {}

  /** The damage found, if any. */
  get error(): StorageDamagedError | undefined {
    return this.found;
  }

  /** Throws once the file is known damaged: nothing more is written to it. */
  refuseIfDamaged(): void {
    if (this.found) throw this.found;
  }

  /** Records `error` if it is SQLite finding the file damaged; answers whether it was. */
  seen(error: unknown): boolean {
    if (!isDamage(error)) return false;
    if (!this.found) {
      this.found = new StorageDamagedError(this.path, error);
      this.onDamage(this.found);
    }
    return true;
  }

  /** Checks the whole file from a thread of its own (read-only; it keeps nothing alive). */
  checkWholeFile(): void {
    if (this.worker) return;
    const worker = (this.worker = new Worker(new URL('./file-check-worker.js', import.meta.url), { workerData: { path: this.path } }));
    worker.unref();
    worker.once('message', (result: { ok: true } | { ok: false; message: string; code: string }) => {
      if (!result.ok) this.seen(Object.assign(new Error(result.message), { code: result.code }));
      void worker.terminate();
    });
    // A check that could not run (the file gone, a thread refused) finds nothing: the reads and writes still do.
    worker.once('error', () => undefined);
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}
