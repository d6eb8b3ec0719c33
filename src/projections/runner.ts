import type { Logger } from 'pino';
import type { EventSchema } from '../domain/shared/event-schema.js';
import { inBatches } from '../infrastructure/event-store/batches.js';
import type { EventStore, EventSubscription, RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { Document, ReadModelStore, WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import { Signal } from '../infrastructure/signal.js';
import type { Projection } from './projection.js';

/**
 * Runs projections from their stored checkpoints: pages through `$all` to catch up,
 * then follows the live subscription. Each batch writes the changed documents and every
 * projection's checkpoint in ONE atomic bulk write, so a crash can neither skip an event
 * nor apply one twice; and each document remembers the position of the last event
 * applied to it, so an event that does reach a projection twice changes nothing.
 */

export type RunnerStatus = 'starting' | 'catching-up' | 'live' | 'failing' | 'stopped';

export type RunnerDeps = {
  eventStore: EventStore;
  readModels: ReadModelStore;
  schema: EventSchema;
  logger: Logger;
};

export type RunnerOptions = {
  batchSize?: number;
  /** Collection holding the checkpoints (one document per projection). */
  checkpoints?: string;
};

type Checkpoint = Document & { position: number; updatedAt: string };

export const CHECKPOINTS = 'checkpoints';

export class ProjectionRunner {
  private readonly checkpoints = new Map<string, number>();
  private readonly progressed = new Signal();
  private readonly stopping = new Signal();
  private subscription: EventSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private position = 0;
  private failures = 0;
  status: RunnerStatus = 'starting';
  lastError: string | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {}

  /** Creates indexes, loads checkpoints and starts following the log in the background. */
  async start(): Promise<void> {
    for (const projection of this.projections) {
      for (const index of projection.indexes ?? []) await this.collection(projection.collection).createIndex(index);
    }
    const stored = await this.deps.readModels
      .collection<Checkpoint>(this.checkpointCollection)
      .find({ _id: { $in: this.projections.map((p) => p.name) } });
    for (const projection of this.projections) {
      this.checkpoints.set(projection.name, stored.find((c) => c._id === projection.name)?.position ?? 0);
    }
    this.position = Math.min(...this.checkpoints.values());
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.status = 'stopped';
    await this.subscription?.close();
    this.progressed.notify();
    this.stopping.notify();
    await this.running;
  }

  /** The position every projection of this runner has reached. */
  get checkpoint(): number {
    return this.position;
  }

  get caughtUp(): boolean {
    return this.status === 'live';
  }

  checkpointOf(name: string): number | undefined {
    return this.checkpoints.get(name);
  }

  /** Resolves true once every projection has processed `position`, false after `timeoutMs`. */
  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.position < position) {
      const left = deadline - Date.now();
      if (left <= 0 || this.stopped) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.progressed.wait(), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    return true;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        this.status = 'catching-up';
        await this.catchUp();
        this.status = 'live';
        await this.follow();
      } catch (error) {
        if (this.stopped) break;
        this.failures += 1;
        this.status = 'failing';
        this.lastError = error instanceof Error ? error.message : String(error);
        this.deps.logger.error({ err: error, failures: this.failures }, 'projection batch failed; retrying');
        await this.pause(Math.min(30_000, 100 * 2 ** Math.min(this.failures, 9)));
      }
    }
  }

  /** Waits before a retry; stop() cuts it short. */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.stopping.wait(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  private async catchUp(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    for (;;) {
      const page = await this.deps.eventStore.readAll({ fromPosition: this.position, maxCount: batchSize });
      const fresh = page.filter((event) => event.position > this.position);
      if (fresh.length === 0) return;
      await this.apply(fresh);
      if (this.stopped) return;
    }
  }

  private async follow(): Promise<void> {
    this.subscription = this.deps.eventStore.subscribeToAll({ fromPosition: this.position });
    try {
      for await (const batch of inBatches(this.subscription, this.options.batchSize ?? 500)) {
        if (this.stopped) break;
        await this.apply(batch);
      }
    } finally {
      await this.subscription.close();
    }
  }

  /** Folds a batch into documents and writes them with every checkpoint, atomically. */
  async apply(recorded: readonly RecordedEvent[]): Promise<void> {
    const events = recorded.filter((e) => e.position > this.position).map((e) => this.deps.schema.upcast(e));
    if (events.length === 0) return;
    const documents = await this.prefetch(events);
    const changed = new Map<string, Set<string>>();
    for (const projection of this.projections) {
      const from = this.checkpoints.get(projection.name) ?? 0;
      const docs = documents.get(projection.collection)!;
      for (const event of events) {
        if (event.position <= from || !projection.eventTypes.includes(event.type)) continue;
        for (const id of projection.documentIds(event)) {
          const current = docs.get(id) ?? null;
          if (current && (current._position as number) >= event.position) continue;
          const next = projection.evolve(current, event);
          docs.set(id, next ? { ...next, _id: id, _position: event.position } : null);
          const ids = changed.get(projection.collection) ?? new Set<string>();
          changed.set(projection.collection, ids.add(id));
        }
      }
    }
    const last = events[events.length - 1]!.position;
    await this.deps.readModels.bulkWrite([...this.documentWrites(documents, changed), ...this.checkpointWrites(last)]);
    for (const projection of this.projections) this.checkpoints.set(projection.name, last);
    this.position = last;
    this.failures = 0;
    this.progressed.notify();
  }

  /** Loads, in one query per collection, every document the batch will touch. */
  private async prefetch(events: RecordedEvent[]): Promise<Map<string, Map<string, Document | null>>> {
    const wanted = new Map<string, Set<string>>();
    for (const projection of this.projections) {
      const ids = wanted.get(projection.collection) ?? new Set<string>();
      wanted.set(projection.collection, ids);
      for (const event of events) {
        if (projection.eventTypes.includes(event.type)) for (const id of projection.documentIds(event)) ids.add(id);
      }
    }
    const documents = new Map<string, Map<string, Document | null>>();
    for (const [collection, ids] of wanted) {
      const found = ids.size > 0 ? await this.collection(collection).find({ _id: { $in: [...ids] } }) : [];
      documents.set(collection, new Map(found.map((doc) => [doc._id, doc])));
    }
    return documents;
  }

  private documentWrites(
    documents: Map<string, Map<string, Document | null>>,
    changed: Map<string, Set<string>>,
  ): WriteOperation[] {
    const writes: WriteOperation[] = [];
    for (const [collection, ids] of changed) {
      for (const id of ids) {
        const doc = documents.get(collection)!.get(id);
        writes.push(
          doc
            ? { collection, replaceOne: { filter: { _id: id }, replacement: doc, upsert: true } }
            : { collection, deleteOne: { filter: { _id: id } } },
        );
      }
    }
    return writes;
  }

  private checkpointWrites(position: number): WriteOperation[] {
    const updatedAt = new Date().toISOString();
    return this.projections.map((projection) => ({
      collection: this.checkpointCollection,
      replaceOne: {
        filter: { _id: projection.name },
        replacement: { _id: projection.name, position, updatedAt },
        upsert: true,
      },
    }));
  }

  private get checkpointCollection(): string {
    return this.options.checkpoints ?? CHECKPOINTS;
  }

  private collection(name: string) {
    return this.deps.readModels.collection(name);
  }
}
