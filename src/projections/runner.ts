import type { Logger } from 'pino';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore, RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { LogFollower, type FollowerStatus } from '../infrastructure/event-store/log-follower.js';
import type { Document, ReadModelStore, WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import type { Projection } from './projection.js';

/**
 * Runs projections from their stored checkpoints (see LogFollower for catch-up and live).
 * Each batch writes the changed documents and every projection's checkpoint in ONE atomic
 * bulk write, so a crash can neither skip an event nor apply one twice; and each document
 * remembers the position of the last event applied to it, so an event that does reach a
 * projection twice changes nothing.
 */

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
  private readonly follower: LogFollower;
  private position = 0;

  constructor(
    private readonly deps: RunnerDeps,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.follower = new LogFollower(deps.eventStore, deps.logger, options.batchSize ?? 500);
  }

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
    this.follower.start(this.position, (events) => this.apply(events));
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  /** The position every projection of this runner has reached. */
  get checkpoint(): number {
    return this.position;
  }

  get status(): FollowerStatus {
    return this.follower.status;
  }

  get caughtUp(): boolean {
    return this.follower.caughtUp;
  }

  get lastError(): string | undefined {
    return this.follower.lastError;
  }

  checkpointOf(name: string): number | undefined {
    return this.checkpoints.get(name);
  }

  /** Resolves true once every projection has processed `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.position >= position ? Promise.resolve(true) : this.follower.waitFor(position, timeoutMs);
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
