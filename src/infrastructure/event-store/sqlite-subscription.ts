import type { EventSubscription, ReadAllOptions, RecordedEvent } from './event-store.js';

/** What a subscription needs of the embedded event store. */
export interface SubscriptionSource {
  readonly isClosed: boolean;
  readAllSync(options: ReadAllOptions): RecordedEvent[];
  /** Resolves on the next append: in this process at once, from another one through the commit bell (or, failing that, the poll). */
  waitForAppend(): Promise<void>;
  /** Wakes whatever waits for an append (a subscription being closed). */
  wake(): void;
}

/** Events read from the log page by page; at the end, it waits for the next append. */
const PAGE = 512;

/** A catch-up-then-live subscription to `$all` of the embedded event store. */
export class SqliteSubscription implements EventSubscription {
  private closed = false;

  constructor(
    private readonly store: SubscriptionSource,
    private after: number,
    private readonly onClose: () => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    for await (const page of this.batches(PAGE)) {
      for (const event of page) {
        if (this.closed) return;
        yield event;
      }
    }
  }

  /**
   * Pages as they are read: a batch is handed on as soon as an append wakes it, in the same
   * turn of the loop (batching single events would wait for the next turn, after whatever
   * I/O the loop has queued meanwhile, to learn that nothing more came).
   */
  async *batches(maxSize: number): AsyncGenerator<RecordedEvent[]> {
    while (!this.closed && !this.store.isClosed) {
      const page = this.store.readAllSync({ fromPosition: this.after + 1, maxCount: maxSize });
      if (page.length === 0) {
        await this.store.waitForAppend();
        continue;
      }
      this.after = page[page.length - 1]!.position;
      yield page;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.store.wake();
  }
}
