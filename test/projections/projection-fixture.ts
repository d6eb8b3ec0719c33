import { pino } from 'pino';
import { v4 as uuid } from 'uuid';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import type { EventMetadata, EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { Document, ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import type { Projection } from '../../src/projections/projection.js';
import { ProjectionRunner, type RunnerOptions } from '../../src/projections/runner.js';

/** Projections are typed by their document; the runner takes them as plain projections. */
export const untyped = <D extends Document>(projection: Projection<D>): Projection => projection as unknown as Projection;

export const silentLogger = () => pino({ level: 'silent' });

export const runnerOn = (
  eventStore: EventStore,
  readModels: ReadModelStore,
  projections: readonly Projection[],
  options: RunnerOptions = {},
) => new ProjectionRunner({ eventStore, readModels, schema: eventSchema([]), logger: silentLogger() }, projections, options);

/** Appends one event and hands back the event as the store recorded it. */
export const appendOne = async (
  store: EventStore,
  streamName: string,
  type: string,
  data: Record<string, unknown>,
  metadata: EventMetadata = {},
): Promise<RecordedEvent> => {
  const { position } = await store.appendToStream(streamName, [{ id: uuid(), type, data, metadata }]);
  return (await store.readAll({ fromPosition: position, maxCount: 1 }))[0]!;
};

/**
 * An in-memory event store and read-model store with a runner over `projections`,
 * driven by hand: `project()` applies everything appended so far.
 */
export const projectionFixture = (projections: readonly Projection[]) => {
  const events = new SqliteEventStore({ path: ':memory:' });
  const readModels = new EmbeddedReadModelStore({ path: ':memory:' });
  const runner = runnerOn(events, readModels, projections);
  return {
    events,
    readModels,
    runner,
    append: (streamName: string, type: string, data: Record<string, unknown>, metadata?: EventMetadata) =>
      appendOne(events, streamName, type, data, metadata),
    project: async () => runner.apply(await events.readAll()),
    close: async () => {
      await events.close();
      await readModels.close();
    },
  };
};

/** A recorded event for the pure evolve functions. */
export const recorded = (
  type: string,
  data: Record<string, unknown>,
  at: { revision?: number; position?: number; occurredAt?: string; recordedAt?: string; streamName?: string } = {},
): RecordedEvent => ({
  id: uuid(),
  type,
  streamName: at.streamName ?? 'test-1',
  revision: at.revision ?? 0,
  position: at.position ?? 1,
  data,
  metadata: at.occurredAt ? { occurredAt: at.occurredAt } : {},
  recordedAt: at.recordedAt ?? '2024-05-01T00:00:00.000Z',
});
