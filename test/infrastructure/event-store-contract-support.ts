import { v4 as uuid } from 'uuid';
import { type EventStore, type EventToAppend, type RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';

/** What both parts of the event-store contract use: unique stream names (the suite also runs against a long-lived EventStoreDB), events, and waits. */
export const streamName = () => `contract-${uuid()}`;

export const event = (type: string, data: Record<string, unknown> = { n: 1 }): EventToAppend => ({
  id: uuid(),
  type,
  data,
  metadata: { correlationId: uuid(), causationId: uuid(), actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 },
});

export const types = async (store: EventStore, stream: string) => (await store.readStream(stream)).map((e) => e.type);

export const ours = (events: RecordedEvent[], streams: string[]) => events.filter((e) => streams.includes(e.streamName));

export const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to be rejected');
};

export const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
